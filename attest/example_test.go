// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package attest_test

import (
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/attest"
)

// Provenance builds a SLSA provenance v1 statement about a package root.
func ExampleProvenance() {
	root := digest.FromString("package root")
	st, err := attest.Provenance(attest.Build{
		Name: "hello", Version: "1.0.0", Root: root, Definition: []byte("apiVersion: airlock.dev/v1alpha1\n"),
		Dependencies: []attest.Dependency{{Kind: "file", Name: "files/hello.txt", Component: "app", Digest: digest.FromString("hello")}},
		Started:      time.Unix(0, 0), Finished: time.Unix(60, 0),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	parsed, _ := attest.Parse(st)
	fmt.Println(parsed.PredicateType, parsed.About(root))
	// Output: https://slsa.dev/provenance/v1 true
}
