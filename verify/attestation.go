// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package verify

import (
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/policy"
)

// Attestation is a signed attestation found beside a package.
type Attestation struct {
	// Source says where it was found (its referrer manifest's digest).
	Source string
	// Bundle is the bundle's JSON.
	Bundle []byte
}

// AttestationResult is what became of one attestation.
type AttestationResult struct {
	// PredicateType is the statement's predicate type.
	PredicateType string `json:"predicateType"`
	// Required says whether the policy requires this predicate type.
	Required bool `json:"required"`
	SignatureResult
}

// Attestations verifies the attestations about subject and checks that every
// predicate type the policy requires is present, signed by an accepted
// signers (the rule's, else the policy's; as many distinct ones as its
// threshold) and about subject. unsigned lists
// the predicate types of statements present but never signed. Every
// attestation is reported; one about another subject is never counted.
// The error is a *Failure naming the first requirement not met.
func (v *Verifier) Attestations(subject digest.Digest, atts []Attestation, unsigned []string, p policy.Policy) ([]AttestationResult, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rules := map[string]policy.AttestationRule{}
	for _, r := range p.Attestations {
		rules[r.PredicateType] = r
	}
	art, err := DigestArtifact(subject)
	if err != nil {
		return nil, err
	}
	results := make([]AttestationResult, 0, len(atts))
	for _, a := range atts {
		b, err := parseBundle(a.Bundle)
		if err != nil {
			results = append(results, AttestationResult{SignatureResult: SignatureResult{Source: a.Source}.fail(ReasonMalformedBundle, err.Error())})
			continue
		}
		rule, required := rules[b.predicateType]
		pp := p
		pp.Signers = rule.Accepted(p)
		res := v.bundle(a.Source, b, art, pp)
		if b.predicateType == "" {
			res = res.fail(ReasonMalformedBundle, "expected an in-toto statement, found a message signature")
		}
		results = append(results, AttestationResult{PredicateType: b.predicateType, Required: required, SignatureResult: res})
	}
	for _, r := range p.Attestations {
		if err := requirementMet(r, results, unsigned, p, subject); err != nil {
			return results, err
		}
	}
	return results, nil
}

// requirementMet checks one required predicate type against the results:
// its threshold of distinct accepted signers signed an attestation of it
// about subject.
func requirementMet(r policy.AttestationRule, results []AttestationResult, unsigned []string, p policy.Policy, subject digest.Digest) error {
	names := signerNames(policy.Policy{Signers: r.Accepted(p)})
	var found []string
	signers := map[string]bool{}
	subjectOnly := true
	for _, res := range results {
		if res.PredicateType != r.PredicateType {
			continue
		}
		if res.Verified {
			signers[res.Signer] = true
			continue
		}
		found = append(found, res.Source+": "+res.Error)
		if res.Reason != ReasonSubjectMismatch {
			subjectOnly = false
		}
	}
	switch need := r.Required(p); {
	case len(signers) >= need:
		return nil
	case len(signers) > 0:
		return Fail(ReasonThreshold, "expected a %s attestation signed by %d distinct signers among %s, found %d", r.PredicateType, need, names, len(signers))
	case len(found) > 0 && subjectOnly:
		return Fail(ReasonPredicateSubjectMismatch, "expected a %s attestation about %s, found only attestations about another subject (%s)", r.PredicateType, subject, strings.Join(found, "; "))
	case len(found) > 0:
		return Fail(ReasonPredicateSignerMismatch, "expected a %s attestation signed by %s, found %d that do not verify for them (%s)", r.PredicateType, names, len(found), strings.Join(found, "; "))
	}
	for _, u := range unsigned {
		if u == r.PredicateType {
			return Fail(ReasonPredicateUnsigned, "expected a signed %s attestation, found it unsigned (sign it with airlock sign --statement %s)", r.PredicateType, r.PredicateType)
		}
	}
	return Fail(ReasonPredicateMissing, "expected a %s attestation signed by %s, found none", r.PredicateType, names)
}
