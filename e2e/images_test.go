// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/verify"
)

// The motivating case: an image signed keylessly by its publisher's release
// workflow on GitHub Actions, with SLSA provenance. The package proves it
// offline inside the gap, and the internal registry gets the signatures with
// the image so cosign (as an admission controller would) verifies them there.
func TestUpstreamKeylessImageSignaturesTravel(t *testing.T) {
	cosignBin := tool(t, "cosign")
	s := sigstore(t)
	upstream := airlocktest.NewRegistry(t)
	img := airlocktest.PushImage(t, upstream, "org/images/app", "1.0", "linux/amd64", "linux/arm64")
	dir := t.TempDir()
	imageRef := upstream + "/org/images/app@" + img.Digest.String()
	token := s.GitHubToken(t, "org/images", "release.yaml", "refs/heads/main")
	if r := run(t, dir, nil, cosignBin, "sign", "--identity-token", token, "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot, "--allow-http-registry", "--yes", imageRef); r.code != 0 {
		t.Fatalf("cosign sign: %s", r.stderr)
	}
	os.WriteFile(filepath.Join(dir, "prov.json"), []byte(`{"buildDefinition":{"buildType":"https://example.com/build"},"runDetails":{"builder":{"id":"https://github.com/org/images"}}}`), 0o644)
	if r := run(t, dir, nil, cosignBin, "attest", "--identity-token", token, "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot,
		"--type", "slsaprovenance1", "--predicate", "prov.json", "--allow-http-registry", "--yes", imageRef); r.code != 0 {
		t.Fatalf("cosign attest: %s", r.stderr)
	}
	os.WriteFile(filepath.Join(dir, "sbom.json"), []byte(`{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"app","dataLicense":"CC0-1.0","documentNamespace":"https://example.com/app","creationInfo":{"created":"2026-01-01T00:00:00Z","creators":["Tool: test"]}}`), 0o644)
	if r := run(t, dir, nil, cosignBin, "attest", "--identity-token", token, "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot,
		"--type", "spdxjson", "--predicate", "sbom.json", "--allow-http-registry", "--yes", imageRef); r.code != 0 {
		t.Fatalf("cosign attest (SBOM): %s", r.stderr)
	}
	identity := "https://github.com/org/images/.github/workflows/release.yaml@refs/heads/main"
	// A claim that does not match stops create, naming the image.
	wrong := airlocktest.WritePackage(t, "- ref: "+upstream+"/org/images/app:1.0\nverify:\n"+
		"  certificateIdentity: "+identity+"\n  certificateOidcIssuer: "+s.GitHub.URL+"\n  githubWorkflowRepository: evil/images")
	r0 := airlock(t, dir, 3, "create", wrong, "-o", "wrong.tar", "--trusted-root", s.TrustedRoot)
	if !strings.Contains(r0.stderr, "IDENTITY_MISMATCH") || !strings.Contains(r0.stderr, "org/images/app:1.0") || !strings.Contains(r0.stderr, `expected githubWorkflowRepository "evil/images", found "org/images"`) {
		t.Fatalf("expected IDENTITY_MISMATCH naming the image and the claim: %s", r0.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "wrong.tar")); !os.IsNotExist(err) {
		t.Fatal("a refused create left a file")
	}
	pkg := airlocktest.WritePackage(t, "- ref: "+upstream+"/org/images/app:1.0\nverify:\n"+
		"  certificateIdentity: "+identity+"\n  certificateOidcIssuer: "+s.GitHub.URL+"\n"+
		"  githubWorkflowRepository: org/images\n  sourceRepositoryRef: refs/heads/main\n  runnerEnvironment: github-hosted\n"+
		"  predicateTypes: [https://slsa.dev/provenance/v1, https://spdx.dev/Document]")
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	airlock(t, dir, 0, "create", pkg, "-o", "hello.tar", "--trusted-root", s.TrustedRoot, "--key", "team.key")

	// Inside the gap: offline, the image is re-verified against its recorded policy.
	r := airlock(t, dir, 0, "verify", "hello.tar", "--offline", "--trusted-root", s.TrustedRoot, "--key", "team.pub", "--insecure-ignore-tlog", "--format", "json")
	var res verify.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Images) != 1 {
		t.Fatalf("expected one image in the result: %v\n%s", err, r.stdout)
	}
	if im := res.Images[0]; !im.Verified || im.Signer != identity || len(im.Attestations) != 2 {
		t.Fatalf("the image must verify with its signer and attestations: %+v", im)
	}
	// The package SBOM refers to the image's own SBOM attestation.
	r = airlock(t, dir, 0, "attestation", "download", "hello.tar", "--type", "https://spdx.dev/Document", "--key", "team.pub", "--insecure-ignore-tlog")
	if !strings.Contains(r.stdout, "upstream-sbom-attestation") {
		t.Fatalf("the package SBOM does not refer to the image's SBOM:\n%s", r.stdout)
	}

	for kind, internal := range registries(t) {
		t.Run(kind, func(t *testing.T) {
			airlock(t, dir, 0, "mirror", "hello.tar", "oci://"+internal+"/mirror", "--trusted-root", s.TrustedRoot, "--key", "team.pub", "--insecure-ignore-tlog")
			mirrored := internal + "/mirror/org/images/app:1.0"
			id := []string{"--certificate-identity", identity, "--certificate-oidc-issuer", s.GitHub.URL, "--trusted-root", s.TrustedRoot, "--allow-http-registry"}
			if r := run(t, dir, nil, cosignBin, append([]string{"verify"}, append(id, mirrored)...)...); r.code != 0 {
				t.Fatalf("cosign verify on the internal registry:\n%s", r.stderr)
			}
			if r := run(t, dir, nil, cosignBin, append([]string{"verify-attestation", "--type", "slsaprovenance1"}, append(id, mirrored)...)...); r.code != 0 {
				t.Fatalf("cosign verify-attestation on the internal registry:\n%s", r.stderr)
			}
		})
	}
}

