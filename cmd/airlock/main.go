// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Command airlock carries software into air-gapped networks without losing
// supply-chain integrity. See the README and `airlock --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/airlock-dev/airlock/internal/cli"
)

// main runs the command line. SIGINT or SIGTERM cancels what is running,
// which removes what it was writing; the exit code is then 130 (SIGINT) or
// 143 (SIGTERM), unless the command ends cleanly on it (serve, on SIGTERM).
// A second signal kills at once.
func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	got := make(chan os.Signal, 1)
	go func() {
		s := <-signals
		signal.Stop(signals)
		got <- s
		cancel(cli.Interrupted{Signal: s})
	}()
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	select {
	case s := <-got:
		if s == syscall.SIGTERM && code == cli.ExitInterrupted {
			code = 128 + int(syscall.SIGTERM)
		}
	default:
	}
	os.Exit(code)
}
