// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package limited_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/airlock-dev/airlock/internal/limited"
)

func TestReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, []byte("12345"), 0o644)
	if data, err := limited.ReadFile(path, 5); err != nil || string(data) != "12345" {
		t.Fatalf("at the limit: %q, %v", data, err)
	}
	if _, err := limited.ReadFile(path, 4); !errors.Is(err, limited.ErrTooLarge) {
		t.Fatalf("over the limit: expected ErrTooLarge, got %v", err)
	}
}
