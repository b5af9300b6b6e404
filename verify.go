// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// VerifyOptions says what a verification requires. The zero value is not
// enough: a policy must name at least one signer, there is no silent skip.
type VerifyOptions struct {
	// Policy names the accepted signers.
	Policy policy.Policy
	// Concurrency is how many blobs are hashed at once. Default: GOMAXPROCS.
	Concurrency int
}

// Verify checks the package archive at target: the layout is well formed,
// index.json names one package root, every blob has its stated size and
// digest (each hashed once), and enough accepted signers signed the root
// digest. It always returns a Result saying what was checked. The error is
// a *verify.Failure when the package is not trustworthy under the policy,
// another error when verification could not be attempted.
func Verify(ctx context.Context, target string, opts VerifyOptions) (*verify.Result, error) {
	res := &verify.Result{APIVersion: verify.ResultAPIVersion, Target: target, Signatures: []verify.SignatureResult{}}
	if err := opts.Policy.Validate(); err != nil {
		return res, err
	}
	err := verifyArchive(ctx, target, opts, res)
	if f, ok := verify.AsFailure(err); ok {
		res.Failure = &verify.FailureInfo{Reason: f.Reason, Message: f.Message}
	}
	res.Verified = err == nil
	return res, err
}

func verifyArchive(ctx context.Context, target string, opts VerifyOptions, res *verify.Result) error {
	r, err := openArchive(target)
	if err != nil {
		res.AddCheck("layout", verify.StatusFailed, detail(err))
		return err
	}
	defer r.Close()
	res.AddCheck("layout", verify.StatusPassed, fmt.Sprintf("OCI layout with %d blobs", r.Blobs()))
	g, err := r.Check(ctx, archive.CheckOptions{Concurrency: opts.Concurrency})
	if err != nil {
		err = classify(err)
		res.AddCheck("blobs", verify.StatusFailed, detail(err))
		return err
	}
	res.Package = packageInfo(ctx, r, g.Root)
	res.AddCheck("blobs", verify.StatusPassed, fmt.Sprintf("%d blobs, %d bytes, sizes and digests match", g.Blobs, g.Bytes))
	sigs, err := signatures(ctx, r, g)
	if err != nil {
		err = classify(err)
		res.AddCheck("signature", verify.StatusFailed, detail(err))
		return err
	}
	results, err := verify.New().Signatures(g.Root.Digest, sigs, opts.Policy)
	if results != nil {
		res.Signatures = results
	}
	if err != nil {
		res.AddCheck("signature", verify.StatusFailed, detail(err))
		return err
	}
	for _, s := range results {
		if s.Verified {
			res.AddCheck("signature", verify.StatusPassed, fmt.Sprintf("signed by %s (%s)", s.Signer, s.Source))
			res.AddCheck("transparency-log", verify.StatusSkipped, s.TransparencyLog)
			break
		}
	}
	return nil
}

// packageInfo reads the root's annotations; Check has already verified it.
func packageInfo(ctx context.Context, r *archive.Reader, root ocispec.Descriptor) verify.PackageInfo {
	info := verify.PackageInfo{Digest: root.Digest.String()}
	data, err := r.ReadManifest(ctx, root)
	if err != nil {
		return info
	}
	var index ocispec.Index
	if json.Unmarshal(data, &index) == nil {
		info.Name = index.Annotations[spec.AnnotationTitle]
		info.Version = index.Annotations[spec.AnnotationVersion]
	}
	return info
}

// signatures reads the signature bundles attached to the root: referrers
// whose artifactType is a Sigstore bundle and whose predicate type is
// cosign's signature statement (attestations are other referrers).
func signatures(ctx context.Context, r *archive.Reader, g *archive.Graph) ([]verify.Signature, error) {
	var sigs []verify.Signature
	for _, ref := range g.Referrers[g.Root.Digest] {
		if ref.ArtifactType != spec.MediaTypeBundle || ref.Annotations[spec.AnnotationBundlePredicateType] != spec.PredicateTypeCosignSign {
			continue
		}
		bundle, err := readBundle(ctx, r, ref)
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, verify.Signature{Source: ref.Digest.String(), Bundle: bundle})
	}
	return sigs, nil
}

// readBundle reads the one bundle layer of a referrer manifest.
func readBundle(ctx context.Context, r *archive.Reader, ref ocispec.Descriptor) ([]byte, error) {
	data, err := r.ReadManifest(ctx, ref)
	if err != nil {
		return nil, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "referrer %s: %v", ref.Digest, err)
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != spec.MediaTypeBundle {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "referrer %s: expected one layer of type %s, found %d layers", ref.Digest, spec.MediaTypeBundle, len(m.Layers))
	}
	if m.Layers[0].Size > spec.MaxBundleSize {
		return nil, verify.Fail(verify.ReasonMalformedBundle, "referrer %s: bundle is %d bytes, more than the %d allowed", ref.Digest, m.Layers[0].Size, spec.MaxBundleSize)
	}
	return r.ReadManifest(ctx, m.Layers[0])
}

// detail is what a failed check's line says: a failure's message without
// the "verification failed" prefix the final error carries.
func detail(err error) string {
	if f, ok := verify.AsFailure(err); ok {
		return string(f.Reason) + ": " + f.Message
	}
	return err.Error()
}
