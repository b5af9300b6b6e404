// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
)

type pullCmd struct {
	output   string
	verify   verifyFlags
	images   imageFlags
	format   formatFlag
	insecure insecureFlag
	record   recordFlags
	noCache  bool
}

func newPull() *cobra.Command {
	p := &pullCmd{}
	cmd := &cobra.Command{
		Use:   "pull oci://REGISTRY/REPO[:TAG|@DIGEST] -o FILE --key FILE",
		Short: "Fetch a package, verify it, then write it as an archive",
		Long: "Fetch a package: the tag is resolved once, the signature is verified before any content is\n" +
			"downloaded, every blob is checked against its digest, and FILE appears only when all of it\n" +
			"verified; it holds the package and the signatures and attestations that verified. Exit 3\n" +
			"when verification fails, 1 when it could not be attempted; either way nothing is written.\n" +
			"What was fetched is kept under $XDG_CACHE_HOME/airlock until the pull completes: after an\n" +
			"interruption the same pull fetches only what is missing (all of it hashed again).",
		Example: "  airlock pull oci://registry.example.com/apps/hello:1.0.0 -o hello.tar --key team.pub\n" +
			"  airlock pull oci://ghcr.io/org/app:1.2.0 -o app.tar --expect-name app \\\n" +
			"    --certificate-identity https://github.com/org/app/.github/workflows/release.yml@refs/tags/v1 \\\n" +
			"    --certificate-oidc-issuer https://token.actions.githubusercontent.com \\\n" +
			"    --record-key gate.key   # the archive also carries the gate's signed verification summary",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return p.run(cmd, args[0]) },
	}
	cmd.Flags().StringVarP(&p.output, "output", "o", "", "where to write the package archive (required)")
	p.verify.register(cmd)
	p.images.register(cmd)
	p.format.register(cmd)
	p.insecure.register(cmd, "write the package without verifying its signature (digests are still checked)")
	p.record.register(cmd, false)
	cmd.Flags().BoolVar(&p.noCache, "no-cache", false, "keep nothing for resuming: a pull that is interrupted starts again from zero")
	return cmd
}

func (p *pullCmd) run(cmd *cobra.Command, target string) error {
	if err := archiveOutput("pull", p.output); err != nil {
		return err
	}
	if err := p.format.check(); err != nil {
		return err
	}
	verifyOpts, err := p.verify.options(cmd, p.insecure)
	if err != nil {
		return err
	}
	if err := p.images.apply(&verifyOpts); err != nil {
		return err
	}
	opts := airlock.PullOptions{VerifyOptions: verifyOpts, InsecureSkipVerify: p.insecure.value, NoCache: p.noCache}
	if opts.Record, err = p.record.options(cmd, p.verify, p.images, p.insecure); err != nil {
		return err
	}
	bars := newBars(cmd)
	opts.Progress = bars.progress()
	res, err := airlock.Pull(cmd.Context(), target, p.output, opts)
	bars.wait()
	return report(cmd, p.format, p.insecure.scope(), res, err)
}
