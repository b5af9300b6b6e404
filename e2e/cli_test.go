// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/verify"
)

// signedPackage runs key generate, then create signing the package with
// its provenance and SBOM, in a fresh folder.
func signedPackage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	pkg := airlocktest.WritePackage(t)
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	airlock(t, dir, 0, "create", pkg, "-o", "hello.tar", "--key", "team.key")
	return dir
}

func TestUserJourney(t *testing.T) {
	dir := signedPackage(t)
	r := airlock(t, dir, 0, "verify", "hello.tar", "--key", "team.pub", "--insecure-ignore-tlog")
	for _, want := range []string{"VERIFIED: hello 1.0.0", "signed by team.pub", "transparency-log  skipped"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	r = airlock(t, dir, 0, "inspect", "hello.tar")
	for _, want := range []string{"files/hello.txt", "-> /opt/hello/hello.txt", "hello-0.1.0.tgz", "https://sigstore.dev/cosign/sign/v1", "NOT VERIFIED: inspect"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("inspect lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestVerifyJSON(t *testing.T) {
	dir := signedPackage(t)
	r := airlock(t, dir, 0, "verify", "hello.tar", "--key", "team.pub", "--insecure-ignore-tlog", "--format", "json")
	var res verify.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if res.APIVersion != verify.ResultAPIVersion || !res.Verified || res.Package.Name != "hello" || len(res.Checks) < 3 {
		t.Fatalf("unexpected result: %+v", res)
	}
}

func TestVerifyFailsWithExit3(t *testing.T) {
	dir := signedPackage(t)
	data, _ := os.ReadFile(filepath.Join(dir, "hello.tar"))
	data[bytes.Index(data, []byte("Hello from"))] = 'J'
	os.WriteFile(filepath.Join(dir, "tampered.tar"), data, 0o644)
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "other")
	tests := []struct {
		name   string
		args   []string
		reason verify.Reason
	}{
		{"tampered", []string{"verify", "tampered.tar", "--key", "team.pub", "--insecure-ignore-tlog"}, verify.ReasonDigestMismatch},
		{"wrong key", []string{"verify", "hello.tar", "--key", "other.pub", "--insecure-ignore-tlog"}, verify.ReasonKeyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := airlock(t, dir, 3, tt.args...)
			if !strings.Contains(r.stdout, "NOT VERIFIED: "+string(tt.reason)) || strings.Contains(r.stderr, string(tt.reason)) {
				t.Fatalf("expected %s in the report, once:\n%s\n%s", tt.reason, r.stdout, r.stderr)
			}
			r = airlock(t, dir, 3, append(tt.args, "--format", "json")...)
			var res verify.Result
			if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.Failure == nil || res.Failure.Reason != tt.reason {
				t.Fatalf("JSON must carry the reason %s: %v\n%s", tt.reason, err, r.stdout)
			}
		})
	}
	t.Run("offline key signature without --insecure-ignore-tlog", func(t *testing.T) {
		r := airlock(t, dir, 3, "verify", "hello.tar", "--key", "team.pub")
		if !strings.Contains(r.stdout, "TLOG_MISSING") || !strings.Contains(r.stdout, "--insecure-ignore-tlog") {
			t.Fatalf("expected TLOG_MISSING naming the flag: %s", r.stdout)
		}
	})
	t.Run("unsigned", func(t *testing.T) {
		airlock(t, dir, 0, "create", airlocktest.WritePackage(t), "-o", "unsigned.tar")
		r := airlock(t, dir, 3, "verify", "unsigned.tar", "--key", "team.pub", "--insecure-ignore-tlog")
		if !strings.Contains(r.stdout, "NO_SIGNATURE") || !strings.Contains(r.stdout, "expected a signature by team.pub") {
			t.Fatalf("unexpected report: %s", r.stdout)
		}
	})
}

// A command line that is wrong exits 2, saying what and where to look.
func TestUsageExits2(t *testing.T) {
	dir := signedPackage(t)
	for _, args := range [][]string{
		{"verify", "hello.tar", "--key", "team.pub", "--insecure-ignore-tlog", "--format", "yaml"},
		{"create", "."},
		{"verify"},
		{"verify", "hello.tar", "--keyy", "team.pub"},
		{"verifi", "hello.tar"},
	} {
		r := airlock(t, dir, 2, args...)
		if !strings.Contains(r.stderr, "usage") || !strings.Contains(r.stderr, "--help") {
			t.Errorf("airlock %s: %s", strings.Join(args, " "), r.stderr)
		}
	}
}

func TestCouldNotVerifyExits1(t *testing.T) {
	dir := signedPackage(t)
	tests := []struct {
		name string
		args []string
		says string
	}{
		{"no key", []string{"verify", "hello.tar"}, "pass --key"},
		{"unreadable file", []string{"verify", "absent.tar", "--key", "team.pub", "--insecure-ignore-tlog"}, "no such file"},
		{"key is not a key", []string{"verify", "hello.tar", "--key", "hello.tar"}, "expected a PEM public key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := airlock(t, dir, 1, tt.args...)
			if !strings.Contains(r.stderr, tt.says) {
				t.Fatalf("stderr does not say %q:\n%s", tt.says, r.stderr)
			}
		})
	}
}

