// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package policy_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/airlock-dev/airlock/policy"
)

func TestValidate(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	one := policy.Signer{Name: "a", PublicKey: k.Public()}
	if err := (policy.Policy{}).Validate(); !errors.Is(err, policy.ErrEmpty) {
		t.Errorf("empty policy: expected ErrEmpty, got %v", err)
	}
	if err := (policy.Policy{Signers: []policy.Signer{one}, Threshold: 2}).Validate(); err == nil || !strings.Contains(err.Error(), "expected 1 to 1") {
		t.Errorf("unreachable threshold: got %v", err)
	}
	if err := (policy.Policy{Signers: []policy.Signer{{Name: "nil"}}}).Validate(); err == nil {
		t.Error("a signer without a key was accepted")
	}
	if got := (policy.Policy{Signers: []policy.Signer{one}}).Required(); got != 1 {
		t.Errorf("default threshold: expected 1, got %d", got)
	}
}

func TestKeySigner(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pemKey, _ := cryptoutils.MarshalPublicKeyToPEM(k.Public())
	s, err := policy.KeySigner("team.pub", pemKey)
	if err != nil || s.Name != "team.pub" {
		t.Fatalf("%v %+v", err, s)
	}
	weak, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	weakPEM, _ := cryptoutils.MarshalPublicKeyToPEM(weak.Public())
	if _, err := policy.KeySigner("weak.pub", weakPEM); err == nil || !strings.Contains(err.Error(), "weak.pub: expected an ECDSA key on P-256 or P-384, found P-224") {
		t.Fatalf("expected a refusal naming the file and the curve, got %v", err)
	}
	if _, err := policy.KeySigner("junk.pub", []byte("junk")); err == nil || !strings.Contains(err.Error(), "junk.pub") {
		t.Fatalf("expected an error naming the file, got %v", err)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pemKey, _ := cryptoutils.MarshalPublicKeyToPEM(k.Public())
	os.MkdirAll(filepath.Join(dir, "keys"), 0o755)
	os.WriteFile(filepath.Join(dir, "keys", "team.pub"), pemKey, 0o644)
	good := `apiVersion: airlock.dev/v1alpha1
kind: Policy
threshold: 1
signers:
  - key: keys/team.pub
  - certificateIdentityRegexp: 'https://github\.com/org/app/.*'
    certificateOidcIssuer: https://token.actions.githubusercontent.com
    githubWorkflowRepository: org/app
attestations:
  - predicateType: https://slsa.dev/provenance/v1
`
	path := filepath.Join(dir, "policy.yaml")
	os.WriteFile(path, []byte(good), 0o644)
	p, err := policy.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Signers) != 2 || p.Signers[0].PublicKey == nil || p.Signers[1].Identity == nil || len(p.Attestations) != 1 {
		t.Fatalf("unexpected policy: %+v", p)
	}
	id := p.Signers[1].Identity
	if !id.Subject.Matches("https://github.com/org/app/x") || id.Subject.Matches("xhttps://github.com/org/app/x") {
		t.Fatal("identity regexps must match whole values")
	}
	if id.Claims[policy.ClaimGitHubWorkflowRepository].Exact != "org/app" {
		t.Fatalf("claim lost: %+v", id.Claims)
	}
	tests := []struct{ name, yaml, want string }{
		{"unknown field", strings.Replace(good, "threshold: 1", "threshold: 1\ncolour: red", 1), `policy.yaml:4:1: invalid policy: unknown field "colour"`},
		{"identity without issuer", strings.Replace(good, "    certificateOidcIssuer: https://token.actions.githubusercontent.com\n", "", 1), `policy.yaml:6:30: invalid policy: signers[1]: an identity needs both`},
		{"bad regexp", strings.Replace(good, `'https://github\.com/org/app/.*'`, `'(unclosed'`, 1), `signers[1]: certificate identity: regular expression "(unclosed"`},
		{"missing key file", strings.Replace(good, "keys/team.pub", "keys/absent.pub", 1), `policy.yaml:5:8: invalid policy: signers[0]: open`},
		{"threshold too high", strings.Replace(good, "threshold: 1", "threshold: 5", 1), `policy.yaml:3:12: invalid policy: threshold: expected 1 to 2`},
		{"wrong kind", strings.Replace(good, "kind: Policy", "kind: Package", 1), `policy.yaml:2:7: invalid policy: kind: expected "Policy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.WriteFile(path, []byte(tt.yaml), 0o644)
			_, err := policy.LoadFile(path)
			if err == nil || !errors.Is(err, policy.ErrInvalidFile) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("expected %q, got %v", tt.want, err)
			}
		})
	}
}

// The canonical form names what is enforced, whatever order or source it
// came in, and changes with anything that changes what is enforced.
func TestCanonical(t *testing.T) {
	a, b := testKey(t), testKey(t)
	id := &policy.Identity{Subject: policy.Match{Exact: "alice@example.com"}, Issuer: policy.Match{Regexp: "https://.*"}}
	base := policy.Policy{Signers: []policy.Signer{{Name: "a.pub", PublicKey: a}, {Name: "b", Identity: id}},
		Attestations: []policy.AttestationRule{{PredicateType: "https://slsa.dev/provenance/v1"}}}
	reordered := policy.Policy{Signers: []policy.Signer{{Name: "renamed", Identity: id}, {Name: "other name", PublicKey: a}},
		Attestations: base.Attestations}
	d1, err := base.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if d2, _ := reordered.Digest(); d1 != d2 {
		t.Fatalf("the same policy in another order or with other names has another digest: %s, %s", d1, d2)
	}
	canonical, _ := base.Canonical()
	if !strings.HasPrefix(string(canonical), `{"attestations":[{"predicateType":"https://slsa.dev/provenance/v1","signers":[`) {
		t.Fatalf("expected sorted keys, found %s", canonical)
	}
	for name, changed := range map[string]policy.Policy{
		"another key":                   {Signers: []policy.Signer{{PublicKey: b}, {Identity: id}}, Attestations: base.Attestations},
		"threshold":                     {Signers: base.Signers, Threshold: 2, Attestations: base.Attestations},
		"no attestation":                {Signers: base.Signers},
		"tlog not checked":              {Signers: base.Signers, Attestations: base.Attestations, InsecureIgnoreTlog: true},
		"one signer's tlog not checked": {Signers: []policy.Signer{{PublicKey: a, InsecureIgnoreTlog: true}, {Identity: id}}, Attestations: base.Attestations},
		"one signer's SCT not checked":  {Signers: []policy.Signer{{PublicKey: a}, {Identity: id, InsecureIgnoreSCT: true}}, Attestations: base.Attestations},
		"regexp as exact": {Signers: []policy.Signer{{PublicKey: a}, {Identity: &policy.Identity{Subject: id.Subject,
			Issuer: policy.Match{Exact: "https://.*"}}}}, Attestations: base.Attestations},
	} {
		if d, _ := changed.Digest(); d == d1 {
			t.Errorf("%s: the digest did not change", name)
		}
	}
}

func testKey(t *testing.T) *ecdsa.PublicKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &k.PublicKey
}
