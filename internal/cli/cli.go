// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package cli is the airlock command line: each command is a flags struct, a
// run method and one call into package airlock. Nothing here is API.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock/verify"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitError       = 1   // could not do or could not verify: usage, configuration, I/O
	ExitUntrusted   = 3   // verification failed: the artifact is not trustworthy
	ExitInterrupted = 130 // stopped by an interrupt; what was in progress left nothing behind
)

// Run runs the command line with args and returns the exit code. When ctx
// is cancelled (an interrupt) the command stops, removes what it was
// writing, and Run returns ExitInterrupted.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := New()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	switch {
	case err == nil:
		return ExitOK
	case ctx.Err() != nil && !errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "airlock: interrupted: nothing was left half-written")
		return ExitInterrupted
	}
	fmt.Fprintf(stderr, "airlock: %s\n", say(err.Error()))
	if _, ok := verify.AsFailure(err); ok {
		return ExitUntrusted
	}
	return ExitError
}

// New returns the root command.
func New() *cobra.Command {
	root := &cobra.Command{
		Use:           "airlock",
		Short:         "Carry software into air-gapped networks without losing supply-chain integrity",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newCreate(), newSign(), newAttest(), newVerify(), newInspect(), newPush(), newPull(), newMirror(), newExtract(), newServe(), newAdmissionPolicy(), newSplit(), newAttestation(), newTrust(), newKey())
	return root
}

// errUsage marks a usage error, reported with exit code 1.
var errUsage = errors.New("usage")

// formatFlag is --format, which means the same everywhere: how a command reports.
type formatFlag struct{ value string }

func (f *formatFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.value, "format", "text", "how to report: text or json")
}

func (f *formatFlag) check() error {
	if f.value != "text" && f.value != "json" {
		return fmt.Errorf("%w: --format: expected text or json, found %q", errUsage, f.value)
	}
	return nil
}
