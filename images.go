// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
	"oras.land/oras-go/v2"
	orasregistry "oras.land/oras-go/v2/registry"

	"github.com/airlock-dev/airlock/build"
	"github.com/airlock-dev/airlock/definition"
	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/internal/yamlfile"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// recordedPolicy turns an image's verify: block into the policy the package
// records: key files inlined as PEM, so it verifies offline.
func recordedPolicy(dir string, v *definition.ImageVerify) (*policy.ImagePolicy, error) {
	signer := v.SignerSpec
	if signer.Key != "" {
		path, err := definition.Resolve(dir, signer.Key)
		if err != nil {
			return nil, err
		}
		pemData, err := limited.ReadFile(path, policy.MaxFileSize)
		if err != nil {
			return nil, err
		}
		signer.Key, signer.PublicKey = "", string(pemData)
	}
	ip := &policy.ImagePolicy{Signers: []policy.SignerSpec{signer}, PredicateTypes: v.PredicateTypes, InsecureIgnoreTlog: v.InsecureIgnoreTlog}
	if _, err := ip.Policy(dir); err != nil {
		return nil, err
	}
	return ip, nil
}

// imageAnnotations records each image's upstream policy on its descriptor.
func imageAnnotations(dir string, pkg *definition.Package) func(definition.Image) (map[string]string, error) {
	return func(img definition.Image) (map[string]string, error) {
		v := pkg.ImagePolicyOf(img)
		if v == nil {
			return nil, nil
		}
		ip, err := recordedPolicy(dir, v)
		if err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		data, err := json.Marshal(ip)
		if err != nil {
			return nil, err
		}
		return map[string]string{spec.AnnotationImagePolicy: string(data)}, nil
	}
}

// imagePolicyOf reads the policy recorded on an image descriptor, or the override.
func imagePolicyOf(img ocispec.Descriptor, override *policy.ImagePolicy) (*policy.ImagePolicy, error) {
	if override != nil {
		return override, nil
	}
	data, ok := img.Annotations[spec.AnnotationImagePolicy]
	if !ok {
		return nil, nil
	}
	var ip policy.ImagePolicy
	if err := json.Unmarshal([]byte(data), &ip); err != nil {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "image %s: recorded policy: %v", img.Annotations[spec.AnnotationImageRef], err)
	}
	return &ip, nil
}

// verifyImage checks the signatures and required attestations of subject,
// an image (or one platform of it), reading its referrers through rr, and
// returns its result and the referrers that verified: what a package carries.
func verifyImage(ctx context.Context, rr *referrerReader, ref string, subject ocispec.Descriptor, ip *policy.ImagePolicy, v *verify.Verifier) (verify.ImageResult, []carriedImage, error) {
	res := verify.ImageResult{Ref: ref, Digest: subject.Digest.String()}
	p, err := ip.Policy(".")
	if err != nil {
		return res, nil, err
	}
	sigs, sigWhere, err := rr.signatures(ctx, subject)
	if err != nil {
		return res, nil, imageFailure(ref, err)
	}
	sigResults, err := v.Signatures(subject.Digest, sigs, p)
	res.Signatures = sigResults
	if err != nil {
		return res, nil, imageFailure(ref, err)
	}
	atts, unsigned, attWhere, err := rr.attestations(ctx, subject, func(string) bool { return true })
	if err != nil {
		return res, nil, imageFailure(ref, err)
	}
	attResults, err := v.Attestations(subject.Digest, atts, unsigned, p)
	res.Attestations = attResults
	if err != nil {
		return res, nil, imageFailure(ref, err)
	}
	res.Verified = true
	for _, s := range sigResults {
		if s.Verified {
			res.Signer = signerOf(s)
		}
	}
	var carry []carriedImage
	for _, r := range verifiedOnes(sigWhere, sigResults, nil) {
		carry = append(carry, carriedImage{subject.Digest, r, spec.PredicateTypeCosignSign})
	}
	for _, a := range attResults {
		if r := attWhere[a.Source]; a.Verified && r != nil {
			carry = append(carry, carriedImage{subject.Digest, r, a.PredicateType})
		}
	}
	return res, carry, nil
}

// carriedImage is a referrer to carry, with the image or platform it is
// about and the predicate type its verified statement has (a manifest's
// annotation only routes; this is what was signed).
type carriedImage struct {
	subject       digest.Digest
	ref           *referrer
	predicateType string
}

