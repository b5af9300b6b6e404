// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
)

type pushCmd struct {
	signing     signingFlags
	statements  statementFlags
	concurrency int
	insecure    insecureFlag
	network     networkFlags
	base        baseFlag
}

func newPush() *cobra.Command {
	p := &pushCmd{}
	cmd := &cobra.Command{
		Use:   "push FILE oci://REGISTRY/REPO[:TAG]",
		Short: "Publish a package archive to a registry (signing it first, given signing flags)",
		Long: "Publish a package archive with its signatures and attestations as OCI 1.1 referrers (or the\n" +
			"referrers tag schema on registries without the referrers API). TAG defaults to the package version.\n" +
			"An unsigned package is signed first with --key (or keylessly), or refused unless --insecure;\n" +
			"unsigned statements are signed only when named (--statement, --all-statements).",
		Example: "  airlock push hello.tar oci://registry.example.com/apps/hello\n" +
			"  airlock push hello.tar oci://registry.example.com/apps/hello:1.0.0 --key team.key --all-statements",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return p.run(cmd, args[0], args[1]) },
	}
	p.signing.register(cmd)
	p.statements.register(cmd)
	cmd.Flags().IntVar(&p.concurrency, "concurrency", 4, "blobs uploaded at once")
	p.insecure.register(cmd, "push an unsigned package")
	p.network.register(cmd)
	p.base.register(cmd)
	return cmd
}

func (p *pushCmd) run(cmd *cobra.Command, file, target string) error {
	opts := airlock.PushOptions{InsecureUnsigned: p.insecure.value, Registry: p.network.options(), Base: p.base.value, Transfers: p.concurrency,
		Statements: p.statements.types, AllStatements: p.statements.all, Show: showStatement(cmd.OutOrStdout())}
	var err error
	switch {
	case p.signing.explicit():
		opts.Key, opts.Sign, err = p.signing.options(cmd)
	case !p.insecure.value && !p.network.offline:
		// An unsigned package is signed keylessly when an identity token
		// can be found (in CI); a signed one is pushed as it is.
		if _, terr := p.signing.token(cmd); terr == nil {
			opts.Key, opts.Sign, err = p.signing.options(cmd)
			opts.OnlyIfUnsigned = true
		}
	}
	if err != nil {
		return err
	}
	bars := newBars(cmd)
	opts.Progress = bars.progress()
	res, err := airlock.Push(cmd.Context(), file, target, opts)
	bars.wait()
	if err != nil {
		return err
	}
	switch {
	case res.Signatures == 0:
		p.insecure.warn(cmd.ErrOrStderr(), "the package was pushed without any signature")
	default:
		p.insecure.warn(cmd.ErrOrStderr(), "the package was pushed without checking for a signature")
	}
	schema := "referrers API"
	if !res.ReferrersAPI {
		schema = "referrers tag schema (the registry has no referrers API)"
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Pushed %s\nTag: %s\nSignatures: %d, attestations: %d, unsigned statements: %d, via the %s\n",
		clean(res.Reference), clean(res.Tag), res.Signatures, res.Attestations, res.Unsigned, schema)
	return nil
}
