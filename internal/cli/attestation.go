// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/archive"
)

func newAttestation() *cobra.Command {
	cmd := &cobra.Command{Use: "attestation", Short: "Work with a package's attestations without fetching its content",
		Example: "  airlock attestation list hello.tar\n  airlock attestation verify hello.tar --predicate-type https://slsa.dev/provenance/v1 --key k.pub"}
	cmd.AddCommand(newAttestationList(), newAttestationDownload(), newAttestationVerify())
	return cmd
}

func newAttestationList() *cobra.Command {
	var format formatFlag
	var network networkFlags
	var base baseFlag
	cmd := &cobra.Command{
		Use:   "list TARGET",
		Short: "List attestations: type, claimed signer, time, size (not verified)",
		Example: "  airlock attestation list hello.tar\n" +
			"  airlock attestation list oci://registry.example.com/apps/hello:1.0.0 --format json",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := format.check(); err != nil {
				return err
			}
			list, err := airlock.ListAttestations(cmd.Context(), args[0], airlock.InspectOptions{Registry: network.options(), Base: base.value})
			if err != nil {
				return err
			}
			if format.value == "json" {
				return printJSON(cmd.OutOrStdout(), list)
			}
			for _, a := range list {
				signer := a.Signer
				if !a.Signed {
					signer = "UNSIGNED"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%-32s %-75s %-21s %8d  %s\n", clean(a.PredicateType), clean(signer), clean(a.Created), a.Size, clean(a.Digest))
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Signers are as claimed, NOT VERIFIED: use airlock attestation verify.")
			return nil
		},
	}
	format.register(cmd)
	network.register(cmd)
	base.register(cmd)
	return cmd
}

func newAttestationVerify() *cobra.Command {
	var f verifyFlags
	var format formatFlag
	cmd := &cobra.Command{
		Use:   "verify TARGET --predicate-type URI [policy] [trust]",
		Short: "Verify the package's signatures and required attestations, fetching only them",
		Example: "  airlock attestation verify hello.tar --predicate-type https://slsa.dev/provenance/v1 --key k.pub\n" +
			"  airlock attestation verify oci://registry.example.com/apps/hello:1.0.0 --policy team.yaml",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := format.check(); err != nil {
				return err
			}
			opts, err := f.options(cmd, insecureFlag{})
			if err != nil {
				return err
			}
			res, err := airlock.VerifyAttestations(cmd.Context(), args[0], opts)
			return report(cmd, format, attestationsOnly, res, err)
		},
	}
	f.register(cmd)
	format.register(cmd)
	return cmd
}

func newAttestationDownload() *cobra.Command {
	var f verifyFlags
	var predicateType, output string
	var raw bool
	cmd := &cobra.Command{
		Use:   "download TARGET --type URI [-o FILE] [--bundle] [policy] [trust]",
		Short: "Write an attestation's verified statement (or, with --bundle, its raw bundle)",
		Example: "  airlock attestation download hello.tar --type https://spdx.dev/Document -o sbom.json --key k.pub\n" +
			"  airlock attestation download hello.tar --type https://slsa.dev/provenance/v1 --bundle --key k.pub",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if predicateType == "" {
				return fmt.Errorf("%w: attestation download: --type is required", errUsage)
			}
			opts, err := f.options(cmd, insecureFlag{})
			if err != nil {
				return err
			}
			data, err := airlock.DownloadAttestation(cmd.Context(), args[0], predicateType, raw, opts)
			if err != nil {
				return err
			}
			if output == "" {
				_, err = cmd.OutOrStdout().Write(append(data, '\n'))
				return err
			}
			return archive.Atomic(output, func(file *os.File) error {
				_, err := file.Write(data)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&predicateType, "type", "", "the predicate type to download (required)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "where to write it (default: standard output)")
	cmd.Flags().BoolVar(&raw, "bundle", false, "write the raw Sigstore bundle instead of the statement")
	f.register(cmd)
	return cmd
}
