// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlocktest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
)

// ZarfFiles are the files of a Zarf package as Zarf v0.84 lays them out
// (zarf.yaml, checksums.txt, components/*.tar), for tests that build and
// tamper with Zarf packages without the zarf binary.
type ZarfFiles map[string][]byte

// NewZarfFiles makes an unsigned Zarf package named name: one component
// with random content, checksums.txt listing it, and a zarf.yaml whose
// metadata.aggregateChecksum names checksums.txt.
func NewZarfFiles(t testing.TB, name string) ZarfFiles {
	t.Helper()
	component := make([]byte, 64<<10)
	rand.Read(component)
	files := ZarfFiles{"components/app.tar": component, "sboms.tar": []byte("sboms\n")}
	files.Seal(name)
	return files
}

// Seal writes checksums.txt for every file but zarf.yaml and the
// signatures, and zarf.yaml naming it, as Zarf's create does.
func (f ZarfFiles) Seal(name string) {
	sum := f.checksums()
	f["zarf.yaml"] = []byte(fmt.Sprintf(`kind: ZarfPackageConfig
metadata:
  name: %s
  version: 1.0.0
  aggregateChecksum: %s
build:
  terminal: ""
  architecture: amd64
  timestamp: Mon, 01 Dec 2026 08:00:00 +0000
  version: v0.84.0
  signed: false
  provenanceFiles:
  - checksums.txt
components:
- name: app
  required: true
`, name, sum))
}

// checksums writes checksums.txt for every file but zarf.yaml and the
// signatures, and returns its sha256 in hex.
func (f ZarfFiles) checksums() string {
	var lines []string
	for path, data := range f {
		switch path {
		case "zarf.yaml", "checksums.txt", "zarf.bundle.sig", "zarf.yaml.sig":
			continue
		}
		sum := sha256.Sum256(data)
		lines = append(lines, hex.EncodeToString(sum[:])+" "+path)
	}
	sort.Strings(lines)
	f["checksums.txt"] = []byte(strings.Join(lines, "\n") + "\n")
	sum := sha256.Sum256(f["checksums.txt"])
	return hex.EncodeToString(sum[:])
}

// Reseal writes checksums.txt again for the files as they are, and its
// sum as zarf.yaml's aggregateChecksum, leaving the rest of zarf.yaml (its
// signed state too) as it is: what an attacker who can change the files
// and zarf.yaml, but not sign, does. Only the signature catches it.
func (f ZarfFiles) Reseal() error {
	re := regexp.MustCompile(`aggregateChecksum: [0-9a-f]{64}`)
	if !re.Match(f["zarf.yaml"]) {
		return fmt.Errorf("no aggregateChecksum in zarf.yaml")
	}
	f["zarf.yaml"] = re.ReplaceAll(f["zarf.yaml"], []byte("aggregateChecksum: "+f.checksums()))
	return nil
}

