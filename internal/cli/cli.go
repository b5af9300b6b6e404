// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package cli is the airlock command line: each command is a flags struct, a
// run method and one call into package airlock. Nothing here is API.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock/verify"
)

// Exit codes.
const (
	ExitOK        = 0
	ExitError     = 1 // could not do or could not verify: usage, configuration, I/O
	ExitUntrusted = 3 // verification failed: the artifact is not trustworthy
)

// Run runs the command line with args and returns the exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := New()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(stderr, "airlock: %v\n", err)
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
	root.AddCommand(newCreate(), newSign(), newAttest(), newVerify(), newInspect(), newPush(), newPull(), newMirror(), newAttestation(), newTrust(), newKey())
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

// printJSON writes v as indented JSON, the form every --format json takes.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
