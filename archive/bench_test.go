// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package archive_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content/memory"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/spec"
)

// BenchmarkCheck measures Reader.Check (open, hash every blob, walk the graph)
// on an archive of four 16 MiB files; throughput is in the MB/s column.
func BenchmarkCheck(b *testing.B) {
	ctx := context.Background()
	s := memory.New()
	var layers []ocispec.Descriptor
	var total int64
	for range 4 {
		data := make([]byte, 16<<20)
		rand.Read(data)
		d := ocispec.Descriptor{MediaType: spec.MediaTypeFile, Digest: digest.FromBytes(data), Size: int64(len(data))}
		s.Push(ctx, d, bytes.NewReader(data))
		layers = append(layers, d)
		total += d.Size
	}
	cfg := spec.EmptyJSON
	s.Push(ctx, cfg, bytes.NewReader(cfg.Data))
	cfg.Data = nil
	m, _ := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, Config: cfg, Layers: layers})
	md := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(m), Size: int64(len(m))}
	s.Push(ctx, md, bytes.NewReader(m))
	idx, _ := json.Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: []ocispec.Descriptor{md}})
	root := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, ArtifactType: spec.ArtifactTypePackage, Digest: digest.FromBytes(idx), Size: int64(len(idx))}
	s.Push(ctx, root, bytes.NewReader(idx))
	path := filepath.Join(b.TempDir(), "bench.tar")
	if err := archive.WriteFile(ctx, path, s, []ocispec.Descriptor{root}); err != nil {
		b.Fatal(err)
	}
	os.ReadFile(path) // warm the page cache
	b.SetBytes(total)
	b.ResetTimer()
	for b.Loop() {
		r, err := archive.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Check(ctx, archive.CheckOptions{}); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}
