// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/trust"
)

// Create builds a package archive from a folder holding airlock.yaml.
func ExampleCreate() {
	out := filepath.Join(os.TempDir(), "example-create.tar")
	defer os.Remove(out)
	res, err := airlock.Create(context.Background(), "examples/hello", out, airlock.CreateOptions{
		Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), // as SOURCE_DATE_EPOCH would
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Name, res.Version)
	// Output: hello 1.0.0
}

// Create signs the package, its provenance and its SBOM in one step; a
// policy naming the public key verifies it, offline, and can bind it to the
// name and version expected.
func ExampleVerify() {
	ctx := context.Background()
	out := filepath.Join(os.TempDir(), "example-verify.tar")
	defer os.Remove(out)
	key, pair := exampleKey()
	if _, err := airlock.Create(ctx, "examples/hello", out, airlock.CreateOptions{Key: key}); err != nil {
		fmt.Println(err)
		return
	}

	team, _ := policy.KeySigner("team.pub", pair.PublicKey)
	res, err := airlock.Verify(ctx, out, airlock.VerifyOptions{
		Policy:     policy.Policy{Signers: []policy.Signer{team}, InsecureIgnoreTlog: true},
		ExpectName: "hello", MinVersion: "1.0.0",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Verified, res.Package.Name, res.Signatures[0].Signer)
	// Output: true hello team.pub
}

// Inspect lists what a package holds without verifying it.
func ExampleInspect() {
	ctx := context.Background()
	out := filepath.Join(os.TempDir(), "example-inspect.tar")
	defer os.Remove(out)
	if _, err := airlock.Create(ctx, "examples/hello", out, airlock.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	ins, err := airlock.Inspect(ctx, out, airlock.InspectOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range ins.Components {
		for _, l := range c.Layers {
			fmt.Println(c.Name, l.Title, l.Size)
		}
	}
	// Output:
	// app files/hello.txt 42
	// app manifests/deploy.yaml 278
	// app hello-0.1.0.tgz 336
}

// Sign signs an archive's root in place with a key file in cosign's format.
// Unsigned statements are shown, and signed only when named.
func ExampleSign() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example-sign-*")
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "hello.tar")
	if _, err := airlock.Create(ctx, "examples/hello", out, airlock.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	pair, _ := sign.GenerateKey([]byte("password"))
	os.WriteFile(filepath.Join(dir, "team.key"), pair.PrivateKey, 0o600)

	key, err := airlock.LoadKey(filepath.Join(dir, "team.key"), func() ([]byte, error) { return []byte("password"), nil })
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := airlock.Sign(ctx, out, key, airlock.SignOptions{
		Statements: []string{"https://slsa.dev/provenance/v1"},
		Show: func(st airlock.Statement) error {
			fmt.Println(st.PredicateType, st.Signed)
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Signature.ArtifactType, len(res.Attestations))
	// Output:
	// https://slsa.dev/provenance/v1 true
	// https://spdx.dev/Document false
	// application/vnd.dev.sigstore.bundle.v0.3+json 1
}

// Push publishes a signed archive; Pull fetches it back, verifying the
// signature before it downloads the content.
func ExamplePush() {
	ctx := context.Background()
	host, stop := airlocktest.StartRegistry()
	defer stop()
	dir, _ := os.MkdirTemp("", "example-push-*")
	defer os.RemoveAll(dir)
	archive := filepath.Join(dir, "hello.tar")
	if _, err := airlock.Create(ctx, "examples/hello", archive, airlock.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	key, pair := exampleKey()

	// Signing flags sign an unsigned package on its way out.
	pushed, err := airlock.Push(ctx, archive, "oci://"+host+"/apps/hello", airlock.PushOptions{Key: key})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("tag:", pushed.Tag, "referrers API:", pushed.ReferrersAPI)

	team, _ := policy.KeySigner("team.pub", pair.PublicKey)
	res, err := airlock.Pull(ctx, "oci://"+host+"/apps/hello:1.0.0", filepath.Join(dir, "pulled.tar"), airlock.PullOptions{
		VerifyOptions: airlock.VerifyOptions{Policy: policy.Policy{Signers: []policy.Signer{team}, InsecureIgnoreTlog: true}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("pulled:", res.Verified, res.Signatures[0].Signer)
	// Output:
	// tag: 1.0.0 referrers API: true
	// pulled: true team.pub
}

// Mirror verifies a package, then copies its images into an internal registry.
func ExampleMirror() {
	ctx := context.Background()
	upstream, stopUpstream := airlocktest.StartRegistry()
	defer stopUpstream()
	internal, stopInternal := airlocktest.StartRegistry()
	defer stopInternal()
	dir, _ := os.MkdirTemp("", "example-mirror-*")
	defer os.RemoveAll(dir)
	airlocktest.PushImage(nopT{}, upstream, "library/app", "1.0")
	os.WriteFile(filepath.Join(dir, "airlock.yaml"), []byte(`apiVersion: airlock.dev/v1alpha1
kind: Package
metadata: {name: app, version: 1.0.0}
components:
  - name: app
    images:
      - ref: `+upstream+`/library/app:1.0
`), 0o644)
	archive := filepath.Join(dir, "app.tar")
	if _, err := airlock.Create(ctx, dir, archive, airlock.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	key, pair := exampleKey()
	airlock.Sign(ctx, archive, key, airlock.SignOptions{})

	team, _ := policy.KeySigner("team.pub", pair.PublicKey)
	res, err := airlock.Mirror(ctx, archive, "oci://"+internal+"/apps", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: policy.Policy{Signers: []policy.Signer{team}, InsecureIgnoreTlog: true}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.TrimPrefix(res.Images[0].Destination, internal))
	// Output: /apps/library/app:1.0
}

// exampleKey generates a signing key and returns it with its key pair (for
// the public key), as `airlock key generate` would.
func exampleKey() (*sign.Key, *sign.KeyPair) {
	pair, _ := sign.GenerateKey(nil)
	signer, _ := sign.LoadPrivateKey(pair.PrivateKey, func() ([]byte, error) { return nil, nil })
	key, _ := sign.NewKey(signer)
	return key, pair
}

// nopT lets an Example use airlocktest helpers; any failure panics.
type nopT struct{ testing.TB }

func (nopT) Helper()                   {}
func (nopT) Fatal(args ...any)         { panic(fmt.Sprint(args...)) }
func (nopT) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

// VerifyBundle checks a file against a detached Sigstore bundle: here one
// signed keylessly on the public-good instance by a GitHub Actions workflow,
// verified offline against the embedded public-good trusted root.
func ExampleVerifyBundle() {
	workflow := policy.Signer{Name: "conformance workflow", Identity: &policy.Identity{
		Subject: policy.Match{Exact: "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"},
		Issuer:  policy.Match{Exact: "https://token.actions.githubusercontent.com"},
		Claims:  map[policy.Claim]policy.Match{policy.ClaimGitHubWorkflowRepository: {Regexp: `sigstore-conformance/.*`}},
	}}
	res, err := airlock.VerifyBundle(context.Background(), "testdata/conformance/a.txt.sigstore.json", "testdata/conformance/a.txt",
		airlock.VerifyOptions{Policy: policy.Policy{Signers: []policy.Signer{workflow}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Verified, res.Signatures[0].Issuer)
	// Output: true https://token.actions.githubusercontent.com
}

// Verify a package keylessly: who signed it (an identity from an OIDC
// issuer), checked offline against a trusted root the operator controls.
func ExampleVerify_keyless() {
	issuer, _ := os.ReadFile("testdata/keyless/issuer")
	material, err := trust.Load(trust.Options{TrustedRoots: []string{"testdata/keyless/trusted_root.json"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	release := policy.Signer{Name: "release", Identity: &policy.Identity{
		Subject: policy.Match{Exact: "release@example.com"},
		Issuer:  policy.Match{Exact: string(issuer)},
	}}
	res, err := airlock.Verify(context.Background(), "testdata/keyless/hello.tar", airlock.VerifyOptions{
		Policy:   policy.Policy{Signers: []policy.Signer{release}},
		Trust:    material,
		Registry: registry.Options{Offline: true},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Verified, res.Package.Name, res.Signatures[0].Identity)
	// Output: true hello release@example.com
}

// Attest adds a signed attestation of your own; Verify can then require it
// (no predicate type is ever assumed).
func ExampleAttest() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example-attest-*")
	defer os.RemoveAll(dir)
	pkg := filepath.Join(dir, "hello.tar")
	if _, err := airlock.Create(ctx, "examples/hello", pkg, airlock.CreateOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	key, pair := exampleKey()
	airlock.Sign(ctx, pkg, key, airlock.SignOptions{AllStatements: true}) // the package, its provenance and its SBOM
	if _, err := airlock.Attest(ctx, pkg, "https://example.com/scan/v1", []byte(`{"result":"pass"}`), key, airlock.AttestOptions{}); err != nil {
		fmt.Println(err)
		return
	}

	team, _ := policy.KeySigner("team.pub", pair.PublicKey)
	p := policy.Policy{Signers: []policy.Signer{team}, InsecureIgnoreTlog: true, Attestations: []policy.AttestationRule{
		{PredicateType: "https://slsa.dev/provenance/v1"}, {PredicateType: "https://example.com/scan/v1"},
	}}
	res, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: p})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range res.Attestations {
		fmt.Println(a.PredicateType, a.Verified)
	}
	// Output:
	// https://slsa.dev/provenance/v1 true
	// https://spdx.dev/Document true
	// https://example.com/scan/v1 true
}

// Images carry their publishers' signatures: verify: blocks are checked at
// create, the signatures travel in the package, and Verify checks them again
// offline against the policy the package recorded.
func ExampleCreate_imagePolicy() {
	ctx := context.Background()
	upstream, stop := airlocktest.StartRegistry()
	defer stop()
	dir, _ := os.MkdirTemp("", "example-images-*")
	defer os.RemoveAll(dir)
	vendorKey, vendor := exampleKey()
	img := airlocktest.PushImage(nopT{}, upstream, "vendor/app", "1.0")
	airlocktest.SignImage(nopT{}, upstream, "vendor/app", img, vendorKey)
	os.WriteFile(filepath.Join(dir, "vendor.pub"), vendor.PublicKey, 0o644)
	os.WriteFile(filepath.Join(dir, "airlock.yaml"), []byte(`apiVersion: airlock.dev/v1alpha1
kind: Package
metadata: {name: app, version: 1.0.0}
components:
  - name: app
    images:
      - ref: `+upstream+`/vendor/app:1.0
        verify:
          key: vendor.pub
          insecureIgnoreTlog: true
`), 0o644)
	pkg := filepath.Join(dir, "app.tar")
	if _, err := airlock.Create(ctx, dir, pkg, airlock.CreateOptions{NoProvenance: true, NoSBOM: true}); err != nil {
		fmt.Println(err)
		return
	}
	teamKey, team := exampleKey()
	airlock.Sign(ctx, pkg, teamKey, airlock.SignOptions{})

	teamPub, _ := policy.KeySigner("team.pub", team.PublicKey)
	res, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{
		Policy:   policy.Policy{Signers: []policy.Signer{teamPub}, InsecureIgnoreTlog: true},
		Registry: registry.Options{Offline: true},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Images[0].Verified, strings.HasSuffix(res.Images[0].Ref, "/vendor/app:1.0"))
	// Output: true true
}
