// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
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
		{[]string{"verify"}, cli.ExitUsage, "accepts 1 arg"},
		{[]string{"sign", "x.tar"}, cli.ExitError, "no OIDC identity token"},
		{[]string{"frobnicate"}, cli.ExitUsage, "unknown command"},
		{[]string{"verfy", "x.tar"}, cli.ExitUsage, "did you mean verify?"},
		{[]string{"attestation", "lst"}, cli.ExitUsage, "did you mean list?"},
		{[]string{"verify", "x.tar", "--kee", "k.pub"}, cli.ExitUsage, "unknown flag: --kee"},
		{[]string{"verify", "x.tar", "--format", "yaml"}, cli.ExitUsage, "expected text or json"},
		{[]string{"pull", "oci://registry.example.com/x:1", "--key", "k.pub"}, cli.ExitUsage, "-o/--output is required"},
		{[]string{"version"}, cli.ExitOK, "go: go1."},
		{[]string{"--version"}, cli.ExitOK, "commit: "},
		{[]string{"--help"}, cli.ExitOK, "2 usage"},
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

// With --format json, a failure that is not a verification failure is a
// result that did not verify, on stdout, printed once.
func TestJSONOnEveryOutcome(t *testing.T) {
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), []string{"verify", "none.tar", "--key", "none.pub", "--format", "json"}, strings.NewReader(""), &out, &errOut)
	var res struct {
		Verified *bool `json:"verified"`
		Failure  struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"failure"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || code != cli.ExitError || res.Verified == nil || *res.Verified ||
		!strings.Contains(res.Failure.Message, "none.pub") || res.Failure.Reason != "" {
		t.Fatalf("exit %d, %v\nstdout: %s\nstderr: %s", code, err, out.String(), errOut.String())
	}
}
