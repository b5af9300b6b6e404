// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package verify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/verify"
)

type signer struct {
	key    *sign.Key
	policy policy.Signer
}

func newSigner(t *testing.T, name string) signer {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, err := sign.NewKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return signer{key, policy.Signer{Name: name, PublicKey: k.Public()}}
}

func (s signer) sign(t *testing.T, subject digest.Digest, predicateType string) []byte {
	t.Helper()
	st, err := attest.Statement(subject, predicateType, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sign.DSSE(context.Background(), st, s.key, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSignatureFailures(t *testing.T) {
	root := digest.FromString("root")
	alice, bob, mallory := newSigner(t, "alice.pub"), newSigner(t, "bob.pub"), newSigner(t, "mallory.pub")
	cosignSign := "https://sigstore.dev/cosign/sign/v1"
	one := func(b []byte) []verify.Signature { return []verify.Signature{{Source: "ref", Bundle: b}} }
	tests := []struct {
		name      string
		sigs      []verify.Signature
		policy    policy.Policy
		reason    verify.Reason
		mentioned string
	}{
		{"no signature", nil, policy.Policy{Signers: []policy.Signer{alice.policy}, InsecureIgnoreTlog: true}, verify.ReasonNoSignature, "expected a signature by alice.pub"},
		{"another key", one(mallory.sign(t, root, cosignSign)), policy.Policy{Signers: []policy.Signer{alice.policy}, InsecureIgnoreTlog: true}, verify.ReasonKeyMismatch, "found a signature by key"},
		{"another subject", one(alice.sign(t, digest.FromString("other"), cosignSign)), policy.Policy{Signers: []policy.Signer{alice.policy}, InsecureIgnoreTlog: true}, verify.ReasonSubjectMismatch, "found one over sha256:"},
		{"an attestation is not a signature", one(alice.sign(t, root, "https://slsa.dev/provenance/v1")), policy.Policy{Signers: []policy.Signer{alice.policy}, InsecureIgnoreTlog: true}, verify.ReasonSignatureInvalid, "found https://slsa.dev/provenance/v1"},
		{"garbage bundle", one([]byte(`{"mediaType":"nope"}`)), policy.Policy{Signers: []policy.Signer{alice.policy}, InsecureIgnoreTlog: true}, verify.ReasonMalformedBundle, "parse bundle"},
		{"threshold", one(alice.sign(t, root, cosignSign)), policy.Policy{Signers: []policy.Signer{alice.policy, bob.policy}, Threshold: 2, InsecureIgnoreTlog: true}, verify.ReasonThreshold, "expected 2 distinct signers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify.New().Signatures(root, tt.sigs, tt.policy)
			f, ok := verify.AsFailure(err)
			if !ok {
				t.Fatalf("expected a *Failure, got %v", err)
			}
			if f.Reason != tt.reason || !strings.Contains(f.Error(), tt.mentioned) {
				t.Fatalf("expected %s mentioning %q, got %v", tt.reason, tt.mentioned, f)
			}
		})
	}
}

func TestAnyAcceptedSignerSuffices(t *testing.T) {
	root := digest.FromString("root")
	alice, bob := newSigner(t, "alice.pub"), newSigner(t, "bob.pub")
	sigs := []verify.Signature{
		{Source: "a", Bundle: bob.sign(t, digest.FromString("other"), "https://sigstore.dev/cosign/sign/v1")},
		{Source: "b", Bundle: alice.sign(t, root, "https://sigstore.dev/cosign/sign/v1")},
	}
	res, err := verify.New().Signatures(root, sigs, policy.Policy{Signers: []policy.Signer{bob.policy, alice.policy}, InsecureIgnoreTlog: true})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Verified || !res[1].Verified || res[1].Signer != "alice.pub" {
		t.Fatalf("unexpected results %+v", res)
	}
	if res[1].TransparencyLog != "absent (offline key signature, Policy.InsecureIgnoreTlog)" {
		t.Fatalf("the report must say no log entry was checked, got %q", res[1].TransparencyLog)
	}
}

func TestEmptyPolicyIsAnError(t *testing.T) {
	_, err := verify.New().Signatures(digest.FromString("x"), nil, policy.Policy{})
	if err == nil || !strings.Contains(err.Error(), "pass --key") {
		t.Fatalf("expected the empty-policy error, got %v", err)
	}
	if _, ok := verify.AsFailure(err); ok {
		t.Fatal("an empty policy is a usage error, not a verification failure")
	}
}

// A key signature without a log entry is refused unless the policy loudly
// accepts offline signing.
func TestOfflineKeySignatureNeedsIgnoreTlog(t *testing.T) {
	root := digest.FromString("root")
	alice := newSigner(t, "alice.pub")
	sigs := []verify.Signature{{Source: "s", Bundle: alice.sign(t, root, "https://sigstore.dev/cosign/sign/v1")}}
	_, err := verify.New().Signatures(root, sigs, policy.Policy{Signers: []policy.Signer{alice.policy}})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonTlogMissing || !strings.Contains(f.Message, "Policy.InsecureIgnoreTlog") {
		t.Fatalf("expected TLOG_MISSING naming Policy.InsecureIgnoreTlog, got %v", err)
	}
}

// A required attestation needs the policy's threshold of distinct accepted
// signers, as the package's signature does: under 2-of-2, one signer's
// provenance is not enough, nor is the same signer's twice.
func TestAttestationThreshold(t *testing.T) {
	root := digest.FromString("root")
	alice, bob := newSigner(t, "alice.pub"), newSigner(t, "bob.pub")
	const provenance = "https://slsa.dev/provenance/v1"
	p := policy.Policy{Signers: []policy.Signer{alice.policy, bob.policy}, Threshold: 2, InsecureIgnoreTlog: true,
		Attestations: []policy.AttestationRule{{PredicateType: provenance}}}
	atts := func(ss ...signer) []verify.Attestation {
		var out []verify.Attestation
		for i, s := range ss {
			out = append(out, verify.Attestation{Source: string(rune('a' + i)), Bundle: s.sign(t, root, provenance)})
		}
		return out
	}
	for _, tt := range []struct {
		name    string
		signers []signer
		ok      bool
	}{
		{"one signer", []signer{alice}, false},
		{"one signer twice", []signer{alice, alice}, false},
		{"both signers", []signer{alice, bob}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify.New().Attestations(root, atts(tt.signers...), nil, p)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonThreshold || !strings.Contains(f.Message, provenance) {
				t.Fatalf("expected THRESHOLD_NOT_MET naming the predicate type, got %v", err)
			}
		})
	}
	// A rule with its own signers and threshold.
	p.Attestations[0].Signers, p.Attestations[0].Threshold = []policy.Signer{bob.policy}, 1
	if _, err := verify.New().Attestations(root, atts(bob), nil, p); err != nil {
		t.Fatalf("a per-type signer with its own threshold: %v", err)
	}
	p.Attestations[0].Threshold = 0
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "threshold") {
		t.Fatalf("a rule whose signers cannot meet the policy's threshold must be refused, got %v", err)
	}
}

// A signature statement about several digests vouches for packages nobody
// showed the signer: it is never accepted as a package signature.
func TestSignatureAboutSeveralSubjectsIsRefused(t *testing.T) {
	root, other := digest.FromString("root"), digest.FromString("other")
	alice := newSigner(t, "alice.pub")
	st := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + root.Encoded() + `"}},{"name":"b","digest":{"sha256":"` + other.Encoded() + `"}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}`)
	b, err := sign.DSSE(context.Background(), st, alice.key, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := policy.Policy{Signers: []policy.Signer{alice.policy}, InsecureIgnoreTlog: true}
	_, err = verify.New().Signatures(root, []verify.Signature{{Source: "s", Bundle: b}}, p)
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonSubjectMismatch {
		t.Fatalf("expected SUBJECT_MISMATCH, got %v", err)
	}
}
