// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package registry_test

import (
	"testing"

	"github.com/airlock-dev/airlock/registry"
)

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost:5000": true, "127.0.0.1:5000": true, "127.1.2.3": true, "[::1]:5000": true,
		"registry.example.com": false, "10.0.0.1:5000": false, "localhost.evil.com": false,
	} {
		if got := registry.IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}
