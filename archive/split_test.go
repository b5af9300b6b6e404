// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content/memory"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/spec"
)

// bigSample is a package with a file of size bytes, in memory.
func bigSample(t *testing.T, size int) (*memory.Store, ocispec.Descriptor) {
	t.Helper()
	ctx := context.Background()
	s := memory.New()
	push := func(mediaType string, data []byte) ocispec.Descriptor {
		d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
		if err := s.Push(ctx, d, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	data := make([]byte, size)
	rand.New(rand.NewSource(1)).Read(data)
	file := push(spec.MediaTypeFile, data)
	config := push(spec.EmptyJSON.MediaType, spec.EmptyJSON.Data)
	m, _ := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		ArtifactType: spec.ArtifactTypeComponent, Config: ocispec.Descriptor{MediaType: config.MediaType, Digest: config.Digest, Size: config.Size},
		Layers: []ocispec.Descriptor{file}})
	comp := push(ocispec.MediaTypeImageManifest, m)
	idx, _ := json.Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex,
		ArtifactType: spec.ArtifactTypePackage, Manifests: []ocispec.Descriptor{comp}})
	root := push(ocispec.MediaTypeImageIndex, idx)
	root.ArtifactType = spec.ArtifactTypePackage
	return s, root
}

// Parts read in place as one archive, whether opened by the first part
// or by the archive's name; written directly or split afterwards, they are
// the archive byte for byte.
func TestSplitParts(t *testing.T) {
	ctx := context.Background()
	s, root := bigSample(t, 3<<20+12345)
	dir := t.TempDir()
	whole := filepath.Join(dir, "pkg.tar")
	if err := archive.WriteFile(ctx, whole, s, []ocispec.Descriptor{root}); err != nil {
		t.Fatal(err)
	}
	names, err := archive.Split(ctx, whole, archive.MinPartSize)
	if err != nil || len(names) != 4 {
		t.Fatalf("split: %v %v", names, err)
	}
	direct := filepath.Join(t.TempDir(), "pkg.tar")
	if _, err := archive.WriteFileWith(ctx, direct, s, []ocispec.Descriptor{root}, archive.Options{PartSize: archive.MinPartSize}); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(whole)
	var joined []byte
	for i := range names {
		a, _ := os.ReadFile(names[i])
		b, _ := os.ReadFile(archive.PartName(direct, i+1))
		if !bytes.Equal(a, b) {
			t.Fatalf("part %d differs between split and a direct write", i+1)
		}
		joined = append(joined, a...)
	}
	if !bytes.Equal(joined, want) {
		t.Fatal("the parts joined are not the archive")
	}
	os.Remove(whole)
	for _, open := range []string{names[0], whole} {
		if err := openAndCheck(open); err != nil {
			t.Fatalf("open %s: %v", open, err)
		}
	}
}

// A damaged part is named; a missing part is named; a missing last part is
// an incomplete archive; reordered parts do not read as the archive.
func TestSplitPartsDamaged(t *testing.T) {
	ctx := context.Background()
	s, root := bigSample(t, 3<<20+12345)
	fresh := func(t *testing.T) []string {
		path := filepath.Join(t.TempDir(), "pkg.tar")
		names, err := archive.WriteFileWith(ctx, path, s, []ocispec.Descriptor{root}, archive.Options{PartSize: archive.MinPartSize})
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	t.Run("damaged", func(t *testing.T) {
		names := fresh(t)
		data, _ := os.ReadFile(names[2])
		data[1000] ^= 1
		os.WriteFile(names[2], data, 0o644)
		err := openAndCheck(names[0])
		if !errors.Is(err, archive.ErrDigestMismatch) || !strings.Contains(err.Error(), filepath.Base(names[2])) {
			t.Fatalf("expected a mismatch naming %s, got %v", filepath.Base(names[2]), err)
		}
	})
	t.Run("middle part missing", func(t *testing.T) {
		names := fresh(t)
		os.Remove(names[1])
		if err := openAndCheck(names[0]); !errors.Is(err, archive.ErrMissingPart) || !strings.Contains(err.Error(), filepath.Base(names[1])) {
			t.Fatalf("expected the missing part named, got %v", err)
		}
	})
	t.Run("last part missing", func(t *testing.T) {
		names := fresh(t)
		os.Remove(names[len(names)-1])
		if err := openAndCheck(names[0]); !errors.Is(err, archive.ErrIncomplete) {
			t.Fatalf("expected an incomplete archive, got %v", err)
		}
	})
	t.Run("reordered", func(t *testing.T) {
		names := fresh(t)
		a, _ := os.ReadFile(names[1])
		b, _ := os.ReadFile(names[2])
		os.WriteFile(names[1], b, 0o644)
		os.WriteFile(names[2], a, 0o644)
		if err := openAndCheck(names[0]); err == nil {
			t.Fatal("reordered parts read as the archive")
		}
	})
}
