// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock/archive"
)

func newSplit() *cobra.Command {
	var size sizeFlag
	cmd := &cobra.Command{
		Use:   "split ARCHIVE --size SIZE",
		Short: "Write an archive as parts that fit removable media (ARCHIVE.001, .002, ...)",
		Long: "Write ARCHIVE as parts of at most SIZE bytes beside it: ARCHIVE.001, ARCHIVE.002, ..., whose\n" +
			"concatenation is the archive byte for byte. Every verb reads the parts in place, given the first\n" +
			"part (or ARCHIVE's name when only the parts are there): nothing is joined on disk. The archive\n" +
			"itself is left as it is.",
		Example: "  airlock split app-1.3.0.tar --size 4480M     # DVDs\n" +
			"  airlock verify app-1.3.0.tar.001 --key team.pub",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if size.bytes == 0 {
				return fmt.Errorf("%w: split: --size is required", errUsage)
			}
			names, err := archive.Split(cmd.Context(), args[0], size.bytes)
			if err != nil {
				return err
			}
			for _, n := range names {
				fmt.Fprintln(cmd.OutOrStdout(), clean(n))
			}
			return nil
		},
	}
	cmd.Flags().Var(&size, "size", "the largest part: bytes, or with K, M, G, T (powers of 1024; KB, MB, GB, TB are powers of 1000)")
	return cmd
}

// sizeFlag is a size in bytes written as 4480M, 4.7G, 25GB or 1048576.
type sizeFlag struct{ bytes int64 }

func (f *sizeFlag) String() string {
	if f.bytes == 0 {
		return ""
	}
	return strconv.FormatInt(f.bytes, 10)
}

func (f *sizeFlag) Type() string { return "SIZE" }

func (f *sizeFlag) Set(s string) error {
	units := []struct {
		suffix string
		factor float64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1}}
	num, factor := strings.ToUpper(strings.TrimSpace(s)), 1.0
	for _, u := range units {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, factor = n, u.factor
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v <= 0 || v*factor > 1<<62 {
		return fmt.Errorf("expected a size such as 4480M, 4.7G or 25GB, found %q", s)
	}
	f.bytes = int64(v * factor)
	return nil
}

// humanBytes writes n in binary units, as the size flags read them.
func humanBytes(n int64) string {
	for _, u := range []struct {
		unit string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size {
			return fmt.Sprintf("%.1f %s", float64(n)/float64(u.size), u.unit)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