func TestKeyPasswordSources(t *testing.T) {
	dir := signedPackage(t)
	// No password variable and no terminal: an error that says what to do.
	r := run(t, dir, []string{"AIRLOCK_PASSWORD=", "COSIGN_PASSWORD="}, airlockBin, "sign", "hello.tar", "--key", "team.key")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot decrypt") {
		t.Fatalf("an empty password must not decrypt the key: exit %d, %s", r.code, r.stderr)
	}
	env := []string{}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "AIRLOCK_PASSWORD=") && !strings.HasPrefix(e, "COSIGN_PASSWORD=") {
			env = append(env, e)
		}
	}
	r = runEnv(t, dir, env, "sign", "hello.tar", "--key", "team.key")
	if r.code != 1 || !strings.Contains(r.stderr, "set AIRLOCK_PASSWORD") {
		t.Fatalf("expected a request for a password: exit %d, %s", r.code, r.stderr)
	}
	r = runEnv(t, dir, append(env, "COSIGN_PASSWORD=correct horse"), "sign", "hello.tar", "--key", "team.key")
	if r.code != 0 {
		t.Fatalf("COSIGN_PASSWORD must be read: %s", r.stderr)
	}
}

func TestCreateFailureLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	pkg := airlocktest.WritePackage(t, "- ref: 127.0.0.1:1/none/such:1.0")
	r := airlock(t, dir, 1, "create", pkg, "-o", "out.tar")
	if !strings.Contains(r.stderr, "127.0.0.1:1/none/such:1.0") {
		t.Fatalf("the error must name the image: %s", r.stderr)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("create left files behind: %v", entries)
	}
}

// A policy file says insecureIgnoreTlog once, on its signer: no flag to
// type, and the report still says what was not checked.
func TestPolicyFileSaysInsecureIgnoreTlog(t *testing.T) {
	dir := signedPackage(t)
	os.WriteFile(filepath.Join(dir, "team.yaml"), []byte("apiVersion: airlock.dev/v1alpha1\nkind: Policy\nsigners:\n  - key: team.pub\n    insecureIgnoreTlog: true\n"), 0o644)
	r := airlock(t, dir, 0, "verify", "hello.tar", "--policy", "team.yaml")
	if !strings.Contains(r.stdout, "absent (offline key signature, the signer's insecureIgnoreTlog)") {
		t.Fatalf("the report does not say what was not checked:\n%s", r.stdout)
	}
	os.WriteFile(filepath.Join(dir, "strict.yaml"), []byte("apiVersion: airlock.dev/v1alpha1\nkind: Policy\nsigners:\n  - key: team.pub\n"), 0o644)
	r = airlock(t, dir, 3, "verify", "hello.tar", "--policy", "strict.yaml")
	if !strings.Contains(r.stdout, "TLOG_MISSING") || !strings.Contains(r.stdout, "insecureIgnoreTlog on the signer") {
		t.Fatalf("expected TLOG_MISSING saying how to accept it:\n%s", r.stdout)
	}
}

// The README's first command runs from any folder.
func TestDemoRunsFromAnywhere(t *testing.T) {
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, t.TempDir(), nil, "bash", filepath.Join(repo, "scripts", "demo.sh"))
	if r.code != 0 || !strings.Contains(r.stdout, "refused (exit 3)") {
		t.Fatalf("demo: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// Errors say what to do.
func TestErrorsSayWhatToDo(t *testing.T) {
	dir := signedPackage(t)
	pkg := airlocktest.WritePackage(t, "- ref: 127.0.0.1:1/none/such:1.0")
	os.MkdirAll(filepath.Join(dir, "out"), 0o755)
	tests := []struct {
		name string
		args []string
		env  []string
		code int
		says []string
	}{
		{"a registry reference without oci://", []string{"verify", "registry.example.com/apps/hello:1.0", "--key", "team.pub"}, nil, 1,
			[]string{"a registry package? write oci://registry.example.com/apps/hello:1.0"}},
		{"a wrong password", []string{"sign", "hello.tar", "--key", "team.key"}, []string{"AIRLOCK_PASSWORD=wrong"}, 1,
			[]string{"wrong password", "AIRLOCK_PASSWORD"}},
		{"a registry that is down", []string{"verify", "oci://127.0.0.1:1/apps/hello:1.0", "--key", "team.pub"}, nil, 1,
			[]string{"cannot reach the registry 127.0.0.1:1"}},
		{"-o a folder", []string{"create", pkg, "-o", "out"}, nil, 2, []string{"-o out is a folder", "out/app.tar"}},
		{"-o -", []string{"create", pkg, "-o", "-"}, nil, 2, []string{"not to standard output"}},
		{"an image that cannot be pulled, where the definition lists it", []string{"create", pkg, "-o", "x.tar", "--timeout", "5s"}, nil, 1,
			[]string{"airlock.yaml:", "cannot reach the registry 127.0.0.1:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := append([]string{"AIRLOCK_PASSWORD=correct horse"}, tt.env...)
			r := run(t, dir, env, airlockBin, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, expected %d: %s", r.code, tt.code, r.stderr)
			}
			for _, s := range tt.says {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr does not say %q:\n%s", s, r.stderr)
				}
			}
		})
	}
}

// extract and mirror print one JSON document, failures included, and
// say in text why they failed.
func TestOneOutcomePerCommand(t *testing.T) {
	dir := signedPackage(t)
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "other")
	dest := airlocktest.NewRegistry(t)
	for _, args := range [][]string{
		{"extract", "hello.tar", "-o", "out", "--key", "other.pub", "--insecure-ignore-tlog"},
		{"mirror", "hello.tar", "oci://" + dest + "/m", "--key", "other.pub", "--insecure-ignore-tlog"},
	} {
		r := airlock(t, dir, 3, append(args, "--format", "json")...)
		var v map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || r.stderr != "" {
			t.Errorf("%s: expected one JSON document and nothing on stderr: %v\n%s\n%s", args[0], err, r.stdout, r.stderr)
		}
		r = airlock(t, dir, 3, args...)
		if !strings.Contains(r.stdout, "NOT VERIFIED: KEY_MISMATCH") {
			t.Errorf("%s: the report does not say why:\n%s", args[0], r.stdout)
		}
	}
}
