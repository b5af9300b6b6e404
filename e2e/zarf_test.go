// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/verify"
)

// zarfEnv is the environment the zarf binary runs with: the key password
// as cosign reads it, and a cache of its own.
func zarfEnv(dir string) []string {
	return []string{"COSIGN_PASSWORD=correct horse", "HOME=" + dir, "ZARF_NO_COLOR=true"}
}

// zarfRun runs the real zarf and fails the test unless it exits with want.
func zarfRun(t *testing.T, dir string, want int, args ...string) result {
	t.Helper()
	r := run(t, dir, zarfEnv(dir), tool(t, "zarf"), append(args, "--zarf-cache", filepath.Join(dir, ".zarf-cache"))...)
	if r.code != want {
		t.Fatalf("zarf %s: expected exit %d, got %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), want, r.code, r.stdout, r.stderr)
	}
	return r
}

// zarfPackage has the real zarf create a package of files, a manifest and
// an image pulled from a loopback registry, in a fresh folder with an
// airlock key pair (team.key, team.pub), and returns the folder, the
// package's file name and the image's reference.
func zarfPackage(t *testing.T) (dir, pkg, image string) {
	t.Helper()
	dir = t.TempDir()
	reg := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, reg, "library/tiny", "1.0")
	image = reg + "/library/tiny:1.0"
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o755)
	os.WriteFile(filepath.Join(src, "hello.txt"), []byte("hello from zarf\n"), 0o644)
	os.WriteFile(filepath.Join(src, "cm.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  a: b\n"), 0o644)
	os.WriteFile(filepath.Join(src, "zarf.yaml"), []byte(fmt.Sprintf(`kind: ZarfPackageConfig
metadata:
  name: demo
  version: 1.0.0
components:
- name: app
  required: true
  files:
  - source: hello.txt
    target: /tmp/hello.txt
  manifests:
  - name: cm
    files:
    - cm.yaml
  images:
  - %s
`, image)), 0o644)
	zarfRun(t, dir, 0, "package", "create", "src", "-o", ".", "--confirm", "--skip-sbom", "-a", "amd64", "--plain-http")
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	return dir, "zarf-package-demo-amd64-1.0.0.tar.zst", image
}

// verifyJSON runs airlock verify ARGS --format json and returns the result.
func verifyJSON(t *testing.T, dir string, want int, args ...string) verify.Result {
	t.Helper()
	r := airlock(t, dir, want, append(append([]string{"verify"}, args...), "--format", "json")...)
	var res verify.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	return res
}

