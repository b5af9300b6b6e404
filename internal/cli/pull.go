// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/verify"
)

type pullCmd struct {
	output   string
	policy   policyFlags
	trust    trustFlags
	images   imageFlags
	format   formatFlag
	insecure insecureFlag
	registry registryFlags
}

func newPull() *cobra.Command {
	p := &pullCmd{}
	cmd := &cobra.Command{
		Use:   "pull oci://REGISTRY/REPO[:TAG|@DIGEST] -o FILE --key FILE",
		Short: "Fetch a package, verify it, then write it as an archive",
		Long: "Fetch a package: the signature is verified before any content is downloaded, every blob is\n" +
			"checked against its digest, and FILE appears only when all of it verified. Exit 3 when\n" +
			"verification fails, 1 when it could not be attempted; either way nothing is written.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return p.run(cmd, args[0]) },
	}
	cmd.Flags().StringVarP(&p.output, "output", "o", "", "where to write the package archive (required)")
	p.policy.register(cmd)
	p.trust.register(cmd)
	p.images.register(cmd)
	p.format.register(cmd)
	p.insecure.register(cmd, "write the package without verifying its signature (digests are still checked)")
	p.registry.register(cmd)
	return cmd
}

func (p *pullCmd) run(cmd *cobra.Command, target string) error {
	if p.output == "" {
		return fmt.Errorf("%w: pull: -o/--output is required", errUsage)
	}
	if err := p.format.check(); err != nil {
		return err
	}
	opts := airlock.PullOptions{InsecureSkipVerify: p.insecure.value, Registry: p.registry.options()}
	var err error
	if opts.Policy, opts.Trust, err = verification(cmd, &p.policy, &p.trust, p.insecure); err != nil {
		return err
	}
	if opts.ImagePolicy, err = p.images.policy(); err != nil {
		return err
	}
	opts.RequireImageSignatures = p.images.require
	bars := newBars(cmd.ErrOrStderr())
	opts.Progress = bars.progress()
	res, err := airlock.Pull(cmd.Context(), target, p.output, opts)
	bars.wait()
	return report(cmd, p.format, res, err)
}

// report prints a verification result as text or JSON and passes err on.
// Errors that are not verification failures are returned without a report.
func report(cmd *cobra.Command, format formatFlag, res *verify.Result, err error) error {
	if _, failed := verify.AsFailure(err); err != nil && !failed {
		return err
	}
	if format.value == "json" {
		if jerr := printJSON(cmd.OutOrStdout(), res); jerr != nil {
			return jerr
		}
		return err
	}
	printResult(cmd.OutOrStdout(), res)
	return err
}