// verifyImageOrPlatforms verifies an image; an index its publisher did not
// sign as a whole verifies when every platform manifest in it does (some
// publishers sign each platform). It returns the referrers to carry.
func verifyImageOrPlatforms(ctx context.Context, rr *referrerReader, ref string, img ocispec.Descriptor, ip *policy.ImagePolicy, v *verify.Verifier) (verify.ImageResult, []carriedImage, error) {
	res, carry, err := verifyImage(ctx, rr, ref, img, ip, v)
	f, failed := verify.AsFailure(err)
	if !failed || f.Reason != verify.ReasonNoSignature || !isIndex(img.MediaType) {
		return res, carry, err
	}
	data, rerr := graph.ReadBounded(ctx, rr.src, img, spec.MaxManifestSize)
	if rerr != nil {
		return res, nil, classify(rerr)
	}
	children, cerr := spec.Children(img.MediaType, data)
	if cerr != nil || len(children) == 0 {
		return res, nil, err
	}
	res = verify.ImageResult{Ref: ref, Digest: img.Digest.String(), Note: "signed per platform"}
	var all []carriedImage
	for _, child := range children {
		cres, ccarry, cerr := verifyImage(ctx, rr, ref+"@"+child.Digest.String(), plain(child), ip, v)
		if cerr != nil {
			return res, nil, err // the index's own failure says what was expected
		}
		res.Signer = cres.Signer
		res.Signatures = append(res.Signatures, cres.Signatures...)
		res.Attestations = append(res.Attestations, cres.Attestations...)
		all = append(all, ccarry...)
	}
	res.Verified = true
	return res, all, nil
}

// imageFailure names the image in a verification failure.
func imageFailure(ref string, err error) error {
	if f, ok := verify.AsFailure(err); ok {
		return &verify.Failure{Reason: f.Reason, Message: fmt.Sprintf("image %s: %s", ref, f.Message), Err: f.Err}
	}
	return fmt.Errorf("image %s: %w", ref, err)
}

// verifyImages re-verifies every image of the package against its recorded
// policy (or the override), several at once with one verifier, records each
// image's result, and carries the referrers that verified. An image without
// a policy is reported "not verified upstream", and is an error when
// opts.RequireImageSignatures is set.
func (p *Package) verifyImages(ctx context.Context, v *verify.Verifier, opts VerifyOptions, h *Handle) error {
	images := p.Images()
	results := make([]verify.ImageResult, len(images))
	carried := make([][]carriedImage, len(images))
	first := map[string]int{} // an image listed twice is checked once
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(runtime.GOMAXPROCS(0))
	for i, img := range images {
		key := img.Digest.String() + " " + img.Annotations[spec.AnnotationImagePolicy]
		if _, dup := first[key]; dup {
			continue
		}
		first[key] = i
		eg.Go(func() error {
			r, c, err := checkImage(ctx, p.refs, img, v, opts.ImagePolicy, opts.RequireImageSignatures)
			results[i], carried[i] = r, c
			return err
		})
	}
	err := eg.Wait()
	for i, img := range images {
		if j := first[img.Digest.String()+" "+img.Annotations[spec.AnnotationImagePolicy]]; j != i {
			results[i] = results[j]
			results[i].Ref = img.Annotations[spec.AnnotationImageRef]
		}
	}
	h.res.Images = results
	if err != nil {
		return err
	}
	for _, cs := range carried {
		for _, c := range cs {
			h.carry(c.subject, c.ref)
		}
	}
	addImagesCheck(h.res)
	return nil
}

// addImagesCheck sums up the images: only checks that ran are counted.
func addImagesCheck(res *verify.Result) {
	verified, skipped := 0, 0
	for _, im := range res.Images {
		if im.Verified {
			verified++
		} else {
			skipped++
		}
	}
	switch {
	case verified > 0 && skipped > 0:
		res.AddCheck("images", verify.StatusPassed, fmt.Sprintf("%d of %d images verified against their publishers' policies; %d not verified upstream (no recorded policy)", verified, verified+skipped, skipped))
	case verified > 0:
		res.AddCheck("images", verify.StatusPassed, fmt.Sprintf("%d images verified against their publishers' policies", verified))
	case skipped > 0:
		res.AddCheck("images", verify.StatusSkipped, fmt.Sprintf("%d images not verified upstream: the package records no policy for them", skipped))
	}
}

