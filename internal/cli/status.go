// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
)

type statusCmd struct {
	cluster clusterFlags
	format  formatFlag
}

func newStatus() *cobra.Command {
	s := &statusCmd{}
	cmd := &cobra.Command{
		Use:   "status [--namespace NS]",
		Short: "List the packages deployed into Kubernetes: which version, verified by whom",
		Long: "List the deployment records airlock deploy left in the cluster (Secrets of type\n" +
			"airlock.dev/deployment): each package's name, version, digest, signer, namespace and time, in\n" +
			"every namespace, or in --namespace, as the cluster keeps them. `airlock verify --deployed NAME`\n" +
			"checks that the objects still carry the images recorded (with --key, that the gate signed it).",
		Example: "  airlock status\n" +
			"  airlock status -n apps --format json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return s.run(cmd) },
	}
	s.cluster.register(cmd)
	s.format.register(cmd)
	return cmd
}

func (s *statusCmd) run(cmd *cobra.Command) error {
	if err := s.format.check(); err != nil {
		return err
	}
	res, err := airlock.Status(cmd.Context(), airlock.StatusOptions{Cluster: s.cluster.options()})
	if err != nil {
		return err
	}
	if s.format.value == "json" {
		return printJSON(cmd.OutOrStdout(), res)
	}
	for _, bad := range res.Invalid {
		fmt.Fprintf(cmd.ErrOrStderr(), "airlock: %s\n", clean(bad))
	}
	if len(res.Packages) == 0 {
		fmt.Fprintln(cmd.OutOrStdout(), "No package deployed by airlock")
		return nil
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAMESPACE\tNAME\tVERSION\tDIGEST\tSIGNER (AS RECORDED)\tDEPLOYED")
	for _, p := range res.Packages {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", clean(p.Namespace), clean(p.Name), clean(p.Version), shortDigest(p.Digest), clean(p.Signer),
			p.DeployedAt.Local().Format(time.DateTime))
	}
	return tw.Flush()
}

// shortDigest is ALGORITHM:HEX with 12 hex digits, escaped.
func shortDigest(d string) string {
	algo, hex, _ := strings.Cut(d, ":")
	return clean(algo) + ":" + short(hex)
}
