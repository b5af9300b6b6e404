// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/spec"
)

// baseHolds opens the base a differential create is made against and
// returns what the archive omits (the blobs the base holds, asked of the
// base and never read from it) and the index.json annotations naming it.
func baseHolds(ctx context.Context, base string, opts CreateOptions) (func(ocispec.Descriptor) bool, map[string]string, func(), error) {
	pkg, err := Open(ctx, base, OpenOptions{Registry: opts.Registry})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open the base %s: %w", base, err)
	}
	info := pkg.Info()
	annotations := map[string]string{spec.AnnotationBase: info.Digest, spec.AnnotationBaseName: info.Name, spec.AnnotationBaseVersion: info.Version}
	var mu sync.Mutex
	held := map[string]bool{}
	holds := func(d ocispec.Descriptor) bool {
		mu.Lock()
		defer mu.Unlock()
		if v, ok := held[d.Digest.String()]; ok {
			return v
		}
		ok, err := pkg.holds(ctx, d)
		held[d.Digest.String()] = err == nil && ok // in doubt, the blob is written
		return held[d.Digest.String()]
	}
	return holds, annotations, func() { pkg.Close() }, nil
}

// holds asks the package's store whether it has d, without reading it.
func (p *Package) holds(ctx context.Context, d ocispec.Descriptor) (bool, error) {
	switch b := p.src.(type) {
	case *archiveBackend:
		return b.r.Holds(d.Digest), nil
	case *remoteBackend:
		return b.repository().Exists(ctx, plain(d))
	}
	return false, nil
}

// archiveFormat is how a package archive is written again (signing in
// place): in parts of the same size when it was split, and without the
// blobs its base holds when it is differential.
func (p *Package) archiveFormat() archive.Options {
	a, ok := p.src.(*archiveBackend)
	if !ok {
		return archive.Options{}
	}
	opts := archive.Options{PartSize: a.r.PartSize()}
	if a.base != nil {
		opts.Annotations = a.r.Index().Annotations
		opts.Omit = func(d ocispec.Descriptor) bool {
			held, err := a.base.holds(context.Background(), d)
			return !a.r.Holds(d.Digest) && err == nil && held
		}
	}
	return opts
}

// mountFrom, for a differential archive whose base is in registry, names
// the base's repository for the blobs the archive leaves to it: the
// registry can mount them there instead of receiving them again. The
// mounted blob is the base's, under the digest the package names.
func (p *Package) mountFrom(registry string) func(ocispec.Descriptor) (string, bool) {
	a, ok := p.src.(*archiveBackend)
	if !ok || a.base == nil {
		return nil
	}
	base, ok := a.base.src.(*remoteBackend)
	if !ok || base.repository().Reference.Registry != registry {
		return nil
	}
	repo := base.repository().Reference.Repository
	return func(d ocispec.Descriptor) (string, bool) { return repo, !a.r.Holds(d.Digest) }
}
