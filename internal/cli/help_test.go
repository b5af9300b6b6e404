// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock/internal/cli"
)

// Every command's help fits 100 columns; every command that runs shows
// examples; flags are grouped, common ones first, claims last.
func TestHelp(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Hidden || c.Name() == "completion" || c.HasParent() && c.Parent().Name() == "completion" {
			return
		}
		path := strings.Fields(c.CommandPath())[1:]
		var out, errOut bytes.Buffer
		if code := cli.Run(context.Background(), append(path, "--help"), strings.NewReader(""), &out, &errOut); code != cli.ExitOK {
			t.Errorf("%s --help: exit %d: %s", c.CommandPath(), code, errOut.String())
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if len(line) > 100 {
				t.Errorf("%s --help: a line of %d columns: %s", c.CommandPath(), len(line), line)
			}
		}
		if c.Runnable() && c.Annotations["topic"] == "" && c.Name() != "help" && !strings.Contains(out.String(), "Examples:") {
			t.Errorf("%s --help shows no examples", c.CommandPath())
		}
	}
	walk(cli.New())
	var out bytes.Buffer
	cli.Run(context.Background(), []string{"verify", "--help"}, strings.NewReader(""), &out, &out)
	help := out.String()
	order := []string{"\nFlags:", "--key stringArray", "\nPolicy flags:", "--policy", "\nTrust flags:", "\nRegistry flags:", "\nKeyless identity flags:", "--certificate-identity string", "\nCertificate claims flags:", "--certificate-github-workflow-ref string"}
	last := -1
	for _, o := range order {
		i := strings.Index(help, o)
		if i <= last {
			t.Fatalf("verify --help: expected %q after what came before:\n%s", o, help)
		}
		last = i
	}
}

// Topics explain at the terminal what the README says.
func TestHelpTopics(t *testing.T) {
	for topic, says := range map[string]string{"policy": "insecureIgnoreTlog", "trust": "SIGSTORE_ROOT_FILE"} {
		var out bytes.Buffer
		if code := cli.Run(context.Background(), []string{"help", topic}, strings.NewReader(""), &out, &out); code != cli.ExitOK || !strings.Contains(out.String(), says) {
			t.Errorf("help %s: exit %d:\n%s", topic, code, out.String())
		}
	}
}

// Shells complete flag values.
func TestCompletion(t *testing.T) {
	var out bytes.Buffer
	cli.Run(context.Background(), []string{"__complete", "verify", "x.tar", "--format", ""}, strings.NewReader(""), &out, &out)
	if !strings.Contains(out.String(), "text\njson\n") {
		t.Fatalf("--format completes to:\n%s", out.String())
	}
	out.Reset()
	cli.Run(context.Background(), []string{"__complete", "verify", "x.tar", "--key", ""}, strings.NewReader(""), &out, &out)
	if !strings.Contains(out.String(), "pub\nkey\npem\n") {
		t.Fatalf("--key completes to:\n%s", out.String())
	}
}

// key fingerprint prints sha256 of the DER public key, and refuses a
// private key.
func TestKeyFingerprint(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	run := func(args ...string) int {
		out.Reset()
		return cli.Run(context.Background(), args, strings.NewReader(""), &out, &out)
	}
	t.Setenv("AIRLOCK_PASSWORD", "pw")
	if code := run("key", "generate", "--output-key-prefix", dir+"/k"); code != 0 {
		t.Fatal(out.String())
	}
	if code := run("key", "fingerprint", dir+"/k.pub"); code != 0 || !strings.HasPrefix(out.String(), "sha256:") || len(strings.TrimSpace(out.String())) != 71 {
		t.Fatalf("exit %d: %s", code, out.String())
	}
	if code := run("key", "fingerprint", dir+"/k.key"); code != cli.ExitError || !strings.Contains(out.String(), "expected a PEM public key") {
		t.Fatalf("a private key: exit %d: %s", code, out.String())
	}
}
