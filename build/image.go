// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package build

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	orasregistry "oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/airlock-dev/airlock/definition"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
)

// pullImage copies an image's graph into the store. A multi-platform index is
// kept whole unless img.Platforms narrows it: one platform keeps that
// platform's manifest (and its upstream digest); several give a new index
// listing only them.
func pullImage(ctx context.Context, img definition.Image, store *Store, opts Options) (ocispec.Descriptor, error) {
	ref, err := orasregistry.ParseReference(img.Ref)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	repo, err := registry.Repository(ref, opts.Registry)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	desc, err := repo.Resolve(ctx, ref.Reference)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("resolve: %w", err)
	}
	if !spec.IsManifest(desc.MediaType) {
		return ocispec.Descriptor{}, fmt.Errorf("expected an image manifest or index, found %s", desc.MediaType)
	}
	desc = ocispec.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}
	copyOpts := oras.CopyGraphOptions{Concurrency: opts.Concurrency}
	if copyOpts.Concurrency <= 0 {
		copyOpts.Concurrency = 4
	}
	isIndex := desc.MediaType == ocispec.MediaTypeImageIndex || desc.MediaType == spec.MediaTypeDockerManifestList
	if len(img.Platforms) == 0 || !isIndex {
		return desc, oras.CopyGraph(ctx, repo, store, desc, copyOpts)
	}
	return narrow(ctx, repo, store, desc, img.Platforms, copyOpts)
}

// narrow copies the platforms asked for out of an index.
func narrow(ctx context.Context, repo *remote.Repository, store *Store, desc ocispec.Descriptor, platforms []string, copyOpts oras.CopyGraphOptions) (ocispec.Descriptor, error) {
	data, err := content.FetchAll(ctx, repo, desc)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	var index ocispec.Index
	if err := json.Unmarshal(data, &index); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("parse index %s: %w", desc.Digest, err)
	}
	var picked []ocispec.Descriptor
	var available []string
	for _, m := range index.Manifests {
		if m.Platform == nil {
			continue
		}
		p := platformString(m.Platform)
		available = append(available, p)
		if slices.Contains(platforms, p) || (m.Platform.Variant != "" && slices.Contains(platforms, m.Platform.OS+"/"+m.Platform.Architecture)) {
			picked = append(picked, m)
		}
	}
	if len(picked) == 0 {
		return ocispec.Descriptor{}, fmt.Errorf("expected platforms %s, found only %s", strings.Join(platforms, ", "), strings.Join(available, ", "))
	}
	for _, m := range picked {
		if err := oras.CopyGraph(ctx, repo, store, m, copyOpts); err != nil {
			return ocispec.Descriptor{}, err
		}
	}
	if len(picked) == 1 {
		m := picked[0]
		return ocispec.Descriptor{MediaType: m.MediaType, Digest: m.Digest, Size: m.Size, Platform: m.Platform}, nil
	}
	index.Manifests = picked
	narrowed, err := json.Marshal(index)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return store.PushBytes(ctx, desc.MediaType, narrowed)
}

func platformString(p *ocispec.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}
