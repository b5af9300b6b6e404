// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock/definition"
)

func newSchema() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of airlock.yaml, for editors",
		Long: "Print the JSON Schema (draft 2020-12) of airlock.yaml. Editors with a YAML language server use it\n" +
			"for completion and checks: put `# yaml-language-server: $schema=airlock.schema.json` atop the file.",
		Example: "  airlock schema > airlock.schema.json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data, err := definition.Schema()
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), string(data))
			return nil
		},
	}
}
