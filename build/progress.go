// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package build

import (
	"context"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/internal/progress"
	"github.com/airlock-dev/airlock/spec"
)

// Progress receives the progress of blob transfers (the methods of
// airlock.Progress).
type Progress = progress.Progress

// reporting reports the blobs read from a store, each named name.
type reporting struct {
	content.ReadOnlyStorage
	p    Progress
	name string
}

func (r reporting) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	rc, err := r.ReadOnlyStorage.Fetch(ctx, desc)
	if err != nil || spec.IsManifest(desc.MediaType) {
		return rc, err
	}
	named := desc
	named.Annotations = map[string]string{ocispec.AnnotationTitle: r.name}
	return progress.Reader(rc, named, r.p), nil
}
