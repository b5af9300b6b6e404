// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/airlock-dev/airlock/internal/cli"
)

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--help"}, cli.ExitOK, "air-gapped"},
		{[]string{"verify"}, cli.ExitError, "accepts 1 arg"},
		{[]string{"sign", "x.tar"}, cli.ExitError, "no OIDC identity token"},
		{[]string{"frobnicate"}, cli.ExitError, "unknown command"},
		{[]string{"pull", "oci://registry.example.com/x:1", "--key", "k.pub"}, cli.ExitError, "-o/--output is required"},
		{[]string{"inspect", "oci://"}, cli.ExitError, "invalid registry target"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := cli.Run(context.Background(), tt.args, strings.NewReader(""), &out, &errOut)
			if code != tt.code || !strings.Contains(out.String()+errOut.String(), tt.says) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", code, tt.code, out.String(), errOut.String())
			}
		})
	}
}
