// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/spec"
)

// pushLayout copies an archive's whole layout (root and referrers) into a
// registry repository as it is, and returns the root's reference by digest.
func pushLayout(t *testing.T, path, host, repository string) string {
	t.Helper()
	ctx := context.Background()
	r, err := archive.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	repo, err := remote.NewRepository(host + "/" + repository)
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	var root string
	for _, d := range r.Index().Manifests {
		if err := oras.CopyGraph(ctx, r, repo, d, oras.DefaultCopyGraphOptions); err != nil {
			t.Fatal(err)
		}
		if d.ArtifactType == spec.ArtifactTypePackage {
			root = d.Digest.String()
		}
	}
	return host + "/" + repository + "@" + root
}

// The signature airlock stores in an archive is exactly what cosign v3
// stores in a registry: pushed as it is, `cosign verify --key` accepts it.
func TestCosignVerifiesAirlockSignature(t *testing.T) {
	cosignBin := tool(t, "cosign")
	dir := signedPackage(t)
	host := airlocktest.NewRegistry(t)
	ref := pushLayout(t, filepath.Join(dir, "hello.tar"), host, "team/hello")
	r := run(t, dir, nil, cosignBin, "verify", "--key", "team.pub", "--insecure-ignore-tlog", "--allow-http-registry", ref)
	if r.code != 0 {
		t.Fatalf("cosign verify refused airlock's signature:\n%s\n%s", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, `"type":"https://sigstore.dev/cosign/sign/v1"`) {
		t.Fatalf("unexpected cosign output: %s", r.stdout)
	}
	// And with another key it refuses, so the check above is a real one.
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "other")
	if r := run(t, dir, nil, cosignBin, "verify", "--key", "other.pub", "--insecure-ignore-tlog", "--allow-http-registry", ref); r.code == 0 {
		t.Fatal("cosign accepted the signature with another key")
	}
}

// airlock signs with a key cosign generated, and cosign signs with a key
// airlock generated: the two read each other's encrypted key format.
func TestKeysInterchange(t *testing.T) {
	cosignBin := tool(t, "cosign")
	dir := t.TempDir()
	env := []string{"COSIGN_PASSWORD=correct horse"}
	if r := run(t, dir, env, cosignBin, "generate-key-pair"); r.code != 0 {
		t.Fatalf("cosign generate-key-pair: %s", r.stderr)
	}
	airlock(t, dir, 0, "create", airlocktest.WritePackage(t), "-o", "hello.tar")
	airlock(t, dir, 0, "sign", "hello.tar", "--key", "cosign.key", "--statement", "https://slsa.dev/provenance/v1")
	airlock(t, dir, 0, "verify", "hello.tar", "--key", "cosign.pub", "--insecure-ignore-tlog")

	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "airlock")
	blob := filepath.Join(dir, "hello.tar")
	r := run(t, dir, env, cosignBin, "sign-blob", "--key", "airlock.key", "--tlog-upload=false", "--use-signing-config=false", "--bundle", "blob.sigstore.json", "--yes", blob)
	if r.code != 0 {
		t.Fatalf("cosign could not sign with airlock's key:\n%s", r.stderr)
	}
	r = run(t, dir, nil, cosignBin, "verify-blob", "--key", "airlock.pub", "--insecure-ignore-tlog", "--bundle", "blob.sigstore.json", blob)
	if r.code != 0 {
		t.Fatalf("cosign verify-blob with airlock's public key:\n%s", r.stderr)
	}
}

// cosign accepts airlock's SLSA provenance with its own attestation verifier,
// and airlock's attestation commands work on the pushed package.
func TestCosignVerifiesAirlockProvenance(t *testing.T) {
	cosignBin := tool(t, "cosign")
	dir := signedPackage(t)
	host := airlocktest.NewRegistry(t)
	airlock(t, dir, 0, "push", "hello.tar", "oci://"+host+"/team/hello")
	ref := host + "/team/hello@" + rootDigest(t, dir)
	r := run(t, dir, nil, cosignBin, "verify-attestation", "--type", "slsaprovenance1", "--key", "team.pub", "--insecure-ignore-tlog", "--allow-http-registry", ref)
	if r.code != 0 {
		t.Fatalf("cosign verify-attestation refused airlock's provenance:\n%s", r.stderr)
	}
	target := "oci://" + host + "/team/hello:1.0.0"
	r = airlock(t, dir, 0, "attestation", "list", target)
	if !strings.Contains(r.stdout, "https://slsa.dev/provenance/v1") || !strings.Contains(r.stdout, "https://spdx.dev/Document") || !strings.Contains(r.stdout, "NOT VERIFIED") {
		t.Fatalf("unexpected list:\n%s", r.stdout)
	}
	airlock(t, dir, 0, "attestation", "verify", target, "--predicate-type", "https://slsa.dev/provenance/v1", "--key", "team.pub", "--insecure-ignore-tlog")
	r = airlock(t, dir, 3, "attestation", "verify", target, "--predicate-type", "https://example.com/absent", "--key", "team.pub", "--insecure-ignore-tlog")
	if !strings.Contains(r.stdout, "PREDICATE_MISSING") {
		t.Fatalf("expected PREDICATE_MISSING: %s", r.stdout)
	}
	airlock(t, dir, 0, "attestation", "download", target, "--type", "https://spdx.dev/Document", "-o", "sbom.json", "--key", "team.pub", "--insecure-ignore-tlog")
	data, _ := os.ReadFile(filepath.Join(dir, "sbom.json"))
	if !strings.Contains(string(data), `"SPDX-2.3"`) {
		t.Fatalf("the downloaded statement is not the SBOM: %s", data)
	}
	os.WriteFile(filepath.Join(dir, "scan.json"), []byte(`{"result":"pass"}`), 0o644)
	airlock(t, dir, 0, "attest", target, "--predicate", "scan.json", "--type", "https://example.com/scan/v1", "--key", "team.key")
	airlock(t, dir, 0, "verify", target, "--key", "team.pub", "--insecure-ignore-tlog", "--predicate-type", "https://example.com/scan/v1", "--predicate-type", "https://slsa.dev/provenance/v1")
}