func checkImage(ctx context.Context, rr *referrerReader, img ocispec.Descriptor, v *verify.Verifier, override *policy.ImagePolicy, requireSigned bool) (verify.ImageResult, []carriedImage, error) {
	ref := img.Annotations[spec.AnnotationImageRef]
	ip, err := imagePolicyOf(img, override)
	if err != nil {
		return verify.ImageResult{Ref: ref, Digest: img.Digest.String()}, nil, err
	}
	if ip == nil {
		r := verify.ImageResult{Ref: ref, Digest: img.Digest.String(), Note: "not verified upstream: the package records no policy for it"}
		if requireSigned {
			return r, nil, verify.Fail(verify.ReasonImageUnverified, "image %s: expected a publisher's policy (VerifyOptions.RequireImageSignatures), found none", ref)
		}
		return r, nil, nil
	}
	return verifyImageOrPlatforms(ctx, rr, ref, plain(img), ip, v)
}

// LoadImagePolicy reads a policy file whose signers and attestations apply to
// every image a package carries (--image-policy); "" gives nil.
func LoadImagePolicy(path string) (*policy.ImagePolicy, error) {
	if path == "" {
		return nil, nil
	}
	data, err := limited.ReadFile(path, policy.MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("--image-policy: %w", err)
	}
	var f policy.File
	if err := yamlfile.Decode(path, data, &f, policy.ErrInvalidFile); err != nil {
		return nil, err
	}
	ip := &policy.ImagePolicy{Signers: f.Signers}
	for _, a := range f.Attestations {
		ip.PredicateTypes = append(ip.PredicateTypes, a.PredicateType)
	}
	for i := range ip.Signers {
		if k := ip.Signers[i].Key; k != "" && !filepath.IsAbs(k) {
			ip.Signers[i].Key = filepath.Join(filepath.Dir(path), k)
		}
	}
	if _, err := ip.Policy("/"); err != nil {
		return nil, fmt.Errorf("--image-policy %s: %w", path, err)
	}
	return ip, nil
}

// carryUpstream verifies each image that has a policy against its publisher's
// signatures in its registry, several at once with one verifier, copies the
// referrers that verified into the build's store, and returns them as
// index.json entries, with, per image digest, its carried SBOM
// attestations. An image that does not verify stops the build with a
// failure naming it.
func carryUpstream(ctx context.Context, built *build.Result, store *build.Store, opts CreateOptions) ([]carriedImage, error) {
	v, err := verifier(opts.Trust)
	if err != nil {
		return nil, err
	}
	var images []build.Content
	for _, c := range built.Contents {
		if c.Kind == "image" {
			images = append(images, c)
		}
	}
	carried := make([][]carriedImage, len(images))
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(runtime.GOMAXPROCS(0))
	for i, c := range images {
		eg.Go(func() error {
			refs, err := carryImage(ctx, c, store, v, opts)
			carried[i] = refs
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	var out []carriedImage
	for _, refs := range carried {
		out = append(out, refs...)
	}
	return out, nil
}

func carryImage(ctx context.Context, c build.Content, store *build.Store, v *verify.Verifier, opts CreateOptions) ([]carriedImage, error) {
	ip, err := imagePolicyOf(c.Descriptor, nil)
	if err != nil {
		return nil, err
	}
	if ip == nil {
		if opts.RequireImageSignatures {
			return nil, verify.Fail(verify.ReasonImageUnverified, "image %s: expected a verify: block or imagePolicy (CreateOptions.RequireImageSignatures), found none", c.Name)
		}
		return nil, nil
	}
	r, err := orasregistry.ParseReference(c.Name)
	if err != nil {
		return nil, err
	}
	src, err := newRemote(r.Registry+"/"+r.Repository, opts.Registry)
	if err == nil {
		err = src.probe(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", c.Name, err)
	}
	_, refs, err := verifyImageOrPlatforms(ctx, newReferrerReader(src), c.Name, plain(c.Descriptor), ip, v)
	if err != nil {
		return nil, err
	}
	for _, ci := range refs {
		if err := oras.CopyGraph(ctx, src.store, store, ci.ref.desc, oras.CopyGraphOptions{}); err != nil {
			return nil, fmt.Errorf("image %s: copy %s: %w", c.Name, ci.ref.desc.Digest, err)
		}
	}
	return refs, nil
}
