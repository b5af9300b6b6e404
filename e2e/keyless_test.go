// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airlock-dev/airlock/airlocktest"
)

// sigstore starts a real Sigstore (Fulcio, CT log, TSA, Rekor v2, an OIDC
// issuer) for the test.
func sigstore(t *testing.T) *airlocktest.Sigstore {
	t.Helper()
	return airlocktest.StartSigstore(t, airlocktest.SigstoreBinaries{
		Fulcio: tool(t, "fulcio"), CTLog: tool(t, "tesseract"), TSA: tool(t, "timestamp-server"), Rekor: tool(t, "rekor-server"),
	})
}

func TestKeylessSignAndVerifyOffline(t *testing.T) {
	s := sigstore(t)
	dir := t.TempDir()
	airlock(t, dir, 0, "create", airlocktest.WritePackage(t), "-o", "hello.tar")
	token := s.Issuer.Token(t, "alice@example.com", nil)
	r := airlock(t, dir, 0, "sign", "hello.tar", "--identity-token", token, "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot, "--all-statements")
	if !strings.Contains(r.stdout, "keyless") {
		t.Fatalf("unexpected sign output: %s", r.stdout)
	}
	id := []string{"--offline", "--trusted-root", s.TrustedRoot, "--certificate-oidc-issuer", s.Issuer.URL}
	r = airlock(t, dir, 0, append([]string{"verify", "hello.tar", "--certificate-identity", "alice@example.com",
		"--predicate-type", "https://slsa.dev/provenance/v1", "--predicate-type", "https://spdx.dev/Document"}, id...)...)
	for _, want := range []string{"signed by alice@example.com (issuer " + s.Issuer.URL, "transparency-log  ok", "timestamp         ok"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	tests := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"another identity", []string{"--certificate-identity", "mallory@example.com"}, 3, "IDENTITY_MISMATCH"},
		{"unanchored pattern is anchored", []string{"--certificate-identity-regexp", "alice@example"}, 3, "IDENTITY_MISMATCH"},
		{"anchored pattern", []string{"--certificate-identity-regexp", `alice@example\.com`}, 0, ""},
		{"the public-good root does not trust this instance", []string{"--certificate-identity", "alice@example.com", "--certificate-oidc-issuer", s.Issuer.URL}, 3, "SIGNATURE_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"verify", "hello.tar"}, tt.args...)
			if !strings.HasPrefix(tt.name, "the public-good") {
				args = append(args, id...)
			}
			r := airlock(t, dir, tt.code, args...)
			if !strings.Contains(r.stdout, tt.says) {
				t.Fatalf("expected %q in:\n%s", tt.says, r.stdout)
			}
		})
	}
	r = airlock(t, dir, 1, "verify", "hello.tar", "--certificate-identity", "alice@example.com", "--trusted-root", s.TrustedRoot)
	if !strings.Contains(r.stderr, "needs both a certificate identity and an OIDC issuer") {
		t.Fatalf("an identity without an issuer must be refused: %s", r.stderr)
	}
}

