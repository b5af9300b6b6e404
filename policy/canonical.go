// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package policy

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"

	jsoncanonicalizer "github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/opencontainers/go-digest"
)

// CanonicalType names the canonical form's schema.
const CanonicalType = "https://airlock.dev/policy/v1"

// Canonical returns what the policy enforces as canonical JSON (RFC 8785):
// every signer (keys by their SPKI digest, identities by their matches
// and claims), the thresholds, the required attestations and what is
// insecurely not checked. Two policies that enforce the same thing have the
// same canonical form, whether they came from flags or a file, and its
// digest ([Policy.Digest]) is what a verification summary names.
func (p Policy) Canonical() ([]byte, error) {
	signers, err := canonicalSigners(p.Signers)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{
		"type":               CanonicalType,
		"signers":            signers,
		"threshold":          p.Required(),
		"insecureIgnoreTlog": p.InsecureIgnoreTlog,
		"insecureIgnoreSct":  p.InsecureIgnoreSCT,
	}
	var rules []any
	for _, r := range p.Attestations {
		s, err := canonicalSigners(r.Accepted(p))
		if err != nil {
			return nil, err
		}
		rules = append(rules, map[string]any{"predicateType": r.PredicateType, "signers": s, "threshold": r.Required(p)})
	}
	if rules != nil {
		sortByJSON(rules)
		doc["attestations"] = rules
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return jsoncanonicalizer.Transform(data)
}

// Digest is the sha256 of the policy's canonical form.
func (p Policy) Digest() (digest.Digest, error) {
	data, err := p.Canonical()
	if err != nil {
		return "", err
	}
	return digest.NewDigestFromBytes(digest.SHA256, sha256Sum(data)), nil
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

// canonicalSigners describes signers by what they accept, not their names,
// in a stable order (the order a policy lists them in does not matter).
func canonicalSigners(signers []Signer) ([]any, error) {
	out := []any{}
	for _, s := range signers {
		switch {
		case s.PublicKey != nil:
			id, err := KeyID(s.PublicKey)
			if err != nil {
				return nil, fmt.Errorf("signer %s: %w", s.Name, err)
			}
			out = append(out, insecurely(s, map[string]any{"keyId": id}))
		case s.Identity != nil:
			claims := map[string]any{}
			for c, m := range s.Identity.Claims {
				claims[string(c)] = canonicalMatch(m)
			}
			out = append(out, insecurely(s, map[string]any{"identity": map[string]any{
				"subject": canonicalMatch(s.Identity.Subject), "issuer": canonicalMatch(s.Identity.Issuer), "claims": claims,
			}}))
		}
	}
	sortByJSON(out)
	return out, nil
}

// insecurely adds to a signer's canonical form what is not checked for it
// alone (nothing when everything is, so older forms keep their digests).
func insecurely(s Signer, doc map[string]any) map[string]any {
	if s.InsecureIgnoreTlog {
		doc["insecureIgnoreTlog"] = true
	}
	if s.InsecureIgnoreSCT {
		doc["insecureIgnoreSct"] = true
	}
	return doc
}

func canonicalMatch(m Match) map[string]string {
	if m.Regexp != "" {
		return map[string]string{"regexp": m.Regexp}
	}
	return map[string]string{"exact": m.Exact}
}

// sortByJSON orders values by their JSON form.
func sortByJSON(values []any) {
	key := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	sort.Slice(values, func(i, j int) bool { return key(values[i]) < key(values[j]) })
}
