// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
)

type create struct {
	output               string
	noProvenance, noSBOM bool
	sbomFormat           string
	requireImageSigs     bool
	trust                trustFlags
	registry             registryFlags
}

func newCreate() *cobra.Command {
	c := &create{}
	cmd := &cobra.Command{
		Use:   "create [DIR] -o FILE",
		Short: "Build DIR/airlock.yaml into a package archive",
		Long: "Build DIR/airlock.yaml (DIR defaults to .) into a package archive at FILE.\n" +
			"SOURCE_DATE_EPOCH, when set, fixes the package's creation time.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return c.run(cmd, dir)
		},
	}
	cmd.Flags().StringVarP(&c.output, "output", "o", "", "where to write the package archive (required)")
	cmd.Flags().BoolVar(&c.noProvenance, "no-provenance", false, "do not write a SLSA provenance statement")
	cmd.Flags().BoolVar(&c.noSBOM, "no-sbom", false, "do not write an SBOM statement")
	cmd.Flags().StringVar(&c.sbomFormat, "sbom-format", airlock.SBOMSPDX, "SBOM format: spdx (SPDX 2.3 JSON) or cyclonedx (CycloneDX 1.6 JSON)")
	cmd.Flags().BoolVar(&c.requireImageSigs, "require-image-signatures", false, "fail when an image has no verify: block and the package no imagePolicy")
	c.trust.register(cmd)
	c.registry.register(cmd)
	return cmd
}

func (c *create) run(cmd *cobra.Command, dir string) error {
	if c.output == "" {
		return fmt.Errorf("%w: create: -o/--output is required", errUsage)
	}
	tm, err := c.trust.material(cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	opts := airlock.CreateOptions{Registry: c.registry.options(), NoProvenance: c.noProvenance, NoSBOM: c.noSBOM, SBOMFormat: c.sbomFormat,
		Env: os.LookupEnv, Trust: tm, RequireImageSignatures: c.requireImageSigs}
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH: expected seconds since 1970, found %q", v)
		}
		opts.Created = time.Unix(secs, 0).UTC()
	}
	res, err := airlock.Create(cmd.Context(), dir, c.output, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Created %s %s at %s\nRoot digest: %s\n", res.Name, res.Version, c.output, res.Root.Digest)
	if len(res.Statements) > 0 {
		fmt.Fprintf(cmd.OutOrStdout(), "Unsigned statements: %d (provenance, SBOM); airlock sign signs them with the package\n", len(res.Statements))
	}
	return nil
}