// Write writes the package as a tarball in dir, zstd-compressed unless
// uncompressed, its entries sorted as Zarf sorts them, and returns its path.
func (f ZarfFiles) Write(t testing.TB, dir string, uncompressed bool) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(f))
	for n := range f {
		names = append(names, n)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	for _, n := range names {
		if d := filepath.Dir(n); d != "." && !dirs[d] {
			dirs[d] = true
			tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o700, ModTime: time.Unix(0, 0)})
		}
		tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(f[n])), ModTime: time.Unix(0, 0)})
		tw.Write(f[n])
	}
	tw.Close()
	name := "zarf-package-demo-amd64-1.0.0.tar.zst"
	data := buf.Bytes()
	if uncompressed {
		name = "zarf-package-demo-amd64-1.0.0.tar"
	} else {
		zw, _ := zstd.NewWriter(nil)
		data = zw.EncodeAll(data, nil)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ReadZarfFiles reads a Zarf tarball written by [ZarfFiles.Write] (or
// rewritten by a signer) back into files.
func ReadZarfFiles(path string) (ZarfFiles, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		zr, err := zstd.NewReader(nil)
		if err != nil {
			return nil, err
		}
		if data, err = zr.DecodeAll(data, nil); err != nil {
			return nil, err
		}
	}
	out := ZarfFiles{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err != nil {
			return out, nil
		}
		if hdr.Typeflag == tar.TypeReg {
			var b bytes.Buffer
			b.ReadFrom(tr)
			out[hdr.Name] = b.Bytes()
		}
	}
}

// Publish pushes the package to host/repo:tag as `zarf package publish`
// lays it out: each file a layer titled with its path (layers in digest
// order), a config of media type application/vnd.zarf.config.v1+json,
// and an index naming the manifest for platform multi/arch. It returns the
// index and the manifest.
func (f ZarfFiles) Publish(t testing.TB, host, repo, tag, arch string) (index, manifest ocispec.Descriptor) {
	t.Helper()
	ctx := context.Background()
	r := repository(t, host, repo)
	push := func(mediaType string, data []byte) ocispec.Descriptor {
		d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
		if err := r.Push(ctx, d, bytes.NewReader(data)); err != nil && !errors.Is(err, errdef.ErrAlreadyExists) {
			t.Fatal(err)
		}
		return d
	}
	var layers []ocispec.Descriptor
	for path, data := range f {
		l := push("application/vnd.zarf.layer.v1.blob", data)
		l.Annotations = map[string]string{ocispec.AnnotationTitle: path}
		layers = append(layers, l)
	}
	sort.Slice(layers, func(i, j int) bool { return layers[i].Digest < layers[j].Digest })
	config := push("application/vnd.zarf.config.v1+json", []byte(`{"kind":"ZarfPackageConfig"}`))
	mb, _ := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, Config: config, Layers: layers})
	manifest = push(ocispec.MediaTypeImageManifest, mb)
	entry := manifest
	entry.Platform = &ocispec.Platform{OS: "multi", Architecture: arch}
	ib, _ := json.Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{entry}})
	index = push(ocispec.MediaTypeImageIndex, ib)
	if err := r.Tag(ctx, index, tag); err != nil {
		t.Fatal(err)
	}
	return index, manifest
}

// AddImage adds to the package's images/ (an OCI image layout, as Zarf
// writes it) a small random image pulled, as Zarf records it, by ref, and
// returns its digest. Call Seal afterwards.
func (f ZarfFiles) AddImage(ref string) digest.Digest {
	layer := make([]byte, 8192)
	rand.Read(layer)
	blob := func(data []byte) ocispec.Descriptor {
		d := digest.FromBytes(data)
		f["images/blobs/sha256/"+d.Encoded()] = data
		return ocispec.Descriptor{Digest: d, Size: int64(len(data))}
	}
	l := blob(layer)
	l.MediaType = ocispec.MediaTypeImageLayer
	cfg, _ := json.Marshal(ocispec.Image{Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"}, RootFS: ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{l.Digest}}})
	c := blob(cfg)
	c.MediaType = ocispec.MediaTypeImageConfig
	mb, _ := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, Config: c, Layers: []ocispec.Descriptor{l}})
	m := blob(mb)
	m.MediaType = ocispec.MediaTypeImageManifest
	m.Annotations = map[string]string{ocispec.AnnotationRefName: ref, "org.opencontainers.image.base.name": ref}
	var idx ocispec.Index
	if old, ok := f["images/index.json"]; ok {
		json.Unmarshal(old, &idx)
	}
	idx.SchemaVersion, idx.MediaType = 2, ocispec.MediaTypeImageIndex
	idx.Manifests = append(idx.Manifests, m)
	f["images/index.json"], _ = json.Marshal(idx)
	f["images/oci-layout"] = []byte(`{"imageLayoutVersion":"1.0.0"}`)
	return m.Digest
}
