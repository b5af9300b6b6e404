// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Command etcd is etcd, built at the version scripts/kube/etcd/go.mod pins,
// for the kube-apiserver the deploy tests run (scripts/tools.sh).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
