// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
)

type create struct {
	output               string
	noProvenance, noSBOM bool
	sbomFormat           string
	requireImageSigs     bool
	signing              signingFlags
	trust                trustFlags
	network              networkFlags
	base                 string
	split                sizeFlag
}

func newCreate() *cobra.Command {
	c := &create{}
	cmd := &cobra.Command{
		Use:   "create [DIR] -o FILE [--key FILE | keyless flags]",
		Short: "Build DIR/airlock.yaml into a package archive, signed, with provenance and SBOM",
		Long: "Build DIR/airlock.yaml (DIR defaults to .) into a package archive at FILE, with SLSA provenance\n" +
			"and an SBOM. With signing flags (--key, or keyless ones) the package, its provenance and its SBOM\n" +
			"are signed in the same step: the normal path. Without them they are written unsigned.\n" +
			"SOURCE_DATE_EPOCH, when set, fixes the package's creation time.",
		Example: "  airlock create examples/hello -o hello.tar --key team.key\n" +
			"  airlock create . -o app.tar --identity-token \"$SIGSTORE_ID_TOKEN\"   # keyless, in CI\n" +
			"  airlock create examples/hello -o hello.tar --offline                    # unsigned, no network\n" +
			"  airlock create app/ -o app-1.3.0.tar --base app-1.2.0.tar --key team.key   # only what changed\n" +
			"  airlock create app/ -o app.tar --split 4480M --key team.key   # app.tar.001, .002, ... for DVDs",
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
	c.signing.register(cmd)
	c.network.register(cmd)
	cmd.Flags().StringVar(&c.base, "base", "", "write a differential archive: without the blobs this package (archive or oci://) holds")
	cmd.Flags().Var(&c.split, "split", "write the archive as parts of at most SIZE (4480M, 4.7G, 25GB...): FILE.001, FILE.002, ...")
	return cmd
}

func (c *create) run(cmd *cobra.Command, dir string) error {
	if err := archiveOutput("create", c.output); err != nil {
		return err
	}
	tm, err := c.trust.material(cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	opts := airlock.CreateOptions{Registry: c.network.options(), NoProvenance: c.noProvenance, NoSBOM: c.noSBOM, SBOMFormat: c.sbomFormat,
		Env: os.LookupEnv, Trust: tm, RequireImageSignatures: c.requireImageSigs, Base: c.base, PartSize: c.split.bytes}
	if c.signing.explicit() {
		if opts.Key, opts.Sign, err = c.signing.options(cmd); err != nil {
			return err
		}
	}
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH: expected seconds since 1970, found %q", v)
		}
		opts.Created = time.Unix(secs, 0).UTC()
	}
	bars := newBars(cmd)
	opts.Progress = bars.progress()
	res, err := airlock.Create(cmd.Context(), dir, c.output, opts)
	bars.wait()
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Created %s %s at %s\nRoot digest: %s\n", clean(res.Name), clean(res.Version), clean(strings.Join(res.Files, ", ")), clean(res.Root.Digest.String()))
	if c.base != "" {
		fmt.Fprintf(cmd.OutOrStdout(), "Differential: %d blobs (%s) left to the base %s\n", res.Omitted, humanBytes(res.OmittedBytes), clean(c.base))
	}
	switch {
	case res.Signature != nil:
		fmt.Fprintf(cmd.OutOrStdout(), "Signed the package and its %d statements (provenance, SBOM): %s\n", len(res.Statements), how(opts.Sign))
	case len(res.Statements) > 0:
		fmt.Fprintf(cmd.OutOrStdout(), "Unsigned: the package and %d statements (provenance, SBOM); sign them with airlock sign --all-statements,\n"+
			"or create with --key to sign them in one step\n", len(res.Statements))
	}
	return nil
}
