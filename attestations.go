// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"

	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// attestations reads the signed attestations about the root whose predicate
// type want accepts, and lists the predicate types of unsigned statements.
// Only the bundles wanted are fetched.
func (s *source) attestations(ctx context.Context, want func(predicateType string) bool) ([]verify.Attestation, []string, error) {
	var atts []verify.Attestation
	var unsigned []string
	for _, ref := range s.referrers {
		switch {
		case ref.LegacyTag != "":
		case ref.ArtifactType == spec.MediaTypeInToto:
			unsigned = append(unsigned, ref.Annotations[spec.AnnotationStatementPredicateType])
		case ref.ArtifactType == spec.MediaTypeBundle:
			bundle, _, err := s.bundleOf(ctx, ref.Descriptor, func(pt string) bool { return pt != spec.PredicateTypeCosignSign && want(pt) })
			if err != nil {
				return nil, nil, fmt.Errorf("read attestation referrer: %w", err)
			}
			if bundle != nil {
				atts = append(atts, verify.Attestation{Source: ref.Digest.String(), Bundle: bundle})
			}
		}
	}
	return atts, unsigned, nil
}

// checkAttestations checks the policy's required attestations (and reports
// every attestation present), recording the outcome in res.
func checkAttestations(ctx context.Context, src *source, p policy.Policy, v *verify.Verifier, res *verify.Result) error {
	atts, unsigned, err := src.attestations(ctx, func(string) bool { return true })
	if err != nil {
		return err
	}
	results, err := v.Attestations(src.root.Digest, atts, unsigned, p)
	res.Attestations = append(res.Attestations, results...)
	if err != nil {
		return err
	}
	for _, r := range p.Attestations {
		for _, a := range results {
			if a.PredicateType == r.PredicateType && a.Verified {
				res.AddCheck("attestation", verify.StatusPassed, fmt.Sprintf("%s signed by %s (%s)", a.PredicateType, signerOf(a.SignatureResult), a.Source))
				break
			}
		}
	}
	return nil
}

func signerOf(s verify.SignatureResult) string {
	if s.Identity != "" {
		return s.Identity
	}
	return s.Signer
}

// AttestationInfo describes an attestation without verifying it.
type AttestationInfo struct {
	// PredicateType is the statement's predicate type.
	PredicateType string `json:"predicateType"`
	// Signed is false for a statement create wrote that was never signed.
	Signed bool `json:"signed"`
	// Signer is who the bundle claims signed it (a certificate's identity or a
	// key's hint), not verified.
	Signer string `json:"signer,omitempty"`
	// Created is the referrer's creation annotation.
	Created string `json:"created,omitempty"`
	// Size is the bundle's (or statement's) size in bytes.
	Size int64 `json:"size"`
	// Digest is the referrer manifest's digest.
	Digest string `json:"digest"`
}

// ListAttestations lists the attestations attached to the package at target
// without fetching the package's content or verifying anything.
func ListAttestations(ctx context.Context, target string, opts InspectOptions) ([]AttestationInfo, error) {
	src, err := openSource(ctx, target, opts.Registry)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	out := []AttestationInfo{}
	for _, ref := range src.referrers {
		info := AttestationInfo{Digest: ref.Digest.String(), Created: ref.Annotations[spec.AnnotationCreated]}
		switch {
		case ref.LegacyTag != "":
			continue
		case ref.ArtifactType == spec.MediaTypeInToto:
			m, err := src.manifest(ctx, ref.Descriptor)
			if err != nil {
				return nil, err
			}
			info.PredicateType = ref.Annotations[spec.AnnotationStatementPredicateType]
			if len(m.Layers) == 1 {
				info.Size = m.Layers[0].Size
			}
		case ref.ArtifactType == spec.MediaTypeBundle:
			bundle, pt, err := src.bundleOf(ctx, ref.Descriptor, func(pt string) bool { return pt != spec.PredicateTypeCosignSign })
			if err != nil {
				return nil, err
			}
			if bundle == nil {
				continue
			}
			info.PredicateType, info.Signed, info.Size = pt, true, int64(len(bundle))
			info.Signer = verify.ClaimedSigner(bundle)
		default:
			continue
		}
		out = append(out, info)
	}
	return out, nil
}

// VerifyAttestations verifies, at target, the attestations the policy
// requires (opts.Policy.Attestations, at least one), fetching only the
// referrers and bundles it needs: never the package's content.
func VerifyAttestations(ctx context.Context, target string, opts VerifyOptions) (*verify.Result, error) {
	res, _, err := verifyAttestations(ctx, target, opts)
	return res, err
}

// verifyAttestations is VerifyAttestations, also returning the attestations
// it fetched.
func verifyAttestations(ctx context.Context, target string, opts VerifyOptions) (*verify.Result, []verify.Attestation, error) {
	res := newResult(target)
	if err := opts.Policy.Validate(); err != nil {
		return res, nil, err
	}
	if len(opts.Policy.Attestations) == 0 {
		return res, nil, fmt.Errorf("attestation verify: pass --predicate-type (or a policy file's attestations:) to say which attestations to verify")
	}
	src, err := openSource(ctx, target, opts.Registry)
	if err != nil {
		return res, nil, finish(res, err, "package")
	}
	defer src.Close()
	res.Package = src.info()
	v, err := verifier(opts.Trust)
	if err != nil {
		return res, nil, err
	}
	wanted := map[string]bool{}
	for _, r := range opts.Policy.Attestations {
		wanted[r.PredicateType] = true
	}
	atts, unsigned, err := src.attestations(ctx, func(pt string) bool { return wanted[pt] || pt == "" })
	if err != nil {
		return res, nil, finish(res, err, "attestation")
	}
	results, err := v.Attestations(src.root.Digest, atts, unsigned, opts.Policy)
	res.Attestations = append(res.Attestations, results...)
	if err != nil {
		return res, atts, finish(res, err, "attestation")
	}
	for _, a := range results {
		if a.Verified && a.Required {
			res.AddCheck("attestation", verify.StatusPassed, fmt.Sprintf("%s signed by %s (%s)", a.PredicateType, signerOf(a.SignatureResult), a.Source))
		}
	}
	return res, atts, finish(res, nil, "")
}

// DownloadAttestation returns, from the package at target, the statement of
// a predicateType attestation that verifies under the policy (or, with raw,
// its whole bundle). It fetches only the attestations it needs.
func DownloadAttestation(ctx context.Context, target, predicateType string, raw bool, opts VerifyOptions) ([]byte, error) {
	p := opts.Policy
	p.Attestations = []policy.AttestationRule{{PredicateType: predicateType}}
	for _, r := range opts.Policy.Attestations {
		if r.PredicateType == predicateType {
			p.Attestations = []policy.AttestationRule{r}
		}
	}
	opts.Policy = p
	res, atts, err := verifyAttestations(ctx, target, opts)
	if err != nil {
		return nil, err
	}
	for _, a := range res.Attestations {
		if !a.Verified || a.PredicateType != predicateType {
			continue
		}
		for _, b := range atts {
			if b.Source == a.Source {
				if raw {
					return b.Bundle, nil
				}
				return verify.Statement(b.Bundle)
			}
		}
	}
	return nil, fmt.Errorf("attestation %s verified but its bundle is not among those fetched from %s", predicateType, target)
}
