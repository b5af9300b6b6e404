// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/verify"
)

type verifyCmd struct {
	policy   policyFlags
	format   formatFlag
	registry registryFlags
}

func newVerify() *cobra.Command {
	v := &verifyCmd{}
	cmd := &cobra.Command{
		Use:     "verify TARGET --key FILE",
		Example: "  airlock verify hello.tar --key team.pub\n  airlock verify oci://registry.example.com/apps/hello:1.0.0 --key team.pub --format json",
		Short:   "Verify a package: layout, every blob's digest, and its signature",
		Long: "Verify a package. Exit 0: verified. Exit 3: verification failed (the reason code says why).\n" +
			"Exit 1: could not verify (bad flags, unreadable file).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return v.run(cmd, args[0]) },
	}
	v.policy.register(cmd)
	v.format.register(cmd)
	v.registry.register(cmd)
	return cmd
}

func (v *verifyCmd) run(cmd *cobra.Command, target string) error {
	if err := v.format.check(); err != nil {
		return err
	}
	p, err := v.policy.policy()
	if err != nil {
		return err
	}
	res, err := airlock.Verify(cmd.Context(), target, airlock.VerifyOptions{Policy: p, Registry: v.registry.options()})
	return report(cmd, v.format, res, err)
}

var marks = map[string]string{verify.StatusPassed: "ok", verify.StatusFailed: "FAILED", verify.StatusSkipped: "skipped"}

func printResult(w io.Writer, res *verify.Result) {
	fmt.Fprintf(w, "Verifying %s\n", res.Target)
	for _, c := range res.Checks {
		fmt.Fprintf(w, "  %-17s %-8s %s\n", c.Name, marks[c.Status], c.Detail)
	}
	if res.Verified {
		fmt.Fprintf(w, "VERIFIED: %s %s (%s)\n", res.Package.Name, res.Package.Version, res.Package.Digest)
		return
	}
	fmt.Fprintf(w, "NOT VERIFIED: %s\n", res.Failure.Reason)
}
