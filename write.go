// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"os"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/verify"
)

// WriteOptions tunes [Handle.WriteArchive]. The zero value is valid.
type WriteOptions struct {
	// Progress receives the progress of blobs read. Default: none.
	Progress Progress
	// Record, if set, adds the gate's signed verification summary to the
	// archive as a referrer of the root, signed once every blob was
	// written and checked. Default: none.
	Record *RecordOptions
	// Resumable keeps, for a registry package, what was fetched in a
	// private resumable state under the user's cache folder until the
	// archive is complete: writing the same package again after an
	// interruption fetches only what is missing (every byte kept is hashed
	// again). Default: a temporary file beside path.
	Resumable bool
}

// WriteArchive writes the handle's content as a package archive at path:
// the root's graph and the carried referrers, every blob read through the
// handle and checked as it streams, into a temporary file (beside path, or
// the resumable state) that becomes path only when all of it was written
// and checked. On any failure (or cancellation) nothing is left at path.
func (h *Handle) WriteArchive(ctx context.Context, path string, opts WriteOptions) error {
	var rec *Record
	write := func(f *os.File, resumable bool) error { return h.writeTo(ctx, f, resumable, opts, &rec) }
	var err error
	if st := h.resumableState(opts); st != nil {
		if err = write(st.f, true); err == nil {
			err = st.finish(path)
		} else {
			_, failed := verify.AsFailure(classify(err))
			st.release(failed) // content that did not verify is not kept
		}
	} else {
		err = archive.Atomic(path, func(f *os.File) error { return write(f, false) })
	}
	switch {
	case err != nil && rec != nil:
		return h.fail(err, "record")
	case err != nil:
		return h.fail(err, "blobs")
	}
	h.blobsChecked(blobsWritten)
	if rec != nil {
		h.recorded(rec, path+" (a referrer of the root)")
	}
	return nil
}

// writeTo writes the archive into f (resuming what it holds), the record
// last when one is asked for, signed only once every blob was checked.
func (h *Handle) writeTo(ctx context.Context, f *os.File, resumable bool, opts WriteOptions, rec **Record) error {
	src := h.progressOf(ctx, h, opts.Progress)
	if opts.Record == nil {
		var err error
		if resumable {
			err = archive.WriteResumable(ctx, f, src, h.Manifests(), archive.Options{})
		} else {
			err = archive.Write(ctx, f, src, h.Manifests())
		}
		if err != nil {
			return classify(err)
		}
		return h.pkg.tagUnmoved(ctx)
	}
	finish := func(ctx context.Context) ([]ocispec.Descriptor, content.Fetcher, error) {
		if err := h.pkg.tagUnmoved(ctx); err != nil {
			return nil, nil, err
		}
		h.blobsChecked(blobsWritten)
		r, ref, extra, err := h.recordReferrer(ctx, h.pkg.resourceURI(), *opts.Record)
		*rec = r
		return []ocispec.Descriptor{ref}, extra, err
	}
	if resumable {
		return classify(archive.WriteFinishedResumable(ctx, f, src, h.Manifests(), finish))
	}
	return classify(archive.WriteFinished(ctx, f, src, h.Manifests(), finish))
}

// blobsWritten is the blobs check of a registry package read in full.
const blobsWritten = "every blob downloaded and hashed: sizes and digests match"

// resumableState is the resumable state of this package's write, when it
// is asked for, the package is a registry's and the state can be had
// (another write of the same package holds it: then none).
func (h *Handle) resumableState(opts WriteOptions) *pullState {
	if _, remote := h.pkg.src.(*remoteBackend); !opts.Resumable || !remote {
		return nil
	}
	st, err := openPullState(h.pkg.root.Digest)
	if err != nil {
		return nil
	}
	return st
}
