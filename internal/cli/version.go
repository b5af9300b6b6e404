// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
)

func newVersion() *cobra.Command {
	var format formatFlag
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print airlock's version, commit and Go version",
		Example: "  airlock version\n  airlock version --format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := format.check(); err != nil {
				return err
			}
			b := airlock.Build()
			if format.value == "json" {
				return printJSON(cmd.OutOrStdout(), b)
			}
			fmt.Fprint(cmd.OutOrStdout(), versionText(b))
			return nil
		},
	}
	format.register(cmd)
	return cmd
}

// versionText is what `airlock version` and `airlock --version` print.
func versionText(b airlock.BuildInfo) string {
	commit := b.Commit
	if commit == "" {
		commit = "unknown"
	}
	if b.Modified {
		commit += " (modified)"
	}
	return fmt.Sprintf("airlock %s\ncommit: %s\ngo: %s\n", b.Version, commit, b.GoVersion)
}
