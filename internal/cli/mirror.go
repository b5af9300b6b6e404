// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
)

type mirrorCmd struct {
	transfers int
	verify    verifyFlags
	images    imageFlags
	format    formatFlag
	insecure  insecureFlag
	record    recordFlags
}

func newMirror() *cobra.Command {
	m := &mirrorCmd{}
	cmd := &cobra.Command{
		Use:   "mirror TARGET oci://REGISTRY[/PREFIX] --key FILE",
		Short: "Verify a package, then copy its images with their signatures into a registry",
		Long: "Verify a package (an archive or oci:// reference, opened once), then copy each image it carries,\n" +
			"with the publishers' signatures and attestations that verified: image HOST/PATH:TAG lands at\n" +
			"REGISTRY/PREFIX/PATH:TAG, same digest. Nothing is pushed unless verification passed.",
		Example: "  airlock mirror hello.tar oci://registry.internal/apps --key team.pub --insecure-ignore-tlog\n" +
			"  airlock mirror oci://registry.example.com/apps/hello:1.0.0 oci://registry.internal/apps \\\n" +
			"    --key team.pub\n" +
			"  airlock mirror app.tar oci://registry.internal/apps --key team.pub --record-key gate.key\n" +
			"  airlock mirror zarf-package-app-amd64-1.0.0.tar.zst oci://registry.internal/apps --key team.pub",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return m.run(cmd, args[0], args[1]) },
	}
	cmd.Flags().IntVar(&m.transfers, "concurrency", 4, "blobs uploaded at once")
	m.verify.register(cmd)
	m.images.register(cmd)
	m.format.register(cmd)
	m.insecure.register(cmd, "mirror without verifying the package's signature")
	m.record.register(cmd, false)
	return cmd
}

func (m *mirrorCmd) run(cmd *cobra.Command, target, dest string) error {
	if err := m.format.check(); err != nil {
		return err
	}
	verifyOpts, err := m.verify.options(cmd, m.insecure)
	if err != nil {
		return err
	}
	if err := m.images.apply(&verifyOpts); err != nil {
		return err
	}
	opts := airlock.MirrorOptions{VerifyOptions: verifyOpts, InsecureSkipVerify: m.insecure.value, Transfers: m.transfers}
	if opts.Record, err = m.record.options(cmd, m.verify, m.images, m.insecure); err != nil {
		return err
	}
	bars := newBars(cmd)
	opts.Progress = bars.progress()
	res, err := airlock.Mirror(cmd.Context(), target, dest, opts)
	bars.wait()
	if m.format.value == "json" && res != nil && res.Verification != nil {
		return printOutcome(cmd, res, res.Verification, err)
	}
	if res != nil && res.Verification != nil {
		if rerr := report(cmd, m.format, m.insecure.scope(), res.Verification, err); rerr != nil {
			return rerr
		}
	}
	if err != nil {
		return err
	}
	carried := "verified signatures and attestations"
	if m.insecure.value {
		carried = "signatures and attestations: none is carried without verification"
	}
	for _, img := range res.Images {
		fmt.Fprintf(cmd.OutOrStdout(), "Mirrored %s -> %s (%s, %d %s)\n", clean(img.Source), clean(img.Destination), clean(img.Digest), img.Referrers, carried)
		if img.Record != "" {
			fmt.Fprintf(cmd.OutOrStdout(), "  verification summary signed by the gate: %s\n", clean(img.Record))
		}
	}
	for _, c := range res.Charts {
		fmt.Fprintf(cmd.OutOrStdout(), "Mirrored chart %s %s -> oci://%s (%s)\n", clean(c.Name), clean(c.Version), clean(c.Destination), clean(c.Digest))
	}
	return nil
}