// Key-signed images in cosign's legacy tag format keep their tags when mirrored.
func TestUpstreamLegacyKeySignaturesTravel(t *testing.T) {
	cosignBin := tool(t, "cosign")
	upstream := airlocktest.NewRegistry(t)
	img := airlocktest.PushImage(t, upstream, "vendor/app", "1.0")
	dir := t.TempDir()
	env := []string{"COSIGN_PASSWORD=vendor"}
	if r := run(t, dir, env, cosignBin, "generate-key-pair", "--output-key-prefix", "vendor"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := run(t, dir, env, cosignBin, "sign", "--key", "vendor.key", "--tlog-upload=false", "--use-signing-config=false", "--new-bundle-format=false",
		"--allow-http-registry", "--yes", upstream+"/vendor/app@"+img.Digest.String()); r.code != 0 {
		t.Fatalf("cosign sign: %s", r.stderr)
	}
	pkg := airlocktest.WritePackage(t, "- ref: "+upstream+"/vendor/app:1.0\nverify:\n  key: keys/vendor.pub\n  insecureIgnoreTlog: true")
	os.MkdirAll(filepath.Join(pkg, "keys"), 0o755)
	data, _ := os.ReadFile(filepath.Join(dir, "vendor.pub"))
	os.WriteFile(filepath.Join(pkg, "keys", "vendor.pub"), data, 0o644)
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	airlock(t, dir, 0, "create", pkg, "-o", "hello.tar", "--key", "team.key")
	for kind, internal := range registries(t) {
		t.Run(kind, func(t *testing.T) {
			airlock(t, dir, 0, "mirror", "hello.tar", "oci://"+internal+"/mirror", "--key", "team.pub", "--insecure-ignore-tlog")
			if r := run(t, dir, nil, cosignBin, "verify", "--key", "vendor.pub", "--insecure-ignore-tlog", "--allow-http-registry", internal+"/mirror/vendor/app:1.0"); r.code != 0 {
				t.Fatalf("cosign verify of the mirrored image:\n%s", r.stderr)
			}
			if got := airlocktest.Resolve(t, internal, "mirror/vendor/app", strings.Replace(img.Digest.String(), ":", "-", 1)+".sig"); got.Digest == "" {
				t.Fatal("the legacy .sig tag did not travel")
			}
		})
	}
}

// Images can come from local files, with no registry at create: an OCI
// layout folder and tar (crane pull --format oci), and docker save
// tarballs (crane pull --format tarball and legacy). They verify offline
// and mirror like pulled ones.
func TestCreateWithLocalImages(t *testing.T) {
	crane := tool(t, "crane")
	dir := t.TempDir()
	reg := airlocktest.NewRegistry(t)
	src := airlocktest.PushImage(t, reg, "team/app", "1.0")
	image := reg + "/team/app:1.0"
	pkg := filepath.Join(dir, "pkg")
	os.MkdirAll(pkg, 0o755)
	for _, args := range [][]string{
		{"pull", "--format", "oci", image, filepath.Join(pkg, "layout")},
		{"pull", "--format", "tarball", image, filepath.Join(pkg, "saved.tar")},
		{"pull", "--format", "legacy", image, filepath.Join(pkg, "legacy.tar")},
	} {
		if r := run(t, dir, nil, crane, args...); r.code != 0 {
			t.Fatalf("crane %v: %s", args, r.stderr)
		}
	}
	if r := run(t, filepath.Join(pkg, "layout"), nil, "tar", "-cf", filepath.Join(pkg, "layout.tar"), "."); r.code != 0 {
		t.Fatal(r.stderr)
	}
	def := "apiVersion: airlock.dev/v1alpha1\nkind: Package\nmetadata:\n  name: local\n  version: 1.0.0\ncomponents:\n  - name: app\n    images:\n" +
		"      - ref: registry.example.com/team/layout:1.0\n        from: layout\n" +
		"      - ref: registry.example.com/team/layout-tar:1.0\n        from: layout.tar\n" +
		"      - ref: " + image + "\n        from: saved.tar\n" +
		"      - ref: registry.example.com/team/legacy:1.0\n        from: legacy.tar\n"
	os.WriteFile(filepath.Join(pkg, "airlock.yaml"), []byte(def), 0o644)
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	airlock(t, dir, 0, "create", "pkg", "-o", "local.tar", "--offline", "--key", "team.key")
	airlock(t, dir, 0, "verify", "local.tar", "--key", "team.pub", "--insecure-ignore-tlog", "--offline")
	dest := airlocktest.NewRegistry(t)
	airlock(t, dir, 0, "mirror", "local.tar", "oci://"+dest+"/inside", "--key", "team.pub", "--insecure-ignore-tlog")
	for _, repo := range []string{"team/layout", "team/layout-tar"} {
		if got := digestOf(t, dir, dest+"/inside/"+repo+":1.0"); got != src.Digest.String() {
			t.Errorf("%s: an OCI layout keeps the image's digest: expected %s, found %s", repo, src.Digest, got)
		}
	}
	// An image made of a docker save tarball has the image's own config and
	// as many layers.
	want := manifestOf(t, dir, crane, image)
	for _, repo := range []string{"team/app", "team/legacy"} {
		got := manifestOf(t, dir, crane, dest+"/inside/"+repo+":1.0")
		if got.Config.Digest != want.Config.Digest || len(got.Layers) != len(want.Layers) {
			t.Errorf("%s: expected config %s and %d layers, found %s and %d", repo, want.Config.Digest, len(want.Layers), got.Config.Digest, len(got.Layers))
		}
	}
}

// manifestOf is ref's image manifest, as crane reads it.
func manifestOf(t *testing.T, dir, crane, ref string) ocispec.Manifest {
	t.Helper()
	r := run(t, dir, nil, crane, "manifest", "--insecure", ref)
	var m ocispec.Manifest
	if err := json.Unmarshal([]byte(r.stdout), &m); r.code != 0 || err != nil {
		t.Fatalf("crane manifest %s: %v %s", ref, err, r.stderr)
	}
	return m
}
