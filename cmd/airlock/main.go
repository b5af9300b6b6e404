// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Command airlock carries software into air-gapped networks without losing
// supply-chain integrity. See the README and `airlock --help`.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/airlock-dev/airlock/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
