// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
)

type mirrorCmd struct {
	concurrency int
	policy      policyFlags
	trust       trustFlags
	images      imageFlags
	format      formatFlag
	insecure    insecureFlag
	registry    registryFlags
}

func newMirror() *cobra.Command {
	m := &mirrorCmd{}
	cmd := &cobra.Command{
		Use:   "mirror TARGET oci://REGISTRY[/PREFIX] --key FILE",
		Short: "Verify a package, then copy its images with their signatures into a registry",
		Long: "Verify a package (an archive or oci:// reference), then copy each image it carries, with its\n" +
			"signatures and attestations: image HOST/PATH:TAG lands at REGISTRY/PREFIX/PATH:TAG, same digest.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return m.run(cmd, args[0], args[1]) },
	}
	cmd.Flags().IntVar(&m.concurrency, "concurrency", 4, "blobs uploaded at once")
	m.policy.register(cmd)
	m.trust.register(cmd)
	m.images.register(cmd)
	m.format.register(cmd)
	m.insecure.register(cmd, "mirror without verifying the package's signature")
	m.registry.register(cmd)
	return cmd
}

func (m *mirrorCmd) run(cmd *cobra.Command, target, dest string) error {
	if err := m.format.check(); err != nil {
		return err
	}
	opts := airlock.MirrorOptions{InsecureSkipVerify: m.insecure.value, Registry: m.registry.options(), Concurrency: m.concurrency}
	var err error
	if opts.Policy, opts.Trust, err = verification(cmd, &m.policy, &m.trust, m.insecure); err != nil {
		return err
	}
	if opts.ImagePolicy, err = m.images.policy(); err != nil {
		return err
	}
	opts.RequireImageSignatures = m.images.require
	bars := newBars(cmd.ErrOrStderr())
	opts.Progress = bars.progress()
	res, err := airlock.Mirror(cmd.Context(), target, dest, opts)
	bars.wait()
	if m.format.value == "json" && res != nil {
		if jerr := printJSON(cmd.OutOrStdout(), res); jerr != nil {
			return jerr
		}
		return err
	}
	if res != nil && res.Verification != nil {
		if rerr := report(cmd, m.format, res.Verification, err); rerr != nil {
			return rerr
		}
	}
	if err != nil {
		return err
	}
	for _, img := range res.Images {
		fmt.Fprintf(cmd.OutOrStdout(), "Mirrored %s -> %s (%s, %d signatures and attestations)\n", img.Source, img.Destination, img.Digest, img.Referrers)
	}
	return nil
}
