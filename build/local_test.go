// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package build_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airlock-dev/airlock/build"
	"github.com/airlock-dev/airlock/definition"
)

// tarOf writes files as a tar.
func tarOf(files map[string]string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, body := range files {
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
		tw.Write([]byte(body))
	}
	tw.Close()
	return buf.Bytes()
}

// buildFrom builds a package of one image read from a local file holding data.
func buildFrom(t testing.TB, data []byte) error {
	return buildFromAs(t, data, "registry.example.com/a:1")
}

// buildFromAs is buildFrom with the image named ref.
func buildFromAs(t testing.TB, data []byte, ref string) error {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "img.tar"), data, 0o644)
	pkg := &definition.Package{Metadata: definition.Metadata{Name: "a", Version: "1"},
		Components: []definition.Component{{Name: "app", Images: []definition.Image{{Ref: ref, From: "img.tar"}}}}}
	_, err := build.Build(context.Background(), dir, pkg, build.NewStore(t.TempDir()), build.Options{Created: time.Unix(0, 0)})
	return err
}

// A docker save tarball becomes an image; one whose manifest names
// entries it does not hold, or escapes, is refused.
func TestLocalDockerArchive(t *testing.T) {
	good := tarOf(map[string]string{"manifest.json": `[{"Config":"c.json","RepoTags":["registry.example.com/a:1"],"Layers":["l/layer.tar"]}]`, "c.json": `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`, "l/layer.tar": "layer"})
	if err := buildFrom(t, good); err != nil {
		t.Fatal(err)
	}
	if err := buildFromAs(t, good, "registry.example.com/a@sha256:"+strings.Repeat("0", 63)+"1"); err == nil || !strings.Contains(err.Error(), "no digest can pin it") {
		t.Fatalf("a digest pin on a docker save tarball: %v", err)
	}
	for name, files := range map[string]map[string]string{
		"missing layer":  {"manifest.json": `[{"Config":"c.json","Layers":["nope.tar"]}]`, "c.json": "{}"},
		"two images":     {"manifest.json": `[{"Config":"c.json"},{"Config":"c.json"}]`, "c.json": "{}"},
		"not a manifest": {"manifest.json": `{"x":1}`},
		"neither":        {"x": "y"},
	} {
		if err := buildFrom(t, tarOf(files)); err == nil {
			t.Errorf("%s: built", name)
		}
	}
}

// FuzzLocalImage reads hostile local image files: never a panic.
func FuzzLocalImage(f *testing.F) {
	f.Add(tarOf(map[string]string{"manifest.json": `[{"Config":"c.json","Layers":["l.tar"]}]`, "c.json": "{}", "l.tar": "x"}))
	f.Add(tarOf(map[string]string{"index.json": `{"schemaVersion":2,"manifests":[]}`, "oci-layout": `{"imageLayoutVersion":"1.0.0"}`}))
	f.Add([]byte("not a tar"))
	f.Fuzz(func(t *testing.T, data []byte) {
		buildFrom(t, data)
	})
}

// A link inside an OCI layout folder is not followed, even to a file
// holding the right bytes.
func TestLocalLayoutRefusesLinks(t *testing.T) {
	dir := t.TempDir()
	layout := filepath.Join(dir, "layout")
	os.MkdirAll(filepath.Join(layout, "blobs", "sha256"), 0o755)
	put := func(data []byte) string {
		d := sha256.Sum256(data)
		name := hex.EncodeToString(d[:])
		os.WriteFile(filepath.Join(layout, "blobs", "sha256", name), data, 0o644)
		return name
	}
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	cfg := put(config)
	manifest := []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[]}`, cfg, len(config)))
	man := put(manifest)
	os.WriteFile(filepath.Join(layout, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
	os.WriteFile(filepath.Join(layout, "index.json"), []byte(fmt.Sprintf(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d}]}`, man, len(manifest))), 0o644)
	pkg := &definition.Package{Metadata: definition.Metadata{Name: "a", Version: "1"},
		Components: []definition.Component{{Name: "app", Images: []definition.Image{{Ref: "registry.example.com/a:1", From: "layout"}}}}}
	build1 := func() error {
		_, err := build.Build(context.Background(), dir, pkg, build.NewStore(t.TempDir()), build.Options{Created: time.Unix(0, 0)})
		return err
	}
	if err := build1(); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(outside, config, 0o644)
	blob := filepath.Join(layout, "blobs", "sha256", cfg)
	os.Remove(blob)
	os.Symlink(outside, blob)
	if err := build1(); err == nil {
		t.Fatal("a blob linked to a file outside was read")
	}
}
