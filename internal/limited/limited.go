// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package limited reads small files that come from outside (policies, trust
// roots, bundles, TUF metadata) with a bound, so a huge or endless file is an
// error instead of an exhausted memory.
package limited

import (
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
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: more than %d bytes", path, ErrTooLarge, limit)
	}
	return data, nil
}
