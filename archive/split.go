// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package archive

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/airlock-dev/airlock/internal/limited"
)

// MinPartSize is the smallest part [Split] writes.
const MinPartSize = 1 << 20

// Parts writes an archive as parts of at most size bytes each (path.001,
// path.002, ...; their concatenation is the archive, byte for byte). Each
// is written to a temporary file beside it; [Parts.Commit] renames them all
// into place, [Parts.Abort] removes them.
type Parts struct {
	path  string
	size  int64
	tmps  []*os.File
	inCur int64
}

// NewParts starts the parts of the archive at path.
func NewParts(path string, size int64) (*Parts, error) {
	if size < MinPartSize {
		return nil, fmt.Errorf("split %s: expected parts of at least %d bytes, found %d", path, MinPartSize, size)
	}
	return &Parts{path: path, size: size}, nil
}

// Write writes b, starting a new part whenever one is full.
func (p *Parts) Write(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		if len(p.tmps) == 0 || p.inCur == p.size {
			f, err := os.CreateTemp(filepath.Dir(p.path), "."+filepath.Base(PartName(p.path, len(p.tmps)+1))+".tmp-*")
			if err != nil {
				return n, err
			}
			p.tmps, p.inCur = append(p.tmps, f), 0
		}
		m, err := p.tmps[len(p.tmps)-1].Write(b[n:min(len(b), n+int(p.size-p.inCur))])
		n, p.inCur = n+m, p.inCur+int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Commit syncs the parts and renames them into place, then removes any
// higher-numbered part an earlier split left, which readers would take as
// part of this archive. It returns the parts' names.
func (p *Parts) Commit() ([]string, error) {
	var names []string
	for i, f := range p.tmps {
		if err := f.Sync(); err != nil {
			p.Abort()
			return nil, err
		}
		if err := f.Chmod(0o644); err != nil {
			p.Abort()
			return nil, err
		}
		if err := f.Close(); err != nil {
			p.Abort()
			return nil, err
		}
		names = append(names, PartName(p.path, i+1))
	}
	for i, f := range p.tmps {
		if err := os.Rename(f.Name(), names[i]); err != nil {
			p.Abort()
			return nil, err
		}
	}
	for n := len(names) + 1; ; n++ {
		if err := os.Remove(PartName(p.path, n)); err != nil {
			break
		}
	}
	return names, nil
}

// Abort removes the temporary parts.
func (p *Parts) Abort() {
	for _, f := range p.tmps {
		f.Close()
		os.Remove(f.Name())
	}
}

// Split writes the archive at path as parts of at most size bytes beside
// it, after checking that it opens as an archive. The archive itself is
// left as it is.
func Split(ctx context.Context, path string, size int64) ([]string, error) {
	r, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	parts, err := NewParts(path, size)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(parts, limited.Context(ctx, io.NewSectionReader(r.f, 0, r.f.size))); err != nil {
		parts.Abort()
		return nil, fmt.Errorf("split %s: %w", path, err)
	}
	return parts.Commit()
}
