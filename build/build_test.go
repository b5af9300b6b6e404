// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package build_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/build"
	"github.com/airlock-dev/airlock/definition"
)

func buildDir(t *testing.T, dir string) (ocispec.Descriptor, *build.Store, error) {
	t.Helper()
	pkg, err := definition.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	store := build.NewStore(t.TempDir())
	res, err := build.Build(context.Background(), dir, pkg, store, build.Options{})
	if err != nil {
		return ocispec.Descriptor{}, store, err
	}
	return res.Root, store, nil
}

func TestBuildIsDeterministic(t *testing.T) {
	dir := airlocktest.WritePackage(t)
	a, _, err := buildDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	// Touch nothing, build again in another store: same root.
	b, _, err := buildDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.Digest != b.Digest {
		t.Fatalf("two builds of the same input differ: %s, %s", a.Digest, b.Digest)
	}
}

func TestChartRefusesLinks(t *testing.T) {
	dir := airlocktest.WritePackage(t)
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "charts", "hello", "templates", "leak.yaml")); err != nil {
		t.Fatal(err)
	}
	_, _, err := buildDir(t, dir)
	if err == nil || !strings.Contains(err.Error(), "links are not followed") {
		t.Fatalf("expected a refusal of the link, got %v", err)
	}
}

func TestNarrowNamesAvailablePlatforms(t *testing.T) {
	host := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, host, "team/app", "1.0", "linux/amd64", "linux/arm64")
	dir := airlocktest.WritePackage(t, "- ref: "+host+"/team/app:1.0\nplatforms: [windows/amd64]")
	_, _, err := buildDir(t, dir)
	if err == nil || !strings.Contains(err.Error(), "expected platforms windows/amd64, found only linux/amd64, linux/arm64") {
		t.Fatalf("unexpected error: %v", err)
	}
}

func TestNarrowToSeveralPlatformsMakesAnIndex(t *testing.T) {
	host := airlocktest.NewRegistry(t)
	up := airlocktest.PushImage(t, host, "team/app", "1.0", "linux/amd64", "linux/arm64", "linux/s390x")
	dir := airlocktest.WritePackage(t, "- ref: "+host+"/team/app:1.0\nplatforms: [linux/amd64, linux/arm64]")
	root, store, err := buildDir(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := store.Fetch(context.Background(), root)
	data, _ := io.ReadAll(rc)
	rc.Close()
	if bytes.Contains(data, []byte(up.Digest)) {
		t.Fatal("a narrowed index must not claim the upstream index's digest")
	}
	if !bytes.Contains(data, []byte(ocispec.MediaTypeImageIndex)) {
		t.Fatal("expected the image to be an index")
	}
}

func TestStorePushVerifies(t *testing.T) {
	s := build.NewStore(t.TempDir())
	desc := ocispec.Descriptor{MediaType: "x", Digest: digest.FromString("right"), Size: 5}
	if err := s.Push(context.Background(), desc, strings.NewReader("wrong")); err == nil {
		t.Fatal("the store accepted content that does not match its digest")
	}
	if ok, _ := s.Exists(context.Background(), desc); ok {
		t.Fatal("rejected content was kept")
	}
}
