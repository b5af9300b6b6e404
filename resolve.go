// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/spec"
)

// resolutions remember, for one operation, what each registry target
// resolved to, and its root manifest. A target is first looked at as a Zarf package, then opened
// as an airlock package when it is not one: its tag must be resolved once,
// or a registry could answer the two questions about two packages.
type resolutions struct {
	mu sync.Mutex
	m  map[string]ocispec.Descriptor
	// roots are the manifests the targets resolved to, as read (and
	// checked against their digests): looked at once, not fetched twice.
	roots map[digest.Digest][]byte
}

type resolutionsKey struct{}

// resolvingOnce returns a context in which each registry target is
// resolved once (ctx itself when it already is one).
func resolvingOnce(ctx context.Context) context.Context {
	if _, ok := ctx.Value(resolutionsKey{}).(*resolutions); ok {
		return ctx
	}
	return context.WithValue(ctx, resolutionsKey{}, &resolutions{m: map[string]ocispec.Descriptor{}, roots: map[digest.Digest][]byte{}})
}

// resolveOnce resolves target with resolve, or returns what it resolved
// to earlier in the operation.
func resolveOnce(ctx context.Context, target string, resolve func() (ocispec.Descriptor, error)) (ocispec.Descriptor, error) {
	r, ok := ctx.Value(resolutionsKey{}).(*resolutions)
	if !ok {
		return resolve()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if d, ok := r.m[target]; ok {
		return d, nil
	}
	d, err := resolve()
	if err == nil {
		r.m[target] = d
	}
	return d, err
}

// readRoot reads a target's root manifest from fetch, bounded and checked
// against its digest, or returns it as read earlier in the operation.
func readRoot(ctx context.Context, fetch content.Fetcher, desc ocispec.Descriptor) ([]byte, error) {
	r, ok := ctx.Value(resolutionsKey{}).(*resolutions)
	if ok {
		r.mu.Lock()
		data, read := r.roots[desc.Digest]
		r.mu.Unlock()
		if read && int64(len(data)) == desc.Size {
			return data, nil
		}
	}
	data, err := graph.ReadBounded(ctx, fetch, desc, spec.MaxManifestSize)
	if err == nil && ok {
		r.mu.Lock()
		r.roots[desc.Digest] = data
		r.mu.Unlock()
	}
	return data, err
}
