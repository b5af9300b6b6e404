// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"io"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/spec"
)

// Progress receives the progress of blob transfers in push, pull and mirror;
// the command line draws bars from it. Calls for different blobs may come
// from several goroutines at once.
type Progress interface {
	// Started is called when a blob's transfer starts; desc.Size is its total.
	Started(desc ocispec.Descriptor)
	// Moved is called as n more bytes of the blob have moved.
	Moved(desc ocispec.Descriptor, n int)
	// Finished is called once when the blob's transfer ends.
	Finished(desc ocispec.Descriptor)
}

// withProgress reports the blobs read from store to p (manifests are small
// and not reported).
func withProgress(store content.ReadOnlyStorage, p Progress) content.ReadOnlyStorage {
	if p == nil {
		return store
	}
	return progressStore{ReadOnlyStorage: store, p: p}
}

type progressStore struct {
	content.ReadOnlyStorage
	p Progress
}

func (s progressStore) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	rc, err := s.ReadOnlyStorage.Fetch(ctx, desc)
	if err != nil || spec.IsManifest(desc.MediaType) {
		return rc, err
	}
	s.p.Started(desc)
	return &progressReader{rc: rc, desc: desc, p: s.p}, nil
}

// FetchRaw passes an unchecked read through, reporting it, when the store
// offers one.
func (s progressStore) FetchRaw(ctx context.Context, desc ocispec.Descriptor, offset int64) (io.ReadCloser, error) {
	raw, ok := s.ReadOnlyStorage.(archive.RawFetcher)
	if !ok {
		return archive.FetchFrom(ctx, s, desc, offset)
	}
	rc, err := raw.FetchRaw(ctx, desc, offset)
	if err != nil || spec.IsManifest(desc.MediaType) {
		return rc, err
	}
	s.p.Started(desc)
	return &progressReader{rc: rc, desc: desc, p: s.p}, nil
}

type progressReader struct {
	rc   io.ReadCloser
	desc ocispec.Descriptor
	p    Progress
	once sync.Once
}

func (r *progressReader) Read(b []byte) (int, error) {
	n, err := r.rc.Read(b)
	if n > 0 {
		r.p.Moved(r.desc, n)
	}
	if err != nil {
		r.once.Do(func() { r.p.Finished(r.desc) })
	}
	return n, err
}

func (r *progressReader) Close() error {
	r.once.Do(func() { r.p.Finished(r.desc) })
	return r.rc.Close()
}
