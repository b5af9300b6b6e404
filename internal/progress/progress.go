// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package progress reports the bytes of blobs as they are read, for the
// progress bars of the command line.
package progress

import (
	"io"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Progress receives a blob's transfer: started, bytes moved, finished.
type Progress interface {
	Started(desc ocispec.Descriptor)
	Moved(desc ocispec.Descriptor, n int)
	Finished(desc ocispec.Descriptor)
}

// Reader reports rc's reads of desc to p (Started when called, then Moved
// as bytes come, Finished once: at the end, an error or Close).
func Reader(rc io.ReadCloser, desc ocispec.Descriptor, p Progress) io.ReadCloser {
	p.Started(desc)
	return &reader{rc: rc, desc: desc, p: p}
}

type reader struct {
	rc   io.ReadCloser
	desc ocispec.Descriptor
	p    Progress
	once sync.Once
}

func (r *reader) Read(b []byte) (int, error) {
	n, err := r.rc.Read(b)
	if n > 0 {
		r.p.Moved(r.desc, n)
	}
	if err != nil {
		r.once.Do(func() { r.p.Finished(r.desc) })
	}
	return n, err
}

func (r *reader) Close() error {
	r.once.Do(func() { r.p.Finished(r.desc) })
	return r.rc.Close()
}
