// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Command olaregserve serves a folder of OCI layouts (one per repository)
// read-only with olareg, the registry library airlock's tests use: the
// benchmarks' reference for `airlock serve`. Usage: olaregserve DIR ADDR.
package main

import (
	"fmt"
	"net/http"
	"os"

	"github.com/olareg/olareg"
	"github.com/olareg/olareg/config"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: olaregserve DIR ADDR")
		os.Exit(2)
	}
	ro := true
	reg := olareg.New(config.Config{Storage: config.ConfigStorage{StoreType: config.StoreDir, RootDir: os.Args[1], ReadOnly: &ro}})
	if err := http.ListenAndServe(os.Args[2], reg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
