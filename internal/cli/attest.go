// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/spec"
)

type attestCmd struct {
	predicate, predicateType string
	provenance, sbom         bool
	signing                  signingFlags
	network                  networkFlags
	base                     baseFlag
}

func newAttest() *cobra.Command {
	a := &attestCmd{}
	cmd := &cobra.Command{
		Use:   "attest TARGET (--predicate FILE --type URI | --provenance | --sbom) --key FILE",
		Short: "Add a signed attestation of your own to a package",
		Long: "Add a signed attestation to a package: an airlock package gets it as a referrer of its root; a\n" +
			"published Zarf package as a referrer of its manifest; a Zarf tarball beside it, as\n" +
			"PKG.TYPE.sigstore.json. --provenance and --sbom make airlock's SLSA provenance and SPDX SBOM\n" +
			"of a Zarf package from its zarf.yaml and contents.",
		Example: "  airlock attest hello.tar --predicate scan.json --type https://example.com/scan/v1 --key team.key\n" +
			"  airlock attest zarf-package-hello-amd64-1.0.0.tar.zst --provenance --sbom --key team.key",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.run(cmd, args[0]) },
	}
	cmd.Flags().StringVar(&a.predicate, "predicate", "", "the predicate: a file holding a JSON object (required)")
	cmd.Flags().StringVar(&a.predicateType, "type", "", "the predicate type URI, exactly (required: no type is ever assumed)")
	cmd.Flags().BoolVar(&a.provenance, "provenance", false, "attest a Zarf package with airlock's SLSA provenance of it, made from its contents")
	cmd.Flags().BoolVar(&a.sbom, "sbom", false, "attest a Zarf package with airlock's SPDX SBOM of it, made from its contents")
	a.signing.register(cmd)
	a.network.register(cmd)
	a.base.register(cmd)
	return cmd
}

func (a *attestCmd) run(cmd *cobra.Command, target string) error {
	if a.provenance || a.sbom {
		return a.generated(cmd, target)
	}
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

// generated attests a Zarf package with the statements airlock makes.
func (a *attestCmd) generated(cmd *cobra.Command, target string) error {
	if a.predicate != "" || a.predicateType != "" {
		return fmt.Errorf("%w: attest: --provenance and --sbom make their own statements: drop --predicate and --type", errUsage)
	}
	key, opts, err := a.signing.options(cmd)
	if err != nil {
		return err
	}
	var types []string
	if a.provenance {
		types = append(types, attest.PredicateSLSAProvenance)
	}
	if a.sbom {
		types = append(types, attest.PredicateSPDX)
	}
	for _, t := range types {
		ref, err := airlock.AttestGenerated(cmd.Context(), target, t, key, airlock.AttestOptions{Sign: opts, Registry: a.network.options()})
		if err != nil {
			return err
		}
		where := ref.Digest.String()
		if title := ref.Annotations[ocispec.AnnotationTitle]; title != "" {
			where = title
		}
		fmt.Fprintf(cmd.OutOrStdout(), "Attested %s: %s (%s)\n", clean(target), clean(t), clean(where))
	}
	return nil
}
