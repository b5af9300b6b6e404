// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/spec"
)

type pushCmd struct {
	signing     signingFlags
	concurrency int
	insecure    insecureFlag
	registry    registryFlags
}

func newPush() *cobra.Command {
	p := &pushCmd{}
	cmd := &cobra.Command{
		Use:   "push FILE oci://REGISTRY/REPO[:TAG]",
		Short: "Publish a package archive to a registry, signing it first when signing flags are given",
		Long: "Publish a package archive with its signatures and attestations as OCI 1.1 referrers (or the\n" +
			"referrers tag schema on registries without the referrers API). TAG defaults to the package version.\n" +
			"An unsigned package is signed first with --key, or refused unless --insecure.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return p.run(cmd, args[0], args[1]) },
	}
	p.signing.register(cmd)
	cmd.Flags().IntVar(&p.concurrency, "concurrency", 4, "blobs uploaded at once")
	p.insecure.register(cmd, "push an unsigned package")
	p.registry.register(cmd)
	return cmd
}

func (p *pushCmd) run(cmd *cobra.Command, file, target string) error {
	opts := airlock.PushOptions{InsecureUnsigned: p.insecure.value, Registry: p.registry.options(), Concurrency: p.concurrency}
	signIt, err := p.needsSigning(cmd, file)
	if err != nil {
		return err
	}
	if signIt {
		if opts.Key, opts.Sign, err = p.signing.options(cmd); err != nil {
			return err
		}
	}
	bars := newBars(cmd.ErrOrStderr())
	opts.Progress = bars.progress()
	res, err := airlock.Push(cmd.Context(), file, target, opts)
	bars.wait()
	if err != nil {
		return err
	}
	if len(res.Referrers) == 0 {
		p.insecure.warn(cmd.ErrOrStderr(), "the package was pushed without any signature")
	}
	schema := "referrers API"
	if !res.ReferrersAPI {
		schema = "referrers tag schema (the registry has no referrers API)"
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Pushed %s\nTag: %s\nSignatures and attestations: %d, via the %s\n", res.Reference, res.Tag, len(res.Referrers), schema)
	return nil
}

// needsSigning decides whether push signs: when signing flags are given, or
// when the package carries no signature and an identity token can be found
// (keyless signing in CI). Otherwise the package is pushed as it is (and an
// unsigned one refused, unless --insecure).
func (p *pushCmd) needsSigning(cmd *cobra.Command, file string) (bool, error) {
	if p.signing.explicit() {
		return true, nil
	}
	if p.insecure.value {
		return false, nil
	}
	ins, err := airlock.Inspect(cmd.Context(), file, airlock.InspectOptions{})
	if err != nil {
		return false, err
	}
	for _, r := range ins.Referrers {
		if r.PredicateType == spec.PredicateTypeCosignSign || strings.HasSuffix(r.Tag, ".sig") {
			return false, nil
		}
	}
	_, err = p.signing.token(cmd)
	return err == nil, nil
}
