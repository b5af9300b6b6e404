// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/spec"
)

type attestCmd struct {
	predicate, predicateType string
	signing                  signingFlags
	network                  networkFlags
	base                     baseFlag
}

func newAttest() *cobra.Command {
	a := &attestCmd{}
	cmd := &cobra.Command{
		Use:   "attest TARGET --predicate FILE --type URI (--key FILE | keyless flags)",
		Short: "Add a signed attestation of your own to a package",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return a.run(cmd, args[0]) },
	}
	cmd.Flags().StringVar(&a.predicate, "predicate", "", "the predicate: a file holding a JSON object (required)")
	cmd.Flags().StringVar(&a.predicateType, "type", "", "the predicate type URI, exactly (required: no type is ever assumed)")
	a.signing.register(cmd)
	a.network.register(cmd)
	a.base.register(cmd)
	return cmd
}

func (a *attestCmd) run(cmd *cobra.Command, target string) error {
	if a.predicate == "" || a.predicateType == "" {
		return fmt.Errorf("%w: attest: --predicate and --type are both required", errUsage)
	}
	predicate, err := limited.ReadFile(a.predicate, spec.MaxStatementSize)
	if err != nil {
		return fmt.Errorf("--predicate: %w", err)
	}
	key, opts, err := a.signing.options(cmd)
	if err != nil {
		return err
	}
	ref, err := airlock.Attest(cmd.Context(), target, a.predicateType, predicate, key, airlock.AttestOptions{Sign: opts, Registry: a.network.options(), Base: a.base.value})
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Attested %s: %s (%s)\n", clean(target), clean(a.predicateType), clean(ref.Digest.String()))
	return nil
}
