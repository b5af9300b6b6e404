// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package attest_test

import (
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/attest"
)

// FuzzParse feeds untrusted statements (from archives and registries) to the parser.
func FuzzParse(f *testing.F) {
	st, _ := attest.Statement(digest.FromString("x"), attest.PredicateSPDX, []byte(`{"a":1}`))
	f.Add(st)
	f.Add([]byte(`{"subject":[{"digest":{"sha256":1}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := attest.Parse(data)
		if err == nil && p.About(digest.FromString("never named")) {
			t.Fatal("a statement claimed a subject it does not name")
		}
	})
}
