// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package verify checks Sigstore bundles against a policy and trust material,
// and reports the outcome as a versioned, machine-readable [Result]. It does
// no I/O: callers fetch bundles and content first, then hand the verifier
// bytes already in hand.
//
// A failure to verify is a [*Failure] with a stable [Reason]; any other error
// means verification could not be attempted.
package verify

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/spec"
)

// Signature is a signature found beside a package, with where it came from:
// a Sigstore bundle, or a signature in cosign's legacy tag format.
type Signature struct {
	// Source says where the signature was found, such as its referrer manifest's digest.
	Source string
	// Bundle is the bundle's JSON, at most spec.MaxBundleSize bytes.
	Bundle []byte
	// Legacy is set instead of Bundle for cosign's ".sig" tag format.
	Legacy *LegacySignature
}

// LegacySignature is one layer of a cosign ".sig" manifest: a "simple
// signing" payload naming the signed digest, and a signature over it.
type LegacySignature struct {
	// Payload is the layer's content (application/vnd.dev.cosign.simplesigning.v1+json).
	Payload []byte
	// Signature is the decoded "dev.cosignproject.cosign/signature" annotation.
	Signature []byte
	// HasLogEntry says whether a "dev.sigstore.cosign/bundle" annotation was present.
	HasLogEntry bool
}

// Verifier verifies signatures with the trust material it was made with. It
// holds no per-call state and is safe for concurrent use.
type Verifier struct {
	trust root.TrustedMaterial
}

// Option configures a [Verifier].
type Option func(*Verifier)

// WithTrustedMaterial gives the verifier the certificate authorities,
// transparency logs, CT logs and timestamp authorities it trusts. Without it,
// only key signatures without log entries can verify.
func WithTrustedMaterial(tm root.TrustedMaterial) Option {
	return func(v *Verifier) { v.trust = tm }
}

// New returns a Verifier.
func New(opts ...Option) *Verifier {
	v := &Verifier{}
	for _, o := range opts {
		o(v)
	}
	return v
}

// Signatures verifies the signatures over subject against the policy. It
// returns one [SignatureResult] per signature, and a *Failure when fewer
// than the policy's threshold of distinct accepted signers signed.
func (v *Verifier) Signatures(subject digest.Digest, sigs []Signature, p policy.Policy) ([]SignatureResult, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if len(sigs) == 0 {
		return nil, Fail(ReasonNoSignature, "expected a signature by %s over %s, found no signature", signerNames(p), subject)
	}
	results := make([]SignatureResult, len(sigs))
	accepted := map[string]bool{}
	for i, s := range sigs {
		if s.Legacy != nil {
			results[i] = legacy(subject, s, p)
		} else {
			results[i] = v.packageSignature(subject, s, p)
		}
		if results[i].Verified {
			accepted[results[i].Signer] = true
		}
	}
	if len(accepted) >= p.Required() {
		return results, nil
	}
	if len(accepted) > 0 {
		return results, Fail(ReasonThreshold, "expected %d distinct signers among %s, found %d", p.Required(), signerNames(p), len(accepted))
	}
	return results, worst(fmt.Sprintf("a signature by %s over %s", signerNames(p), subject), results)
}

// packageSignature verifies a bundle that must be cosign's signature statement about subject.
func (v *Verifier) packageSignature(subject digest.Digest, s Signature, p policy.Policy) SignatureResult {
	b, err := parseBundle(s.Bundle)
	if err != nil {
		return SignatureResult{Source: s.Source}.fail(ReasonMalformedBundle, err.Error())
	}
	if b.predicateType != "" && b.predicateType != spec.PredicateTypeCosignSign {
		return SignatureResult{Source: s.Source}.fail(ReasonSignatureInvalid, fmt.Sprintf("expected a statement of type %s, found %s", spec.PredicateTypeCosignSign, b.predicateType))
	}
	if b.predicateType != "" && b.subjects != 1 {
		// cosign signs one digest per signature; a signature statement
		// naming several vouches for a package nobody showed the signer.
		return SignatureResult{Source: s.Source}.fail(ReasonSubjectMismatch, fmt.Sprintf("expected a signature about %s alone, found one about %d subjects", subject, len(b.about)))
	}
	art, err := DigestArtifact(subject)
	if err != nil {
		return SignatureResult{Source: s.Source}.fail(ReasonSubjectMismatch, err.Error())
	}
	return v.bundle(s.Source, b, art, p)
}

// worst picks the failure to report when no signature verified: the most
// specific reason seen, with every signature's finding in the message.
func worst(expected string, results []SignatureResult) error {
	reason := ReasonSignatureInvalid
	var found []string
	for _, r := range results {
		found = append(found, fmt.Sprintf("%s: %s", r.Source, r.Error))
		if r.Reason != ReasonSignatureInvalid && r.Reason != "" {
			reason = r.Reason
		}
	}
	return Fail(reason, "expected %s, found %d that do not verify (%s)", expected, len(results), strings.Join(found, "; "))
}

func signerNames(p policy.Policy) string {
	names := make([]string, len(p.Signers))
	for i, s := range p.Signers {
		names[i] = s.Name
	}
	return strings.Join(names, " or ")
}

func hexBytes(d digest.Digest) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return hex.DecodeString(d.Encoded())
}
