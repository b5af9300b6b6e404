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
	"strings"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/verify"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitError       = 1   // could not do or could not verify: configuration, I/O, network
	ExitUsage       = 2   // the command line is wrong: unknown command or flag, missing argument, conflicting flags
	ExitUntrusted   = 3   // verification failed: the artifact is not trustworthy
	ExitInterrupted = 130 // stopped by an interrupt; what was in progress left nothing behind
)

// exitCodes is what every command's help says about exit codes.
const exitCodes = `Exit codes: 0 done (verified); 1 could not do or could not verify (configuration, files, network);
2 usage (unknown command or flag, missing argument, conflicting flags); 3 verification failed (the
reason code says why; nothing was written or pushed); 130 interrupted (nothing left half-written).`

// Run runs the command line with args and returns the exit code. When ctx
// is cancelled (an interrupt) the command stops, removes what it was
// writing, and Run returns ExitInterrupted. An error is printed once: on
// stderr, unless a report already said it; with --format json, a failure
// no report described is printed on stdout as a result that did not verify.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := New()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	switch {
	case err == nil:
		return ExitOK
	case ctx.Err() != nil && errors.Is(err, airlock.ErrDeploy):
		fmt.Fprintf(stderr, "airlock: %s\n", say(err.Error())) // says what was applied
		return ExitInterrupted
	case ctx.Err() != nil && !errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "airlock: interrupted: nothing was left half-written")
		return ExitInterrupted
	}
	var rep *reportedError
	if !errors.As(err, &rep) {
		if cmd != nil && wantsJSON(cmd) {
			printJSON(stdout, failureResult(cmd, err))
		}
		for _, msg := range messages(err) {
			fmt.Fprintf(stderr, "airlock: %s\n", say(msg))
		}
		if errors.Is(err, errUsage) && cmd != nil {
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
	}
	switch _, untrusted := verify.AsFailure(err); {
	case untrusted:
		return ExitUntrusted
	case errors.Is(err, errUsage):
		return ExitUsage
	}
	return ExitError
}

// New returns the root command.
func New() *cobra.Command {
	root := &cobra.Command{
		Use:   "airlock",
		Short: "Carry software into air-gapped networks without losing supply-chain integrity",
		Long:  "Carry software into air-gapped networks without losing supply-chain integrity.\n\n" + exitCodes,
		Example: "  airlock key generate --output-key-prefix team\n" +
			"  airlock create examples/hello -o hello.tar --key team.key\n" +
			"  airlock verify hello.tar --key team.pub --insecure-ignore-tlog\n" +
			"  airlock help policy",
		Version:       airlock.Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate(versionText(airlock.Build()))
	root.SetUsageTemplate(usageTemplate)
	root.AddCommand(newCreate(), newSign(), newAttest(), newVerify(), newInspect(), newPush(), newPull(), newMirror(), newExtract(), newDeploy(), newStatus(), newServe(), newAdmissionPolicy(), newSplit(), newAttestation(), newTrust(), newKey(), newVersion(), newSchema(), newPolicyTopic())
	root.PersistentFlags().BoolP("quiet", "q", false, "no progress bars (they are drawn only on a terminal, on stderr)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return fmt.Errorf("%w: %v", errUsage, err) })
	usageArgs(root)
	completeFlags(root)
	return root
}

// usageArgs makes every argument error a usage error (exit 2), and an
// unknown command one, with cobra's suggestions.
func usageArgs(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		usageArgs(c)
	}
	if cmd.Annotations[topic] != "" {
		return
	}
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return fmt.Errorf("%w: %s: %v", errUsage, c.CommandPath(), err)
			}
			return nil
		}
		return
	}
	cmd.Args = cobra.ArbitraryArgs
	if cmd.Runnable() {
		return
	}
	cmd.SuggestionsMinimumDistance = 2
	// A command of commands: its help, or an unknown command.
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return c.Help()
		}
		hint := ""
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			hint = "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return fmt.Errorf("%w: unknown command %q for %q%s", errUsage, args[0], c.CommandPath(), hint)
	}
}

// messages are err's messages, one per error when airlock joined several
// (a definition's problems), each whole: a newline inside one, which could
// come from a registry, is escaped, never a line of its own.
func messages(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, e.Error())
		}
		return out
	}
	return []string{err.Error()}
}

// errUsage marks a usage error, reported with exit code 2.
var errUsage = errors.New("usage")

// reportedError is an error a report already described.
type reportedError struct{ err error }

func (r *reportedError) Error() string { return r.err.Error() }
func (r *reportedError) Unwrap() error { return r.err }

// wantsJSON says whether the command was asked to report in JSON.
func wantsJSON(cmd *cobra.Command) bool {
	f := cmd.Flags().Lookup("format")
	return f != nil && f.Value.String() == "json"
}

// failureResult is the result a command that failed before or outside
// verification prints with --format json.
func failureResult(cmd *cobra.Command, err error) *verify.Result {
	res := &verify.Result{APIVersion: verify.ResultAPIVersion, Checks: []verify.Check{}, Signatures: []verify.SignatureResult{},
		Attestations: []verify.AttestationResult{}, Images: []verify.ImageResult{}}
	if args := cmd.Flags().Args(); len(args) > 0 {
		res.Target = args[0]
	}
	res.Failure = &verify.FailureInfo{Message: say(err.Error())}
	if f, ok := verify.AsFailure(err); ok {
		res.Failure.Reason, res.Failure.Message = f.Reason, say(f.Detail())
	}
	return res
}

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
