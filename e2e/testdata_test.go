// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRegenerateKeylessTestdata writes ../testdata/keyless: the example
// package signed keylessly on a local Sigstore, and that Sigstore's trusted
// root, which ExampleVerify_keyless verifies offline. It runs only with
// AIRLOCK_REGENERATE_TESTDATA=1.
func TestRegenerateKeylessTestdata(t *testing.T) {
	if os.Getenv("AIRLOCK_REGENERATE_TESTDATA") != "1" {
		t.Skip("set AIRLOCK_REGENERATE_TESTDATA=1 to regenerate ../testdata/keyless")
	}
	s := sigstore(t)
	out := filepath.Join("..", "testdata", "keyless")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	example, _ := filepath.Abs(filepath.Join("..", "examples", "hello"))
	airlock(t, dir, 0, "create", example, "-o", "hello.tar")
	token := s.Issuer.Token(t, "release@example.com", nil)
	airlock(t, dir, 0, "sign", "hello.tar", "--identity-token", token, "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot)
	for src, dst := range map[string]string{filepath.Join(dir, "hello.tar"): "hello.tar", s.TrustedRoot: "trusted_root.json"} {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(out, dst), data, 0o644)
	}
	os.WriteFile(filepath.Join(out, "issuer"), []byte(s.Issuer.URL), 0o644)
}
