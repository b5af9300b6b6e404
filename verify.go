// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"io"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/trust"
	"github.com/airlock-dev/airlock/verify"
)

// VerifyOptions says what a verification requires. The zero value is not
// enough: a policy must name at least one signer, there is no silent skip.
type VerifyOptions struct {
	// Policy names the accepted signers.
	Policy policy.Policy
	// Trust is the trust material for keyless signatures and transparency
	// logs. Default: the embedded public-good trusted root.
	Trust *trust.Material
	// Registry says how registries are reached, for oci:// targets.
	Registry registry.Options
	// ImagePolicy, if set, replaces the upstream policy recorded for every image.
	ImagePolicy *policy.ImagePolicy
	// RequireImageSignatures makes an image without a recorded policy an
	// error (IMAGE_UNVERIFIED) instead of "not verified upstream".
	RequireImageSignatures bool
	// Concurrency is how many archive blobs are hashed at once. Default: GOMAXPROCS.
	Concurrency int
}

// Verify checks the package at target, an archive path or an oci:// reference:
// the root is a package, enough accepted signers signed its digest (checked
// first, before any content is read), and every blob has its stated size and
// digest (an archive's layout is checked too: nothing missing, nothing extra).
// A registry package's blobs are streamed and hashed, never stored.
//
// It always returns a Result saying what was checked. The error is a
// *verify.Failure when the package is not trustworthy under the policy,
// another error when verification could not be attempted.
func Verify(ctx context.Context, target string, opts VerifyOptions) (*verify.Result, error) {
	res := newResult(target)
	if err := opts.Policy.Validate(); err != nil {
		return res, err
	}
	src, err := openSource(ctx, target, opts.Registry)
	if err != nil {
		return res, finish(res, err, "layout")
	}
	defer src.Close()
	if check, err := checkPackage(ctx, src, opts, res); err != nil {
		return res, finish(res, err, check)
	}
	if src.archive != nil {
		g, err := src.archive.Check(ctx, archive.CheckOptions{Concurrency: opts.Concurrency})
		if err != nil {
			return res, finish(res, classify(err), "blobs")
		}
		res.AddCheck("blobs", verify.StatusPassed, fmt.Sprintf("%d blobs, %d bytes, sizes and digests match", g.Blobs, g.Bytes))
	} else {
		// Streaming the would-be archive into io.Discard fetches and hashes every blob once.
		if err := archive.Write(ctx, io.Discard, src.store, src.manifests()); err != nil {
			return res, finish(res, classify(err), "blobs")
		}
		res.AddCheck("blobs", verify.StatusPassed, "every blob fetched and hashed: sizes and digests match")
	}
	return res, finish(res, nil, "")
}

func newResult(target string) *verify.Result {
	return &verify.Result{APIVersion: verify.ResultAPIVersion, Target: target, Checks: []verify.Check{}, Signatures: []verify.SignatureResult{}, Attestations: []verify.AttestationResult{}, Images: []verify.ImageResult{}}
}

// verifySignatures checks the root's signatures against the policy and
// records the outcome in res.
func verifySignatures(ctx context.Context, src *source, p policy.Policy, v *verify.Verifier, res *verify.Result) error {
	res.Package = src.info()
	res.AddCheck("package", verify.StatusPassed, fmt.Sprintf("%s %s, root %s", res.Package.Name, res.Package.Version, res.Package.Digest))
	sigs, err := src.signatures(ctx)
	if err != nil {
		return err
	}
	results, err := v.Signatures(src.root.Digest, sigs, p)
	if results != nil {
		res.Signatures = results
	}
	if err != nil {
		return err
	}
	for _, s := range results {
		if s.Verified {
			addSignatureChecks(res, s)
			break
		}
	}
	return nil
}

// verifier returns a verifier trusting tm, or the embedded public-good root.
func verifier(tm *trust.Material) (*verify.Verifier, error) {
	if tm == nil {
		var err error
		if tm, err = trust.Load(trust.Options{}); err != nil {
			return nil, err
		}
	}
	return verify.New(verify.WithTrustedMaterial(tm)), nil
}

// addSignatureChecks records what a verified signature proved, and what was
// not checked.
func addSignatureChecks(res *verify.Result, s verify.SignatureResult) {
	who := s.Signer
	if s.Identity != "" {
		who = fmt.Sprintf("%s (issuer %s)", s.Identity, s.Issuer)
	}
	res.AddCheck("signature", verify.StatusPassed, fmt.Sprintf("signed by %s (%s)", who, s.Source))
	for _, c := range [][2]string{{"transparency-log", s.TransparencyLog}, {"timestamp", s.Timestamp}} {
		status := verify.StatusPassed
		if c[1] != "verified" {
			status = verify.StatusSkipped
		}
		res.AddCheck(c[0], status, c[1])
	}
}

// checkPackage verifies what needs none of the package's content, with one
// verifier: the root's signatures, the required attestations, and the images'
// publishers' signatures. On failure it returns the name of the failed check.
func checkPackage(ctx context.Context, src *source, opts VerifyOptions, res *verify.Result) (string, error) {
	v, err := verifier(opts.Trust)
	if err != nil {
		return "signature", err
	}
	if err := verifySignatures(ctx, src, opts.Policy, v, res); err != nil {
		return "signature", err
	}
	if err := checkAttestations(ctx, src, opts.Policy, v, res); err != nil {
		return "attestation", err
	}
	if err := checkImages(ctx, src, v, opts.ImagePolicy, opts.RequireImageSignatures, res); err != nil {
		return "images", err
	}
	return "", nil
}