// Zarf verifies what airlock signed and airlock verifies what Zarf signed;
// each way of tampering with a real Zarf package is refused by both.
func TestZarfTarballsBothWays(t *testing.T) {
	dir, pkg, _ := zarfPackage(t)
	key := []string{"--key", "team.pub", "--insecure-ignore-tlog"}
	res := verifyJSON(t, dir, 3, append([]string{pkg}, key...)...)
	if res.Failure == nil || res.Failure.Reason != verify.ReasonNoSignature {
		t.Fatalf("unsigned: %+v", res.Failure)
	}
	zarfRun(t, dir, 1, "package", "verify", pkg, "--key", "team.pub")

	os.MkdirAll(filepath.Join(dir, "by-zarf"), 0o755)
	copyFile(t, filepath.Join(dir, pkg), filepath.Join(dir, "by-zarf", pkg))
	zarfRun(t, dir, 0, "package", "sign", "by-zarf/"+pkg, "--signing-key", "team.key")
	res = verifyJSON(t, dir, 0, append([]string{"by-zarf/" + pkg}, key...)...)
	if res.Package.Format != "zarf" || res.Package.Name != "demo" || res.Package.Version != "1.0.0" || res.Package.Architecture != "amd64" {
		t.Fatalf("signed by zarf: %+v", res.Package)
	}

	airlock(t, dir, 0, "sign", pkg, "--key", "team.key")
	zarfRun(t, dir, 0, "package", "verify", pkg, "--key", "team.pub")
	airlock(t, dir, 0, "verify", pkg, "--key", "team.pub", "--insecure-ignore-tlog")
	airlock(t, dir, 1, "sign", "by-zarf/"+pkg, "--key", "team.key")
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "next")
	airlock(t, dir, 0, "sign", "by-zarf/"+pkg, "--key", "next.key", "--overwrite")
	zarfRun(t, dir, 0, "package", "verify", "by-zarf/"+pkg, "--key", "next.pub")

	signed, err := airlocktest.ReadZarfFiles(filepath.Join(dir, pkg))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		tamper func(airlocktest.ZarfFiles)
		want   verify.Reason
	}{
		"component changed": {func(f airlocktest.ZarfFiles) { f["components/app.tar"][600] ^= 1 }, verify.ReasonDigestMismatch},
		"extra file":        {func(f airlocktest.ZarfFiles) { f["components/extra.tar"] = []byte("x") }, verify.ReasonMalformedPackage},
		"stripped":          {func(f airlocktest.ZarfFiles) { delete(f, "zarf.bundle.sig") }, verify.ReasonNoSignature},
		"re-checksummed":    {func(f airlocktest.ZarfFiles) { f["components/app.tar"][600] ^= 1; must(t, f.Reseal()) }, verify.ReasonSubjectMismatch},
	} {
		t.Run(name, func(t *testing.T) {
			f := airlocktest.ZarfFiles{}
			for k, v := range signed {
				f[k] = append([]byte{}, v...)
			}
			c.tamper(f)
			tampered := f.Write(t, t.TempDir(), false)
			res := verifyJSON(t, dir, 3, append([]string{tampered}, key...)...)
			if res.Failure == nil || res.Failure.Reason != c.want {
				t.Fatalf("expected %s, got %+v", c.want, res.Failure)
			}
			zarfRun(t, dir, 1, "package", "verify", tampered, "--key", "team.pub")
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Packages Zarf published are verified, signed, attested and mirrored by
// airlock, and Zarf (and cosign) still accept them afterwards.
func TestZarfPublishedOnBothKindsOfRegistry(t *testing.T) {
	dir, pkg, image := zarfPackage(t)
	cosignBin := tool(t, "cosign")
	key := []string{"--key", "team.pub", "--insecure-ignore-tlog"}
	for kind, host := range registries(t) {
		t.Run(kind, func(t *testing.T) {
			target := "oci://" + host + "/zarf/demo:1.0.0"
			zarfRun(t, dir, 0, "package", "publish", pkg, "oci://"+host+"/zarf", "--plain-http")
			res := verifyJSON(t, dir, 3, append([]string{target}, key...)...)
			if res.Failure == nil || res.Failure.Reason != verify.ReasonNoSignature {
				t.Fatalf("unsigned: %+v", res.Failure)
			}
			r := airlock(t, dir, 0, "sign", target, "--key", "team.key")
			zarfRun(t, dir, 0, "package", "verify", target, "--key", "team.pub", "--plain-http", "-a", "amd64")
			manifest := regexp.MustCompile(`root (sha256:[0-9a-f]{64})`).FindStringSubmatch(r.stdout)
			if manifest == nil {
				t.Fatalf("sign printed no root:\n%s", r.stdout)
			}
			ref := host + "/zarf/demo@" + manifest[1]
			run := func(args ...string) {
				t.Helper()
				if r := run(t, dir, nil, cosignBin, args...); r.code != 0 {
					t.Fatalf("cosign %s: %s", strings.Join(args, " "), r.stderr)
				}
			}
			run("verify", "--key", "team.pub", "--insecure-ignore-tlog", "--allow-http-registry", ref)

			airlock(t, dir, 0, "attest", target, "--provenance", "--sbom", "--key", "team.key")
			zarfRun(t, dir, 0, "package", "verify", target, "--key", "team.pub", "--plain-http", "-a", "amd64")
			run("verify-attestation", "--key", "team.pub", "--insecure-ignore-tlog", "--allow-http-registry", "--type", "slsaprovenance1", ref)
			r = airlock(t, dir, 0, "attestation", "verify", target, "--key", "team.pub", "--insecure-ignore-tlog",
				"--predicate-type", "https://slsa.dev/provenance/v1", "--predicate-type", "https://spdx.dev/Document")
			if !strings.Contains(r.stdout, "VERIFIED") {
				t.Fatalf("attestation verify:\n%s", r.stdout)
			}
			r = airlock(t, dir, 0, "attestation", "download", target, "--key", "team.pub", "--insecure-ignore-tlog", "--type", "https://spdx.dev/Document")
			if !strings.Contains(r.stdout, "components/app.tar") {
				t.Fatalf("the SBOM does not name the component:\n%s", r.stdout)
			}
			verifyJSON(t, dir, 0, append([]string{target}, key...)...)

			airlock(t, dir, 0, "mirror", target, "oci://"+host+"/inside", "--key", "team.pub", "--insecure-ignore-tlog")
			mirrored := host + "/inside/library/tiny:1.0"
			if got, want := digestOf(t, dir, mirrored), digestOf(t, dir, image); got != want {
				t.Fatalf("mirrored %s as %s, expected %s", image, got, want)
			}
		})
	}
}

// digestOf is what ref resolves to, as crane says.
func digestOf(t *testing.T, dir, ref string) string {
	t.Helper()
	r := run(t, dir, nil, tool(t, "crane"), "digest", "--insecure", ref)
	if r.code != 0 {
		t.Fatalf("crane digest %s: %s", ref, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// A Zarf tarball's images are mirrored once it verified, its attestations
// kept beside it; a tampered one pushes nothing.
func TestZarfTarballAttestAndMirror(t *testing.T) {
	dir, pkg, image := zarfPackage(t)
	airlock(t, dir, 0, "sign", pkg, "--key", "team.key")
	airlock(t, dir, 0, "attest", pkg, "--provenance", "--key", "team.key")
	if _, err := os.Stat(filepath.Join(dir, pkg+".provenance.sigstore.json")); err != nil {
		t.Fatal(err)
	}
	airlock(t, dir, 0, "attestation", "verify", pkg, "--key", "team.pub", "--insecure-ignore-tlog", "--predicate-type", "https://slsa.dev/provenance/v1")
	zarfRun(t, dir, 0, "package", "verify", pkg, "--key", "team.pub")

	dest := airlocktest.NewRegistry(t)
	airlock(t, dir, 0, "mirror", pkg, "oci://"+dest+"/inside", "--key", "team.pub", "--insecure-ignore-tlog")
	if got, want := digestOf(t, dir, dest+"/inside/library/tiny:1.0"), digestOf(t, dir, image); got != want {
		t.Fatalf("mirrored as %s, expected %s", got, want)
	}

	f, err := airlocktest.ReadZarfFiles(filepath.Join(dir, pkg))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range f {
		if strings.HasPrefix(name, "images/blobs/") && len(data) == 4096 {
			data[0] ^= 1 // the image's layer
		}
	}
	other := airlocktest.NewRegistry(t)
	airlock(t, dir, 3, "mirror", f.Write(t, t.TempDir(), false), "oci://"+other+"/inside", "--key", "team.pub", "--insecure-ignore-tlog")
	if tags := airlocktest.Tags(t, other, "inside/library/tiny"); len(tags) != 0 {
		t.Fatalf("a package that did not verify pushed %v", tags)
	}
}

// A Zarf package signed keylessly by airlock verifies, offline, under an
// identity, by airlock and by Zarf, against the same local Sigstore.
func TestZarfKeyless(t *testing.T) {
	s := sigstore(t)
	dir, pkg, _ := zarfPackage(t)
	token := s.Issuer.Token(t, "alice@example.com", nil)
	airlock(t, dir, 0, "sign", pkg, "--identity-token", token, "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot)
	id := []string{"--offline", "--trusted-root", s.TrustedRoot, "--certificate-oidc-issuer", s.Issuer.URL}
	r := airlock(t, dir, 0, append([]string{"verify", pkg, "--certificate-identity", "alice@example.com"}, id...)...)
	for _, want := range []string{"signed by alice@example.com", "transparency-log  ok", "timestamp         ok"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report lacks %q:\n%s", want, r.stdout)
		}
	}
	r = airlock(t, dir, 3, append([]string{"verify", pkg, "--certificate-identity", "mallory@example.com"}, id...)...)
	if !strings.Contains(r.stdout, "IDENTITY_MISMATCH") {
		t.Fatalf("another identity: %s", r.stdout)
	}
	zarfRun(t, dir, 0, "package", "verify", pkg, "--certificate-identity", "alice@example.com",
		"--certificate-oidc-issuer", s.Issuer.URL, "--trusted-root", s.TrustedRoot)
	zarfRun(t, dir, 1, "package", "verify", pkg, "--certificate-identity", "mallory@example.com",
		"--certificate-oidc-issuer", s.Issuer.URL, "--trusted-root", s.TrustedRoot)
}

// A package Zarf split in parts verifies from its .part000; a damaged or
// missing part is refused.
func TestZarfSplit(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o755)
	big := make([]byte, 2500<<10)
	for i := range big {
		big[i] = byte(i*7919 + i/251) // incompressible enough to need three parts of 1 MB
	}
	sum := sha256.Sum256(big)
	for i := 0; i < len(big); i += 32 {
		sum = sha256.Sum256(sum[:])
		copy(big[i:], sum[:])
	}
	os.WriteFile(filepath.Join(src, "big.bin"), big, 0o644)
	os.WriteFile(filepath.Join(src, "zarf.yaml"), []byte("kind: ZarfPackageConfig\nmetadata:\n  name: big\n  version: 1.0.0\ncomponents:\n- name: data\n  required: true\n  files:\n  - source: big.bin\n    target: /tmp/big.bin\n"), 0o644)
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	zarfRun(t, dir, 0, "package", "create", "src", "-o", ".", "--confirm", "--skip-sbom", "-a", "amd64", "--signing-key", "team.key", "--max-package-size", "1")
	first := "zarf-package-big-amd64-1.0.0.tar.zst.part000"
	for _, p := range []string{first, "zarf-package-big-amd64-1.0.0.tar.zst.part003"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Fatalf("zarf did not split the package in three: %v", err)
		}
	}
	res := verifyJSON(t, dir, 0, first, "--key", "team.pub", "--insecure-ignore-tlog")
	if res.Package.Name != "big" {
		t.Fatalf("%+v", res.Package)
	}
	part := filepath.Join(dir, "zarf-package-big-amd64-1.0.0.tar.zst.part002")
	data, _ := os.ReadFile(part)
	data[len(data)/2] ^= 1
	os.WriteFile(part, data, 0o644)
	airlock(t, dir, 3, "verify", first, "--key", "team.pub", "--insecure-ignore-tlog")
	os.Remove(part)
	airlock(t, dir, 1, "verify", first, "--key", "team.pub", "--insecure-ignore-tlog")
}

// A v1beta1 package (Zarf writes its zarf.yaml as a v1alpha1 and a
// v1beta1 document, and reads the v1beta1 one) is signed and verified
// both ways; every document stays.
func TestZarfV1beta1(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o755)
	os.WriteFile(filepath.Join(src, "hello.txt"), []byte("hello\n"), 0o644)
	reg := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, reg, "library/tiny", "1.0")
	os.WriteFile(filepath.Join(src, "zarf.yaml"), []byte("apiVersion: zarf.dev/v1beta1\nkind: ZarfPackageConfig\nmetadata:\n  name: beta\n  version: 1.0.0\ncomponents:\n- name: app\n  files:\n  - source: hello.txt\n    destination: /tmp/hello.txt\n  images:\n  - name: "+reg+"/library/tiny:1.0\n"), 0o644)
	zarfRun(t, dir, 0, "package", "create", "src", "-o", ".", "--confirm", "--skip-sbom", "-a", "amd64", "--plain-http")
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	pkg := "zarf-package-beta-amd64-1.0.0.tar.zst"
	os.MkdirAll(filepath.Join(dir, "by-zarf"), 0o755)
	copyFile(t, filepath.Join(dir, pkg), filepath.Join(dir, "by-zarf", pkg))
	airlock(t, dir, 0, "sign", pkg, "--key", "team.key")
	zarfRun(t, dir, 0, "package", "verify", pkg, "--key", "team.pub")
	airlock(t, dir, 0, "verify", pkg, "--key", "team.pub", "--insecure-ignore-tlog")
	f, err := airlocktest.ReadZarfFiles(filepath.Join(dir, pkg))
	if err != nil || !strings.Contains(string(f["zarf.yaml"]), "apiVersion: zarf.dev/v1beta1") || strings.Count(string(f["zarf.yaml"]), "signed: true") != 2 {
		t.Fatalf("%v\n%s", err, f["zarf.yaml"])
	}
	zarfRun(t, dir, 0, "package", "sign", "by-zarf/"+pkg, "--signing-key", "team.key")
	airlock(t, dir, 0, "verify", "by-zarf/"+pkg, "--key", "team.pub", "--insecure-ignore-tlog")
	dest := airlocktest.NewRegistry(t)
	airlock(t, dir, 0, "mirror", pkg, "oci://"+dest+"/inside", "--key", "team.pub", "--insecure-ignore-tlog")
	if got, want := digestOf(t, dir, dest+"/inside/library/tiny:1.0"), digestOf(t, dir, reg+"/library/tiny:1.0"); got != want {
		t.Fatalf("mirrored as %s, expected %s", got, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
