// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// resolutions remember, for one operation, what each registry target
// resolved to. A target is first looked at as a Zarf package, then opened
// as an airlock package when it is not one: its tag must be resolved once,
// or a registry could answer the two questions about two packages.
type resolutions struct {
	mu sync.Mutex
	m  map[string]ocispec.Descriptor
}

type resolutionsKey struct{}

// resolvingOnce returns a context in which each registry target is
// resolved once (ctx itself when it already is one).
func resolvingOnce(ctx context.Context) context.Context {
	if _, ok := ctx.Value(resolutionsKey{}).(*resolutions); ok {
		return ctx
	}
	return context.WithValue(ctx, resolutionsKey{}, &resolutions{m: map[string]ocispec.Descriptor{}})
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
