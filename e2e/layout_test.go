// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

// rootDigest reads the package root's digest from airlock's own report.
func rootDigest(t *testing.T, dir string) string {
	t.Helper()
	var ins struct {
		Package struct{ Digest string }
	}
	r := airlock(t, dir, 0, "inspect", "hello.tar", "--format", "json")
	if err := json.Unmarshal([]byte(r.stdout), &ins); err != nil {
		t.Fatal(err)
	}
	return ins.Package.Digest
}

// oras reads the archive as an OCI layout: the root by its version tag, and
// the signature as a referrer of the root.
func TestOrasReadsArchive(t *testing.T) {
	orasBin := tool(t, "oras")
	dir := signedPackage(t)
	root := rootDigest(t, dir)
	r := run(t, dir, nil, orasBin, "resolve", "--oci-layout", "hello.tar:1.0.0")
	if r.code != 0 || strings.TrimSpace(r.stdout) != root {
		t.Fatalf("oras resolve: expected %s, found %q (exit %d, %s)", root, r.stdout, r.code, r.stderr)
	}
	r = run(t, dir, nil, orasBin, "discover", "--oci-layout", "--format", "json", "hello.tar:1.0.0")
	if r.code != 0 || !strings.Contains(r.stdout, "application/vnd.dev.sigstore.bundle.v0.3+json") || !strings.Contains(r.stdout, "https://sigstore.dev/cosign/sign/v1") {
		t.Fatalf("oras discover does not see the signature referrer (exit %d):\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out := filepath.Join(dir, "copy")
	r = run(t, dir, nil, orasBin, "cp", "-r", "--from-oci-layout", "hello.tar:1.0.0", "--to-oci-layout", out+":1.0.0")
	if r.code != 0 {
		t.Fatalf("oras cp: %s", r.stderr)
	}
}

// skopeo reads the archive as an oci-archive and copies the whole package.
func TestSkopeoReadsArchive(t *testing.T) {
	skopeoBin := tool(t, "skopeo")
	dir := signedPackage(t)
	root := rootDigest(t, dir)
	r := run(t, dir, nil, skopeoBin, "inspect", "--raw", "oci-archive:hello.tar:1.0.0")
	if r.code != 0 || digest.FromString(r.stdout).String() != root {
		t.Fatalf("skopeo inspect: expected the root manifest %s (exit %d): %s\n%s", root, r.code, r.stdout, r.stderr)
	}
	out := filepath.Join(dir, "copy")
	r = run(t, dir, nil, skopeoBin, "copy", "--all", "oci-archive:hello.tar:1.0.0", "oci:"+out+":1.0.0")
	if r.code != 0 {
		t.Fatalf("skopeo copy: %s", r.stderr)
	}
	// skopeo 1.9 rewrites manifests as it copies (it drops artifactType), so
	// the copy is readable but not the same package: only reading is promised.
	r = run(t, dir, nil, skopeoBin, "inspect", "--raw", "oci:"+out+":1.0.0")
	if r.code != 0 || !strings.Contains(r.stdout, `"org.opencontainers.image.title":"hello"`) {
		t.Fatalf("the copy lost the package: %s", r.stdout)
	}
}
