// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Command kube-apiserver is the Kubernetes API server, built at the version
// scripts/kube/apiserver/go.mod pins, for the deploy tests (scripts/tools.sh).
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
