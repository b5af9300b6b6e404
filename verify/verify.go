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
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

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

// Verifier verifies signatures. It holds no per-call state and is safe for
// concurrent use; later releases give it trust roots for keyless signatures.
type Verifier struct{}

// New returns a Verifier.
func New() *Verifier { return &Verifier{} }

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
		results[i] = v.one(subject, s, p)
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
	return results, worst(subject, p, results)
}

// worst picks the failure to report when no signature verified: the most
// specific reason seen, with every signature's finding in the message.
func worst(subject digest.Digest, p policy.Policy, results []SignatureResult) error {
	reason := ReasonSignatureInvalid
	var found []string
	for _, r := range results {
		found = append(found, fmt.Sprintf("%s: %s", r.Source, r.Error))
		if r.Reason == ReasonSubjectMismatch || r.Reason == ReasonKeyMismatch || r.Reason == ReasonMalformedBundle {
			reason = r.Reason
		}
	}
	return Fail(reason, "expected a signature by %s over %s, found %d that do not verify (%s)", signerNames(p), subject, len(results), strings.Join(found, "; "))
}

func signerNames(p policy.Policy) string {
	names := make([]string, len(p.Signers))
	for i, s := range p.Signers {
		names[i] = s.Name
	}
	return strings.Join(names, " or ")
}

// one verifies a single bundle against each accepted signer in turn.
func (v *Verifier) one(subject digest.Digest, s Signature, p policy.Policy) SignatureResult {
	res := SignatureResult{Source: s.Source}
	if s.Legacy != nil {
		return legacy(subject, s, p)
	}
	b, stmtType, err := parseBundle(s.Bundle)
	if err != nil {
		return res.fail(ReasonMalformedBundle, err.Error())
	}
	if stmtType != "" && stmtType != spec.PredicateTypeCosignSign {
		return res.fail(ReasonSignatureInvalid, fmt.Sprintf("expected a statement of type %s, found %s", spec.PredicateTypeCosignSign, stmtType))
	}
	res.TransparencyLog, res.Timestamp = unchecked(b)
	hint := keyHint(b)
	digestBytes, err := hexBytes(subject)
	if err != nil {
		return res.fail(ReasonSubjectMismatch, err.Error())
	}
	var lastErr error
	for _, signer := range p.Signers {
		_, err := verifyWithKey(b, signer, subject.Algorithm().String(), digestBytes)
		if err == nil {
			res.Verified, res.Signer, res.Reason, res.Error = true, signer.Name, "", ""
			return res
		}
		lastErr = err
	}
	reason := ReasonSignatureInvalid
	msg := lastErr.Error()
	switch {
	case strings.Contains(msg, "no matching artifact hash") || strings.Contains(msg, "artifact digest"):
		reason = ReasonSubjectMismatch
		msg = fmt.Sprintf("expected a signature over %s, found one over another digest", subject)
	case hint != "" && !knownHint(p, hint):
		reason = ReasonKeyMismatch
		msg = fmt.Sprintf("expected a key among %s, found a signature by key %s", signerNames(p), hint)
	}
	return res.fail(reason, msg)
}

func verifyWithKey(b *bundle.Bundle, signer policy.Signer, alg string, digestBytes []byte) (*sgverify.VerificationResult, error) {
	sv, err := signature.LoadDefaultVerifier(signer.PublicKey)
	if err != nil {
		return nil, err
	}
	material := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(sv, time.Time{}, time.Time{}), nil
	})
	v, err := sgverify.NewVerifier(material, sgverify.WithNoObserverTimestamps())
	if err != nil {
		return nil, err
	}
	return v.Verify(b, sgverify.NewPolicy(sgverify.WithArtifactDigest(alg, digestBytes), sgverify.WithKey()))
}

// parseBundle parses a bounded bundle and returns its statement's predicate
// type ("" for a message signature).
func parseBundle(data []byte) (*bundle.Bundle, string, error) {
	if len(data) > spec.MaxBundleSize {
		return nil, "", fmt.Errorf("bundle is %d bytes, more than the %d allowed", len(data), spec.MaxBundleSize)
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return nil, "", fmt.Errorf("parse bundle: %w", err)
	}
	env, err := b.Envelope()
	if err != nil || env == nil {
		return &b, "", nil
	}
	if env.PayloadType != spec.MediaTypeInToto {
		return nil, "", fmt.Errorf("expected DSSE payload type %s, found %s", spec.MediaTypeInToto, env.PayloadType)
	}
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return nil, "", fmt.Errorf("decode DSSE payload: %w", err)
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, "", fmt.Errorf("parse statement: %w", err)
	}
	return &b, st.PredicateType, nil
}

// unchecked says what the key-based verifier did not check.
func unchecked(b *bundle.Bundle) (tlog, ts string) {
	tlog, ts = "absent (offline key signature)", "absent"
	if entries, err := b.TlogEntries(); err == nil && len(entries) > 0 {
		tlog = "present, not checked (key policy)"
	}
	if stamps, err := b.Timestamps(); err == nil && len(stamps) > 0 {
		ts = "present, not checked (key policy)"
	}
	return tlog, ts
}

func keyHint(b *bundle.Bundle) string {
	vc, err := b.VerificationContent()
	if err != nil || vc == nil {
		return ""
	}
	if pk := vc.PublicKey(); pk != nil {
		return pk.Hint()
	}
	return ""
}

func knownHint(p policy.Policy, hint string) bool {
	for _, s := range p.Signers {
		if h, err := policy.KeyID(s.PublicKey); err == nil && h == hint {
			return true
		}
	}
	return false
}

func hexBytes(d digest.Digest) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return hex.DecodeString(d.Encoded())
}
