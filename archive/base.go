// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package archive

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"

	"github.com/airlock-dev/airlock/spec"
)

// ErrNeedsBase marks a differential archive read without its base.
var ErrNeedsBase = errors.New("differential archive: its base is needed")

// BaseInfo names the package a differential archive was made against.
type BaseInfo struct {
	Root          digest.Digest
	Name, Version string
}

// Base returns the base a differential archive names in its index.json
// (false for a complete archive).
func (r *Reader) Base() (BaseInfo, bool, error) {
	a := r.index.Annotations
	s, ok := a[spec.AnnotationBase]
	if !ok {
		return BaseInfo{}, false, nil
	}
	d, err := digest.Parse(s)
	if err != nil {
		return BaseInfo{}, false, fmt.Errorf("%w: index.json: %s: %v", ErrMalformed, spec.AnnotationBase, err)
	}
	return BaseInfo{Root: d, Name: a[spec.AnnotationBaseName], Version: a[spec.AnnotationBaseVersion]}, true, nil
}

// Holds reports whether the archive itself holds the blob d.
func (r *Reader) Holds(d digest.Digest) bool {
	_, ok := r.blobs[d]
	return ok
}

// withBase reads the archive's blobs from the archive and, for a
// differential archive, the others from base, each checked as it streams
// (base's Fetch promises that too).
type withBase struct {
	r    *Reader
	base content.Fetcher
}

func (w withBase) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	if w.r.Holds(desc.Digest) || w.base == nil {
		rc, err := w.r.Fetch(ctx, desc)
		if err != nil && errors.Is(err, ErrMissingBlob) {
			return nil, w.r.missing(desc)
		}
		return rc, err
	}
	return w.base.Fetch(ctx, desc)
}

// missing is the error for a blob in neither the archive nor a base: for
// a differential archive read without its base, one that names the base.
func (r *Reader) missing(desc ocispec.Descriptor) error {
	b, ok, err := r.Base()
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s: %w: %w", desc.Digest, ErrMissingBlob, errdef.ErrNotFound)
	}
	return fmt.Errorf("%s: %w: it omits the blobs of %s %s (%s): pass it as the base (--base)", desc.Digest, ErrNeedsBase, b.Name, b.Version, b.Root)
}

// checkBase hashes the blobs read from the base, several at once.
func checkBase(ctx context.Context, base content.Fetcher, blobs []ocispec.Descriptor, concurrency int) error {
	return forEach(ctx, blobs, concurrency, func(ctx context.Context, d ocispec.Descriptor) error {
		rc, err := base.Fetch(ctx, d)
		if err != nil {
			return fmt.Errorf("blob %s from the base: %w", d.Digest, err)
		}
		defer rc.Close()
		if _, err := io.Copy(io.Discard, rc); err != nil {
			return fmt.Errorf("blob %s from the base: %w", d.Digest, err)
		}
		return nil
	})
}
