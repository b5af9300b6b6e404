// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
)

type extractCmd struct {
	output   string
	files    airlock.FilesOptions
	verify   verifyFlags
	images   imageFlags
	format   formatFlag
	insecure insecureFlag
}

func newExtract() *cobra.Command {
	e := &extractCmd{}
	cmd := &cobra.Command{
		Use:   "extract TARGET -o DIR [--registry oci://REGISTRY[/PREFIX]] --key FILE",
		Short: "Verify a package, then write its files, manifests and charts into a folder",
		Long: "Verify a package (an archive or oci:// reference, opened once), then write each component's\n" +
			"files and manifests at their paths and its charts under charts/, into DIR/COMPONENT/. Every byte\n" +
			"written is a byte that was verified, read once; DIR must be absent or empty and appears only when\n" +
			"everything was written. With --registry (where `airlock mirror` put the images) every image\n" +
			"reference in the Kubernetes manifests that names an image the package carries is rewritten to\n" +
			"its mirrored location, pinned by digest (only those values change: every other byte stays),\n" +
			"and COMPONENT/images.yaml maps them for kustomize and Helm; charts are left as they were signed.",
		Example: "  airlock extract app.tar -o app/ --key team.pub --insecure-ignore-tlog\n" +
			"  airlock extract app.tar -o app/ --key team.pub --registry oci://registry.internal:5000/mirror\n" +
			"  airlock extract app.tar -o app/ --key team.pub --install-targets   # files to their targets too",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return e.run(cmd, args[0]) },
	}
	cmd.Flags().StringVarP(&e.output, "output", "o", "", "the folder to write, absent or empty (required)")
	cmd.Flags().StringVar(&e.files.Mirror, "registry", "", "oci://REGISTRY[/PREFIX] where the images were mirrored: rewrite image references to it")
	cmd.Flags().BoolVar(&e.files.InstallTargets, "install-targets", false, "also write each file that names a target to that absolute path")
	cmd.Flags().BoolVar(&e.files.Force, "force", false, "with --install-targets, replace a target whose content differs")
	e.verify.register(cmd)
	e.images.register(cmd)
	e.format.register(cmd)
	e.insecure.register(cmd, "extract without verifying the package's signature (digests are still checked, paths confined)")
	return cmd
}

func (e *extractCmd) run(cmd *cobra.Command, target string) error {
	if e.output == "" {
		return fmt.Errorf("%w: extract: -o/--output is required", errUsage)
	}
	if err := e.format.check(); err != nil {
		return err
	}
	verifyOpts, err := e.verify.options(cmd, e.insecure)
	if err != nil {
		return err
	}
	if err := e.images.apply(&verifyOpts); err != nil {
		return err
	}
	opts := airlock.ExtractOptions{VerifyOptions: verifyOpts, InsecureSkipVerify: e.insecure.value, FilesOptions: e.files}
	bars := newBars(cmd)
	opts.FilesOptions.Progress = bars.progress()
	res, err := airlock.Extract(cmd.Context(), target, e.output, opts)
	bars.wait()
	if e.format.value == "json" && res != nil && res.Verification != nil {
		return printOutcome(cmd, res, res.Verification, err)
	}
	if res != nil && res.Verification != nil && len(res.Verification.Checks) > 0 {
		if rerr := report(cmd, e.format, e.insecure.scope(), res.Verification, err); rerr != nil {
			return rerr
		}
	}
	if err != nil {
		return err
	}
	printExtraction(cmd.OutOrStdout(), res)
	return nil
}

func printExtraction(w io.Writer, res *airlock.ExtractResult) {
	fmt.Fprintf(w, "Extracted %d files into %s\n", len(res.Files), clean(res.Dir))
	for _, f := range res.Files {
		fmt.Fprintf(w, "  %-8s %s  %s\n", f.Kind, clean(f.Digest), clean(f.Path))
		for _, r := range f.Rewritten {
			fmt.Fprintf(w, "           %s -> %s (%s)\n", clean(r.From), clean(r.To), clean(r.Object))
		}
	}
	for _, c := range res.Charts {
		fmt.Fprintf(w, "Chart %s names %d of the package's images: see images.yaml beside it\n", clean(c.Chart), len(c.Images))
		for _, img := range c.Images {
			fmt.Fprintf(w, "  %s\n", clean(img))
		}
	}
}
