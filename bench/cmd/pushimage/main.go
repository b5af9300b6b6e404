// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Command pushimage pushes an image of one uncompressed layer of random
// bytes to a plain-HTTP registry, for the benchmarks: pushimage HOST/REPO:TAG
// SIZE_MIB. It prints the image's digest.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "pushimage:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: pushimage HOST/REPO:TAG SIZE_MIB")
	}
	mib, err := strconv.Atoi(args[1])
	if err != nil {
		return err
	}
	repo, err := remote.NewRepository(args[0])
	if err != nil {
		return err
	}
	repo.PlainHTTP = true
	ctx := context.Background()
	size := int64(mib) << 20
	tmp, err := os.CreateTemp("", "layer-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(tmp, h), rand.Reader, size); err != nil {
		return err
	}
	layer := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: digest.NewDigest(digest.SHA256, h), Size: size}
	tmp.Seek(0, io.SeekStart)
	if err := repo.Push(ctx, layer, tmp); err != nil {
		return err
	}
	config, _ := json.Marshal(ocispec.Image{Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"},
		RootFS: ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{layer.Digest}}})
	cfg := push(ctx, repo, ocispec.MediaTypeImageConfig, config)
	manifest, _ := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		Config: cfg, Layers: []ocispec.Descriptor{layer}})
	m := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(manifest), Size: int64(len(manifest))}
	if err := repo.PushReference(ctx, m, bytes.NewReader(manifest), repo.Reference.Reference); err != nil {
		return err
	}
	fmt.Println(m.Digest)
	return nil
}

func push(ctx context.Context, repo *remote.Repository, mediaType string, data []byte) ocispec.Descriptor {
	d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
	repo.Push(ctx, d, bytes.NewReader(data))
	return d
}
