// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"fmt"
	"os"
	"testing"
)

// TestMain keeps what the tests' pulls leave for resumption out of the
// user's cache.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "airlock-test-cache-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
