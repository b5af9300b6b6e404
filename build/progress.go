// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package build

import (
	"context"
	"io"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/spec"
)

// Progress receives the progress of blob transfers (the methods of
// airlock.Progress).
type Progress interface {
	Started(desc ocispec.Descriptor)
	Moved(desc ocispec.Descriptor, n int)
	Finished(desc ocispec.Descriptor)
}

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
	r.p.Started(named)
	return &reportingReader{rc: rc, desc: named, p: r.p}, nil
}

type reportingReader struct {
	rc   io.ReadCloser
	desc ocispec.Descriptor
	p    Progress
	once sync.Once
}

func (r *reportingReader) Read(b []byte) (int, error) {
	n, err := r.rc.Read(b)
	if n > 0 {
		r.p.Moved(r.desc, n)
	}
	if err != nil {
		r.once.Do(func() { r.p.Finished(r.desc) })
	}
	return n, err
}

func (r *reportingReader) Close() error {
	r.once.Do(func() { r.p.Finished(r.desc) })
	return r.rc.Close()
}
