// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
)

type inspectCmd struct {
	format  formatFlag
	network networkFlags
	base    baseFlag
}

func newInspect() *cobra.Command {
	i := &inspectCmd{}
	cmd := &cobra.Command{
		Use:   "inspect TARGET",
		Short: "Show a package's contents, signatures and attestations, without verifying",
		Example: "  airlock inspect hello.tar\n" +
			"  airlock inspect oci://registry.example.com/apps/hello:1.0.0 --format json",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return i.run(cmd, args[0]) },
	}
	i.format.register(cmd)
	i.network.register(cmd)
	i.base.register(cmd)
	return cmd
}

func (i *inspectCmd) run(cmd *cobra.Command, target string) error {
	if err := i.format.check(); err != nil {
		return err
	}
	ins, err := airlock.Inspect(cmd.Context(), target, airlock.InspectOptions{Registry: i.network.options(), Base: i.base.value})
	if err != nil {
		return err
	}
	if i.format.value == "json" {
		return printJSON(cmd.OutOrStdout(), ins)
	}
	printInspection(cmd.OutOrStdout(), ins)
	return nil
}

func printInspection(w io.Writer, ins *airlock.Inspection) {
	fmt.Fprintf(w, "Package %s %s\n  digest  %s\n", clean(ins.Package.Name), clean(ins.Package.Version), clean(ins.Package.Digest))
	if ins.Description != "" {
		fmt.Fprintf(w, "  about   %s\n", clean(ins.Description))
	}
	if ins.Created != "" {
		fmt.Fprintf(w, "  created %s\n", clean(ins.Created))
	}
	if ins.Base != nil {
		fmt.Fprintf(w, "  differential, base %s %s %s\n", clean(ins.Base.Name), clean(ins.Base.Version), clean(ins.Base.Digest))
	}
	if len(ins.Parts) > 0 {
		fmt.Fprintf(w, "  split in %d parts: %s ... %s\n", len(ins.Parts), clean(ins.Parts[0]), clean(ins.Parts[len(ins.Parts)-1]))
	}
	for _, c := range ins.Components {
		fmt.Fprintf(w, "Component %s\n", clean(c.Name))
		for _, l := range c.Layers {
			fmt.Fprintf(w, "  %-40s %10d  %s", clean(l.Title), l.Size, clean(l.Digest))
			if l.Target != "" {
				fmt.Fprintf(w, "  -> %s", clean(l.Target))
			}
			fmt.Fprintln(w)
		}
	}
	for _, img := range ins.Images {
		fmt.Fprintf(w, "Image %s (component %s)\n  %s  %s\n", clean(img.Ref), clean(img.Component), clean(img.Digest), clean(img.MediaType))
	}
	fmt.Fprintf(w, "Referrers: %d\n", len(ins.Referrers))
	for _, r := range ins.Referrers {
		what := "signed    " + r.Kind
		switch {
		case r.Kind == "statement":
			what = "unsigned  statement"
		case r.Kind == "ignored":
			what = "ignored   " + r.Note
		}
		if r.PredicateType != "" {
			what += "  " + r.PredicateType
		}
		if r.Tag != "" {
			what += "  cosign legacy tag " + r.Tag
		}
		fmt.Fprintf(w, "  %s  %s  %s\n", clean(r.Digest), clean(what), clean(r.Created))
	}
	if len(ins.Referrers) > 0 {
		fmt.Fprintln(w, "Signed means a signature is present, not that it verified.")
	}
	fmt.Fprintln(w, "NOT VERIFIED: inspect reads the package without checking digests or signatures; use airlock verify.")
}