// cosign accepts airlock's keyless signature on a pushed package, and
// airlock accepts cosign's, both against the same local Sigstore.
func TestKeylessInteropWithCosign(t *testing.T) {
	cosignBin := tool(t, "cosign")
	s := sigstore(t)
	host := airlocktest.NewRegistry(t)
	dir := t.TempDir()
	airlock(t, dir, 0, "create", airlocktest.WritePackage(t), "-o", "hello.tar")
	token := s.Issuer.Token(t, "alice@example.com", nil)
	airlock(t, dir, 0, "push", "hello.tar", "oci://"+host+"/team/hello:1.0.0", "--identity-token", token, "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot)
	root := rootDigest(t, dir)
	r := run(t, dir, nil, cosignBin, "verify", "--certificate-identity", "alice@example.com", "--certificate-oidc-issuer", s.Issuer.URL,
		"--trusted-root", s.TrustedRoot, "--allow-http-registry", host+"/team/hello@"+root)
	if r.code != 0 {
		t.Fatalf("cosign verify refused airlock's keyless signature:\n%s", r.stderr)
	}

	// cosign signs keylessly; airlock verifies it, offline once pulled.
	airlock(t, dir, 0, "push", "hello.tar", "oci://"+host+"/team/cosigned:1.0.0", "--insecure")
	bob := s.Issuer.Token(t, "bob@example.com", nil)
	r = run(t, dir, nil, cosignBin, "sign", "--identity-token", bob, "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot,
		"--allow-http-registry", "--yes", host+"/team/cosigned@"+root)
	if r.code != 0 {
		t.Fatalf("cosign sign: %s", r.stderr)
	}
	id := []string{"--trusted-root", s.TrustedRoot, "--certificate-identity", "bob@example.com", "--certificate-oidc-issuer", s.Issuer.URL}
	airlock(t, dir, 0, append([]string{"verify", "oci://" + host + "/team/cosigned:1.0.0"}, id...)...)
	airlock(t, dir, 0, append([]string{"pull", "oci://" + host + "/team/cosigned:1.0.0", "-o", "cosigned.tar"}, id...)...)
	airlock(t, dir, 0, append([]string{"verify", "cosigned.tar", "--offline"}, id...)...)
}

// cosign's SIGSTORE_* variables are enough on their own to trust a
// self-hosted instance, Rekor v2 included.
func TestCosignEnvironmentVariablesAreEnough(t *testing.T) {
	s := sigstore(t)
	dir := t.TempDir()
	airlock(t, dir, 0, "create", airlocktest.WritePackage(t), "-o", "hello.tar")
	token := s.Issuer.Token(t, "alice@example.com", nil)
	airlock(t, dir, 0, "sign", "hello.tar", "--identity-token", token, "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot)
	env := []string{
		"SIGSTORE_ROOT_FILE=" + s.FulcioChain, "SIGSTORE_REKOR_PUBLIC_KEY=" + s.RekorKey,
		"SIGSTORE_CT_LOG_PUBLIC_KEY_FILE=" + s.CTKey, "SIGSTORE_TSA_CERTIFICATE_FILE=" + s.TSAChain,
	}
	args := []string{"verify", "hello.tar", "--offline", "--certificate-identity", "alice@example.com", "--certificate-oidc-issuer", s.Issuer.URL}
	r := run(t, dir, env, airlockBin, args...)
	if r.code != 0 || !strings.Contains(r.stdout, "VERIFIED") {
		t.Fatalf("expected the environment's trust to verify (exit %d):\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// Without the Rekor key the log entry cannot be checked: refused.
	r = run(t, dir, env[:1], airlockBin, append(args, "--insecure-ignore-sct")...)
	if r.code != 3 {
		t.Fatalf("expected exit 3 without the Rekor key, got %d:\n%s", r.code, r.stderr)
	}
}

// A trust root crosses the gap authenticated: TUF update on the connected
// side, export, import verified offline against the pinned root inside, then
// an offline keyless verification with no --trusted-root at all.
func TestTrustRootCrossesTheGapThroughTUF(t *testing.T) {
	s := sigstore(t)
	rootJSON, err := os.ReadFile(s.TrustedRoot)
	if err != nil {
		t.Fatal(err)
	}
	repo := airlocktest.NewTUFRepo(t, "trusted_root.json", rootJSON)
	mirror := httptest.NewServer(http.FileServer(http.Dir(repo.Dir)))
	defer mirror.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pinned-root.json"), repo.Root1, 0o644)
	outside, inside := filepath.Join(dir, "outside"), filepath.Join(dir, "inside")
	r := airlock(t, dir, 0, "trust", "update", "--tuf-mirror", mirror.URL, "--tuf-root", "pinned-root.json", "--tuf-dir", outside)
	if !strings.Contains(r.stdout, "TUF root v2") {
		t.Fatalf("unexpected update output: %s", r.stdout)
	}
	airlock(t, dir, 0, "trust", "export", "snapshot", "--tuf-dir", outside)
	airlock(t, dir, 1, "trust", "import", "snapshot", "--tuf-root", "pinned-root.json", "--tuf-dir", inside,
		"--at", repo.Expires.Add(time.Hour).Format(time.RFC3339))
	airlock(t, dir, 0, "trust", "import", "snapshot", "--tuf-root", "pinned-root.json", "--tuf-dir", inside)
	r = airlock(t, dir, 0, "trust", "show", "--tuf-dir", inside)
	if !strings.Contains(r.stdout, "tuf") || !strings.Contains(r.stdout, inside) || !strings.Contains(r.stdout, "TUF metadata expires") {
		t.Fatalf("trust show does not say the TUF root is in force:\n%s", r.stdout)
	}

	airlock(t, dir, 0, "create", airlocktest.WritePackage(t), "-o", "hello.tar")
	token := s.Issuer.Token(t, "alice@example.com", nil)
	airlock(t, dir, 0, "sign", "hello.tar", "--identity-token", token, "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot)
	airlock(t, dir, 0, "verify", "hello.tar", "--offline", "--tuf-dir", inside, "--certificate-identity", "alice@example.com", "--certificate-oidc-issuer", s.Issuer.URL)
}

// Signing finds its identity token in the environment or a file, reaches
// services named one by one (detecting Rekor's API), and verification takes
// the union of several trusted roots.
func TestKeylessServicesTokensAndTrustUnion(t *testing.T) {
	s := sigstore(t)
	dir := t.TempDir()
	airlock(t, dir, 0, "create", airlocktest.WritePackage(t), "-o", "a.tar")
	airlock(t, dir, 0, "create", airlocktest.WritePackage(t), "-o", "b.tar")
	env := []string{"SIGSTORE_ID_TOKEN=" + s.Issuer.Token(t, "alice@example.com", nil), "AIRLOCK_PASSWORD=x"}
	if r := run(t, dir, env, airlockBin, "sign", "a.tar", "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot); r.code != 0 {
		t.Fatalf("sign with SIGSTORE_ID_TOKEN: %s", r.stderr)
	}
	os.WriteFile(filepath.Join(dir, "token"), []byte(s.Issuer.Token(t, "bob@example.com", nil)+"\n"), 0o600)
	airlock(t, dir, 0, "sign", "b.tar", "--identity-token", "token", "--fulcio-url", s.FulcioURL, "--rekor-url", s.RekorURL,
		"--tsa-url", s.TSAURL+"/api/v1/timestamp", "--trusted-root", s.TrustedRoot)
	publicGood := filepath.Join(conformanceDir, "public-good", "trusted_root.json")
	union := []string{"--trusted-root", publicGood, "--trusted-root", s.TrustedRoot, "--certificate-oidc-issuer", s.Issuer.URL}
	airlock(t, dir, 0, append([]string{"verify", "a.tar", "--certificate-identity", "alice@example.com"}, union...)...)
	airlock(t, dir, 0, append([]string{"verify", "b.tar", "--certificate-identity", "bob@example.com"}, union...)...)
	r := airlock(t, dir, 1, "sign", "b.tar", "--identity-token", "not-a-jwt", "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot)
	if !strings.Contains(r.stderr, "expected a JWT") {
		t.Fatalf("a malformed token must be named: %s", r.stderr)
	}
}

// --offline refuses every connection and names what tried.
func TestOfflineRefusesTheNetwork(t *testing.T) {
	host := airlocktest.NewRegistry(t)
	dir := t.TempDir()
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	r := airlock(t, dir, 1, "verify", "oci://"+host+"/team/hello:1.0", "--offline", "--key", "team.pub")
	if !strings.Contains(r.stderr, "refusing to connect to "+host) || !strings.Contains(r.stderr, "--offline") {
		t.Fatalf("expected the refused address in the error: %s", r.stderr)
	}
}
