// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package attest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/opencontainers/go-digest"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// PredicateVSA is the SLSA Verification Summary Attestation v1.
const PredicateVSA = "https://slsa.dev/verification_summary/v1"

// SLSA build levels a verification summary can claim.
const (
	BuildLevel0 = "SLSA_BUILD_LEVEL_0"
	BuildLevel1 = "SLSA_BUILD_LEVEL_1"
)

// VSA is one verification's summary: who verified what, when, under which
// policy, from which signatures and attestations.
type VSA struct {
	// Subject is what was verified (a package root, an image); Name names
	// it (the package's name, an image's repository).
	Subject digest.Digest
	Name    string
	// VerifierID is a URI naming the verifier; Versions its components'
	// versions ({"airlock": "v1.2.0"}).
	VerifierID string
	Versions   map[string]string
	// Time is when it was verified.
	Time time.Time
	// ResourceURI is where the subject was verified, or now is.
	ResourceURI string
	// PolicyURI names the policy; PolicyDigest is its canonical form's digest.
	PolicyURI    string
	PolicyDigest digest.Digest
	// Inputs are the signatures and attestations checked, each a URI and
	// the digest of its bundle.
	Inputs []Input
	// Levels are the SLSA levels the subject verified at.
	Levels []string
	// DependencyLevels counts the subject's dependencies verified at each
	// level.
	DependencyLevels map[string]uint64
}

// Input is one signature or attestation a verification checked.
type Input struct {
	URI    string
	Digest digest.Digest
}

// vsaPredicate is the predicate as SLSA's VSA v1 specification writes it
// (the in-toto Go type lacks verifier.version).
type vsaPredicate struct {
	Verifier struct {
		ID      string            `json:"id"`
		Version map[string]string `json:"version,omitempty"`
	} `json:"verifier"`
	TimeVerified       string            `json:"timeVerified"`
	ResourceURI        string            `json:"resourceUri"`
	Policy             resourceRef       `json:"policy"`
	InputAttestations  []resourceRef     `json:"inputAttestations"`
	VerificationResult string            `json:"verificationResult"`
	VerifiedLevels     []string          `json:"verifiedLevels"`
	DependencyLevels   map[string]uint64 `json:"dependencyLevels,omitempty"`
	SLSAVersion        string            `json:"slsaVersion"`
}

type resourceRef struct {
	URI    string            `json:"uri"`
	Digest map[string]string `json:"digest"`
}

// Statement returns the summary as a signed-to-be in-toto Statement v1.
// Only a passed verification has a summary: there is no FAILED one.
func (v VSA) Statement() ([]byte, error) {
	if err := v.validate(); err != nil {
		return nil, fmt.Errorf("verification summary: %w", err)
	}
	var p vsaPredicate
	p.Verifier.ID, p.Verifier.Version = v.VerifierID, v.Versions
	p.TimeVerified = v.Time.UTC().Format(time.RFC3339)
	p.ResourceURI = v.ResourceURI
	p.Policy = resourceRef{URI: v.PolicyURI, Digest: digestMap(v.PolicyDigest)}
	p.InputAttestations = []resourceRef{}
	for _, in := range v.Inputs {
		p.InputAttestations = append(p.InputAttestations, resourceRef{URI: in.URI, Digest: digestMap(in.Digest)})
	}
	sort.Slice(p.InputAttestations, func(i, j int) bool {
		return p.InputAttestations[i].URI+p.InputAttestations[i].Digest["sha256"] < p.InputAttestations[j].URI+p.InputAttestations[j].Digest["sha256"]
	})
	p.VerificationResult = "PASSED"
	p.VerifiedLevels = append([]string{}, v.Levels...)
	p.DependencyLevels = v.DependencyLevels
	p.SLSAVersion = "1.0"
	predicate, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return statement(v.Subject, v.Name, PredicateVSA, predicate)
}

func (v VSA) validate() error {
	if _, err := url.Parse(v.VerifierID); err != nil || v.VerifierID == "" {
		return fmt.Errorf("expected a verifier id URI, found %q", v.VerifierID)
	}
	if v.Time.IsZero() || v.ResourceURI == "" || v.PolicyURI == "" {
		return errors.New("expected the time, the resource and the policy")
	}
	if err := v.PolicyDigest.Validate(); err != nil {
		return fmt.Errorf("policy digest: %w", err)
	}
	for _, in := range v.Inputs {
		if err := in.Digest.Validate(); err != nil {
			return fmt.Errorf("input %s: %w", in.URI, err)
		}
	}
	if len(v.Levels) == 0 {
		return errors.New("expected the verified levels")
	}
	return nil
}

func digestMap(d digest.Digest) map[string]string {
	return map[string]string{d.Algorithm().String(): d.Encoded()}
}

// statement is [Statement] with the subject's name.
func statement(subject digest.Digest, name, predicateType string, predicate []byte) ([]byte, error) {
	if err := subject.Validate(); err != nil {
		return nil, fmt.Errorf("statement subject: %w", err)
	}
	pred := &structpb.Struct{}
	if err := protojson.Unmarshal(predicate, pred); err != nil {
		return nil, fmt.Errorf("statement predicate: expected a JSON object: %w", err)
	}
	st := &intoto.Statement{
		Type:          intoto.StatementTypeUri,
		Subject:       []*intoto.ResourceDescriptor{{Name: name, Digest: digestMap(subject)}},
		PredicateType: predicateType,
		Predicate:     pred,
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	return protojson.Marshal(st)
}
