// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package archive

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
)

// WriteResumable writes the archive into f, reusing what f already holds
// (what an interrupted write of the same archive left) where it is what
// this write would write: every byte before the first difference is kept,
// blobs among them are read from f and hashed again like any other, a blob
// cut short is completed from src at its offset, and the rest is written
// after. f is truncated to the archive's end.
func WriteResumable(ctx context.Context, f *os.File, src content.ReadOnlyStorage, manifests []ocispec.Descriptor, opts Options) error {
	return resumed(f, func(rw *resumeWriter) error { return writeWith(ctx, rw, src, manifests, opts, rw) })
}

// WriteFinishedResumable is [WriteFinished] into f, resuming as
// [WriteResumable] does.
func WriteFinishedResumable(ctx context.Context, f *os.File, src content.ReadOnlyStorage, manifests []ocispec.Descriptor, finish Finish) error {
	return resumed(f, func(rw *resumeWriter) error { return writeFinished(ctx, rw, src, manifests, finish, rw) })
}

// resumed runs write over f until it ends without finding that a blob the
// file held was not the blob (then the file is cut where that blob began,
// and the write runs again), and cuts the file at the archive's end.
func resumed(f *os.File, write func(*resumeWriter) error) error {
	for {
		rw, err := newResumeWriter(f)
		if err != nil {
			return err
		}
		err = write(rw)
		var rm *resumeMismatch
		if errors.As(err, &rm) {
			if err := f.Truncate(rm.at); err != nil {
				return err
			}
			continue // the file now ends before that blob: each round keeps less, so this ends
		}
		if err != nil {
			return err
		}
		return f.Truncate(rw.pos)
	}
}

// resumeMismatch is a blob resumed from a file that held other bytes.
type resumeMismatch struct {
	at  int64
	err error
}

func (e *resumeMismatch) Error() string { return e.err.Error() }
func (e *resumeMismatch) Unwrap() error { return e.err }

// position is where the next byte goes (0 without a resume writer).
func (w *resumeWriter) position() int64 {
	if w == nil {
		return 0
	}
	return w.pos
}

// resumeWriter writes an archive into a file at its position, comparing
// what the file already holds in its reusable prefix instead: the prefix
// ends where the first byte differs.
type resumeWriter struct {
	f *os.File
	// pos is how much was written; have how much of f may still be reused.
	pos, have int64
	buf       []byte
}

func newResumeWriter(f *os.File) (*resumeWriter, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return &resumeWriter{f: f, have: info.Size(), buf: make([]byte, 64<<10)}, nil
}

func (w *resumeWriter) Write(b []byte) (int, error) {
	n := 0
	for n < len(b) && w.pos < w.have {
		k := min(len(b)-n, int(w.have-w.pos), len(w.buf))
		if _, err := w.f.ReadAt(w.buf[:k], w.pos); err != nil {
			return n, err
		}
		same := k
		if i := firstDiff(w.buf[:k], b[n:n+k]); i >= 0 {
			same, w.have = i, w.pos+int64(i) // from here on, the file holds another archive
		}
		w.pos, n = w.pos+int64(same), n+same
	}
	if n == len(b) {
		return n, nil
	}
	m, err := w.f.WriteAt(b[n:], w.pos)
	w.pos += int64(m)
	return n + m, err
}

func firstDiff(a, b []byte) int {
	if bytes.Equal(a, b) {
		return -1
	}
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}

// reusable is how many bytes of the blob about to be written the file
// already holds (0 without a resume writer).
func (w *resumeWriter) reusable() int64 {
	if w == nil || w.pos >= w.have {
		return 0
	}
	return w.have - w.pos
}

// reuse returns the blob's bytes: what the file holds of it, then the rest
// from src from that offset on. Nothing is checked here: the caller hashes
// all of it.
func (w *resumeWriter) reuse(ctx context.Context, src RawFetcher, d ocispec.Descriptor) (io.ReadCloser, error) {
	held := min(w.reusable(), d.Size)
	if held == d.Size {
		return io.NopCloser(io.NewSectionReader(w.f, w.pos, held)), nil
	}
	rest, err := src.FetchRaw(ctx, d, held)
	if err != nil || held == 0 {
		return rest, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.NewSectionReader(w.f, w.pos, held), rest), rest}, nil
}

// rawSource serves unchecked reads from a RawFetcher, or from a plain
// Fetcher by reading up to the offset.
type rawSource struct {
	content.Fetcher
	raw RawFetcher
}

func (s rawSource) FetchRaw(ctx context.Context, desc ocispec.Descriptor, offset int64) (io.ReadCloser, error) {
	if s.raw != nil {
		return s.raw.FetchRaw(ctx, desc, offset)
	}
	return FetchFrom(ctx, s.Fetcher, desc, offset)
}

// FetchFrom fetches desc from src and reads past its first offset bytes:
// a [RawFetcher] for a source that can only read from the start.
func FetchFrom(ctx context.Context, src content.Fetcher, desc ocispec.Descriptor, offset int64) (io.ReadCloser, error) {
	rc, err := src.Fetch(ctx, desc)
	if err != nil || offset <= 0 {
		return rc, err
	}
	if _, err := io.CopyN(io.Discard, rc, offset); err != nil {
		rc.Close()
		return nil, err
	}
	return rc, nil
}
