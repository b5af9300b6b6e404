// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package limited bounds reads: small files that come from outside
// (policies, trust roots, bundles, TUF metadata) are read with a limit, so a
// huge or endless file is an error instead of an exhausted memory; and a
// long read can be bound to a context, so that cancelling stops it.
package limited

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooLarge marks a file larger than the limit it was read with.
var ErrTooLarge = errors.New("file too large")

// ReadFile reads the file at path, refusing one of more than limit bytes.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := ReadAll(f, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// ReadAll reads r to its end, refusing more than limit bytes.
func ReadAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return data, nil
}

// Context returns r, stopping at its next read once ctx is done (with
// ctx's error), so a cancelled copy ends within one read whatever r is.
func Context(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
