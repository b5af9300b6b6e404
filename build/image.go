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

	"github.com/airlock-dev/airlock/definition"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
)

// pullImage copies an image's graph into the store, from its registry or,
// with from, a local file (see localImage). A multi-platform index is
// kept whole unless img.Platforms narrows it: one platform keeps that
// platform's manifest (and its upstream digest); several give a new index
// listing only them.
func pullImage(ctx context.Context, dir string, img definition.Image, store *Store, opts Options) (ocispec.Descriptor, error) {
	opts.progressName = img.Ref
	if img.From != "" {
		return localImage(ctx, dir, img, store, opts)
	}
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
		return ocispec.Descriptor{}, fmt.Errorf("resolve: %w", registry.Explain(ref.Registry, err))
	}
	if !spec.IsManifest(desc.MediaType) {
		return ocispec.Descriptor{}, fmt.Errorf("expected an image manifest or index, found %s", desc.MediaType)
	}
	desc = ocispec.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}
	return copyImage(ctx, repo, store, desc, img.Platforms, opts)
}

// narrow copies the platforms asked for out of an index.
func narrow(ctx context.Context, repo content.ReadOnlyStorage, store *Store, desc ocispec.Descriptor, platforms []string, copyOpts oras.CopyGraphOptions) (ocispec.Descriptor, error) {
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
