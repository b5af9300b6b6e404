// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/trust"
)

// defaultTUFDir is the TUF store airlock keeps: $AIRLOCK_TUF_DIR, else the
// user's cache folder.
func defaultTUFDir() string {
	if d := os.Getenv("AIRLOCK_TUF_DIR"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "airlock", "tuf")
	}
	return ".airlock-tuf"
}

// tufFlags select the TUF store and the pinned root.
type tufFlags struct {
	dir, root string
}

func (f *tufFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.dir, "tuf-dir", defaultTUFDir(), "the local TUF store ($AIRLOCK_TUF_DIR)")
	cmd.Flags().StringVar(&f.root, "tuf-root", "", "pinned TUF root.json (default: the embedded public-good root)")
}

func (f *tufFlags) options() (trust.TUFOptions, error) {
	opts := trust.TUFOptions{Dir: f.dir}
	if f.root != "" {
		data, err := limited.ReadFile(f.root, trust.MaxRootSize)
		if err != nil {
			return opts, fmt.Errorf("--tuf-root: %w", err)
		}
		opts.Root = data
	}
	return opts, nil
}

func newTrust() *cobra.Command {
	cmd := &cobra.Command{Use: "trust", Short: "Show, update, export and import trust roots", Long: trustTopic,
		Example: "  airlock trust update && airlock trust export snapshot/   # connected side\n" +
			"  airlock trust import snapshot/ && airlock trust show       # inside the gap"}
	cmd.AddCommand(newTrustShow(), newTrustUpdate(), newTrustExport(), newTrustImport())
	return cmd
}

func newTrustShow() *cobra.Command {
	var roots []string
	var tuf tufFlags
	var format formatFlag
	cmd := &cobra.Command{
		Use:     "show",
		Short:   "Say which trust roots are in force, where they came from and when they expire",
		Example: "  airlock trust show\n  airlock trust show --trusted-root root.json --format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := format.check(); err != nil {
				return err
			}
			m, err := trust.Load(trust.Options{TrustedRoots: roots, TUFDir: tuf.dir, Env: os.LookupEnv})
			if err != nil {
				return err
			}
			if format.value == "json" {
				return printJSON(cmd.OutOrStdout(), m.Sources)
			}
			for _, s := range m.Sources {
				fmt.Fprintf(cmd.OutOrStdout(), "%-12s %s\n", s.Kind, s.Name)
				fmt.Fprintf(cmd.OutOrStdout(), "             valid until %s", until(s.Expires))
				if !s.MetadataExpires.IsZero() {
					fmt.Fprintf(cmd.OutOrStdout(), "; TUF metadata expires %s", s.MetadataExpires.UTC().Format(time.RFC3339))
				}
				fmt.Fprintln(cmd.OutOrStdout())
			}
			for _, w := range m.Warnings(time.Now()) {
				fmt.Fprintln(cmd.ErrOrStderr(), "WARNING:", w)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&roots, "trusted-root", nil, "trusted_root.json in force (repeatable)")
	cmd.Flags().StringVar(&tuf.dir, "tuf-dir", defaultTUFDir(), "the local TUF store")
	format.register(cmd)
	return cmd
}

func until(t time.Time) string {
	if t.IsZero() {
		return "further notice (open-ended)"
	}
	return t.UTC().Format(time.RFC3339)
}

func newTrustUpdate() *cobra.Command {
	var tuf tufFlags
	var mirror string
	var reg networkFlags
	cmd := &cobra.Command{
		Use:   "update [--tuf-mirror URL --tuf-root root.json]",
		Short: "Refresh the local TUF store from a TUF mirror (connected side)",
		Example: "  airlock trust update\n" +
			"  airlock trust update --tuf-mirror https://tuf.example.internal --tuf-root root.json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := tuf.options()
			if err != nil {
				return err
			}
			opts.Mirror = mirror
			if opts.HTTPClient, err = registry.HTTPClient(reg.options()); err != nil {
				return err
			}
			if reg.offline {
				opts.HTTPClient = registry.OfflineClient()
			}
			state, err := trust.Update(cmd.Context(), opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Updated %s: TUF root v%d (expires %s), metadata expires %s\n", opts.Dir, state.RootVersion,
				state.RootExpires.UTC().Format(time.RFC3339), state.Expires.UTC().Format(time.RFC3339))
			return nil
		},
	}
	tuf.register(cmd)
	cmd.Flags().StringVar(&mirror, "tuf-mirror", trust.PublicGoodMirror, "TUF repository URL")
	reg.register(cmd)
	return cmd
}

func newTrustExport() *cobra.Command {
	var tuf tufFlags
	cmd := &cobra.Command{
		Use:     "export DIR",
		Short:   "Write the TUF store as a snapshot folder to carry across the gap",
		Example: "  airlock trust export /media/usb/tuf-snapshot",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := tuf.options()
			if err != nil {
				return err
			}
			if err := trust.Export(opts, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Exported %s to %s\n", opts.Dir, args[0])
			return nil
		},
	}
	tuf.register(cmd)
	return cmd
}

func newTrustImport() *cobra.Command {
	var tuf tufFlags
	var at string
	cmd := &cobra.Command{
		Use:   "import DIR [--tuf-root root.json] [--at TIME]",
		Short: "Verify a TUF snapshot offline against the pinned root, then install it",
		Example: "  airlock trust import /media/usb/tuf-snapshot\n" +
			"  airlock trust import snapshot/ --at 2026-11-30T12:00:00Z   # as of when it was exported",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, err := tuf.options()
			if err != nil {
				return err
			}
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return fmt.Errorf("%w: --at: expected an RFC 3339 time, found %q", errUsage, at)
				}
				opts.Now = func() time.Time { return t }
			}
			state, err := trust.Import(args[0], opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Imported %s into %s: TUF root v%d, metadata expires %s\n", args[0], opts.Dir, state.RootVersion, state.Expires.UTC().Format(time.RFC3339))
			return nil
		},
	}
	tuf.register(cmd)
	cmd.Flags().StringVar(&at, "at", "", "verify as of this time (RFC 3339) instead of now")
	return cmd
}
