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

// AttestationInfo describes an attestation without verifying it.
type AttestationInfo struct {
	// PredicateType is the statement's predicate type, as its referrer says.
	PredicateType string `json:"predicateType"`
	// Signed is false for a statement that was never signed.
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
	ctx = resolvingOnce(ctx)
	if zt, ok, err := openZarfTarget(ctx, target, opts.Registry); ok {
		if err != nil {
			return nil, err
		}
		return listZarfAttestations(ctx, zt)
	}
	pkg, err := Open(ctx, target, OpenOptions{Registry: opts.Registry, Base: opts.Base})
	if err != nil {
		return nil, err
	}
	defer pkg.Close()
	refs, err := pkg.refs.list(ctx, pkg.root, nil)
	if err != nil {
		return nil, err
	}
	out := []AttestationInfo{}
	for _, r := range refs {
		info := AttestationInfo{Digest: r.desc.Digest.String(), Created: r.desc.Annotations[spec.AnnotationCreated], PredicateType: r.predicateType}
		switch {
		case r.kind == kindStatement:
			info.Size = r.layers[0].Size
		case r.kind == kindBundle && r.predicateType != spec.PredicateTypeCosignSign:
			bundle, err := pkg.refs.bundle(ctx, r)
			if err != nil {
				return nil, err
			}
			info.Signed, info.Size, info.Signer = true, int64(len(bundle)), verify.ClaimedSigner(bundle)
		default:
			continue
		}
		out = append(out, info)
	}
	return out, nil
}

// VerifyAttestations verifies, at target, the package's signatures and the
// attestations the policy requires (opts.Policy.Attestations, at least one),
// each under the policy's threshold, fetching only the referrers and
// bundles it needs: never the package's content. A package whose
// signatures do not verify never has its attestations reported verified.
//
// A Zarf package is verified as [Verify] verifies it (a published one by
// its layers' digests, without downloading them), and its attestations are
// those [Attest] attaches to it.
func VerifyAttestations(ctx context.Context, target string, opts VerifyOptions) (*verify.Result, error) {
	ctx = resolvingOnce(ctx)
	if len(opts.Policy.Attestations) == 0 {
		return newResult(target), fmt.Errorf("attestation verify: name the attestations to verify (Policy.Attestations)")
	}
	if zt, ok, err := openZarfTarget(ctx, target, opts.Registry); ok {
		if err != nil {
			return newResult(target), err
		}
		res, _, err := verifyZarfAttestations(ctx, zt, target, opts)
		return res, err
	}
	pkg, h, err := verifyAttestations(ctx, target, opts)
	if pkg != nil {
		pkg.Close()
	}
	return h.Result(), err
}

// verifyAttestations is VerifyAttestations, returning the open package and
// the handle holding what verified (the package is nil on error).
func verifyAttestations(ctx context.Context, target string, opts VerifyOptions) (*Package, *Handle, error) {
	failed := &Handle{res: newResult(target)}
	if err := opts.validate(); err != nil {
		return nil, failed, err
	}
	if len(opts.Policy.Attestations) == 0 {
		return nil, failed, fmt.Errorf("attestation verify: name the attestations to verify (Policy.Attestations)")
	}
	pkg, err := Open(ctx, target, OpenOptions{Registry: opts.Registry, Base: opts.Base})
	if err != nil {
		return nil, failed, finish(failed.res, err, "package")
	}
	h := pkg.newHandle(true)
	v, err := verifier(opts.Trust)
	if err != nil {
		pkg.Close()
		return nil, h, err
	}
	wanted := map[string]bool{}
	for _, r := range opts.Policy.Attestations {
		wanted[r.PredicateType] = true
	}
	if check, err := pkg.verifyStatements(ctx, opts, v, h, func(pt string) bool { return wanted[pt] }); err != nil {
		pkg.Close()
		return nil, h, h.fail(err, check)
	}
	h.res.Verified = true
	return pkg, h, nil
}

// DownloadAttestation returns, from the package at target, the statement of
// a predicateType attestation that verified under the policy (or, with raw,
// its whole bundle), after the package's signatures verified under the same
// policy. It fetches only the attestations it needs, and returns the bytes
// it verified.
func DownloadAttestation(ctx context.Context, target, predicateType string, raw bool, opts VerifyOptions) ([]byte, error) {
	ctx = resolvingOnce(ctx)
	p := opts.Policy
	p.Attestations = []policy.AttestationRule{{PredicateType: predicateType}}
	for _, r := range opts.Policy.Attestations {
		if r.PredicateType == predicateType {
			p.Attestations = []policy.AttestationRule{r}
		}
	}
	opts.Policy = p
	if zt, ok, err := openZarfTarget(ctx, target, opts.Registry); ok {
		if err != nil {
			return nil, err
		}
		return downloadZarfAttestation(ctx, zt, target, predicateType, raw, opts)
	}
	pkg, h, err := verifyAttestations(ctx, target, opts)
	if err != nil {
		return nil, err
	}
	defer pkg.Close()
	for _, a := range h.res.Attestations {
		if !a.Verified || a.PredicateType != predicateType {
			continue
		}
		for _, r := range h.carried {
			if r.source() != a.Source {
				continue
			}
			bundle, err := pkg.refs.bundle(ctx, r)
			if err != nil || raw {
				return bundle, err
			}
			return verify.Statement(bundle)
		}
	}
	return nil, fmt.Errorf("attestation %s verified but is not among what was read from %s", predicateType, target)
}
