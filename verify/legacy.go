// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package verify

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/opencontainers/go-digest"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/airlock-dev/airlock/policy"
)

// LegacyPayloadType is the "critical.type" of cosign's simple signing payload.
const LegacyPayloadType = "cosign container image signature"

// simpleSigning is the part of cosign's payload a verifier checks.
type simpleSigning struct {
	Critical struct {
		Image struct {
			Digest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
}

// legacy verifies a signature in cosign's tag format against each accepted
// key: the signature must verify over the payload, and the payload must name
// subject. Keyless legacy signatures are not accepted by a key policy.
func legacy(subject digest.Digest, s Signature, p policy.Policy) SignatureResult {
	res := SignatureResult{Source: s.Source, Timestamp: "absent"}
	if err := legacyTlog(s, p, p.Signers...); err != nil {
		return res.fail(err.Reason, err.Message)
	}
	var payload simpleSigning
	if err := json.Unmarshal(s.Legacy.Payload, &payload); err != nil {
		return res.fail(ReasonMalformedBundle, fmt.Sprintf("parse cosign payload: %v", err))
	}
	if payload.Critical.Type != LegacyPayloadType {
		return res.fail(ReasonSignatureInvalid, fmt.Sprintf("expected a payload of type %q, found %q", LegacyPayloadType, payload.Critical.Type))
	}
	var lastErr error
	for _, signer := range p.Signers {
		sv, err := signature.LoadDefaultVerifier(signer.PublicKey)
		if err != nil {
			lastErr = err
			continue
		}
		if err := sv.VerifySignature(bytes.NewReader(s.Legacy.Signature), bytes.NewReader(s.Legacy.Payload)); err != nil {
			lastErr = err
			continue
		}
		// The signature is good: only now is the payload's claim worth reading.
		if payload.Critical.Image.Digest != subject.String() {
			return res.fail(ReasonSubjectMismatch, fmt.Sprintf("expected a signature over %s, found one over %s", subject, payload.Critical.Image.Digest))
		}
		if err := legacyTlog(s, p, signer); err != nil {
			return res.fail(err.Reason, err.Message)
		}
		res.TransparencyLog = "absent (offline key signature, " + tlogChoice(p, signer) + ")"
		if s.Legacy.HasLogEntry {
			res.TransparencyLog = "present, not checked (legacy format, " + tlogChoice(p, signer) + ")"
		}
		res.Verified, res.Signer = true, signer.Name
		res.KeyFingerprint, _ = policy.Fingerprint(signer.PublicKey)
		return res
	}
	return res.fail(ReasonSignatureInvalid, fmt.Sprintf("expected a signature by %s, found none that verifies: %v", signerNames(p), lastErr))
}

// legacyTlog refuses a legacy signature none of signers may be accepted
// with: legacy signatures carry no log entry airlock checks.
func legacyTlog(s Signature, p policy.Policy, signers ...policy.Signer) *Failure {
	for _, signer := range signers {
		if p.IgnoresTlog(signer) {
			return nil
		}
	}
	if s.Legacy.HasLogEntry {
		return Fail(ReasonTlogUnverifiable, "expected a transparency-log entry airlock can check, found a legacy cosign log bundle it does not check (Policy.InsecureIgnoreTlog, or the signer's insecureIgnoreTlog, accepts the signature without it)")
	}
	return Fail(ReasonTlogMissing, "expected a transparency-log entry for the key signature, found none (offline key signatures need Policy.InsecureIgnoreTlog, or insecureIgnoreTlog on the signer in a policy file)")
}

// LegacyClaimsSignature reports whether payload is cosign's legacy
// signature payload naming d. Nothing is verified (see [ClaimsSignature]).
func LegacyClaimsSignature(payload []byte, d digest.Digest) bool {
	var p simpleSigning
	return json.Unmarshal(payload, &p) == nil && p.Critical.Type == LegacyPayloadType && p.Critical.Image.Digest == d.String()
}
