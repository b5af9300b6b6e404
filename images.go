// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
	"oras.land/oras-go/v2"
	orasregistry "oras.land/oras-go/v2/registry"

	"github.com/airlock-dev/airlock/build"
	"github.com/airlock-dev/airlock/definition"
	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/internal/yamlfile"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
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

// verifyImage checks an image's signatures and required attestations (the
// source's root is the image) and returns its result and the referrers that
// verified, which are what a package carries.
func verifyImage(ctx context.Context, src *source, ref string, ip *policy.ImagePolicy, v *verify.Verifier) (verify.ImageResult, []registry.Referrer, error) {
	res := verify.ImageResult{Ref: ref, Digest: src.root.Digest.String()}
	p, err := ip.Policy(".")
	if err != nil {
		return res, nil, err
	}
	sigs, err := src.signatures(ctx)
	if err != nil {
		return res, nil, err
	}
	sigResults, err := v.Signatures(src.root.Digest, sigs, p)
	res.Signatures = sigResults
	if err != nil {
		return res, nil, imageFailure(ref, err)
	}
	atts, unsigned, err := src.attestations(ctx, func(string) bool { return true })
	if err != nil {
		return res, nil, err
	}
	attResults, err := v.Attestations(src.root.Digest, atts, unsigned, p)
	res.Attestations = attResults
	if err != nil {
		return res, nil, imageFailure(ref, err)
	}
	res.Verified = true
	verified := map[string]bool{}
	for _, s := range sigResults {
		if s.Verified {
			verified[s.Source] = true
			res.Signer = signerOf(s)
		}
	}
	for _, a := range attResults {
		if a.Verified {
			verified[a.Source] = true
		}
	}
	var carry []registry.Referrer
	for _, r := range src.referrers {
		if verified[r.Digest.String()] || (r.LegacyTag != "" && verified[r.LegacyTag+"@"+r.Digest.String()]) {
			carry = append(carry, r)
		}
	}
	return res, carry, nil
}

// verifyImageOrPlatforms verifies an image; an index its publisher did not
// sign as a whole verifies when every platform manifest in it does (some
// publishers sign each platform). It returns the referrers to carry.
func verifyImageOrPlatforms(ctx context.Context, src *source, ref string, ip *policy.ImagePolicy, v *verify.Verifier, referrersOf func(ocispec.Descriptor) ([]registry.Referrer, error)) (verify.ImageResult, []registry.Referrer, error) {
	res, carry, err := verifyImage(ctx, src, ref, ip, v)
	f, failed := verify.AsFailure(err)
	if !failed || f.Reason != verify.ReasonNoSignature || !isIndex(src.root.MediaType) {
		return res, carry, err
	}
	data, rerr := readBounded(ctx, src.store, src.root, spec.MaxManifestSize)
	if rerr != nil {
		return res, nil, rerr
	}
	children, cerr := spec.Children(src.root.MediaType, data)
	if cerr != nil || len(children) == 0 {
		return res, nil, err
	}
	res = verify.ImageResult{Ref: ref, Digest: src.root.Digest.String(), Note: "signed per platform"}
	for _, child := range children {
		refs, rerr := referrersOf(child)
		if rerr != nil {
			return res, nil, rerr
		}
		childSrc := &source{store: src.store, archive: src.archive, remote: src.remote, root: plain(child), referrers: refs}
		cres, ccarry, cerr := verifyImage(ctx, childSrc, ref+"@"+child.Digest.String(), ip, v)
		if cerr != nil {
			return res, nil, err // the index's own failure says what was expected
		}
		res.Signer = cres.Signer
		res.Signatures = append(res.Signatures, cres.Signatures...)
		res.Attestations = append(res.Attestations, cres.Attestations...)
		carry = append(carry, ccarry...)
	}
	res.Verified = true
	return res, carry, nil
}

func isIndex(mediaType string) bool {
	return mediaType == ocispec.MediaTypeImageIndex || mediaType == spec.MediaTypeDockerManifestList
}

// imageFailure names the image in a verification failure.
func imageFailure(ref string, err error) error {
	if f, ok := verify.AsFailure(err); ok {
		return &verify.Failure{Reason: f.Reason, Message: fmt.Sprintf("image %s: %s", ref, f.Message), Err: f.Err}
	}
	return fmt.Errorf("image %s: %w", ref, err)
}

// remoteImage opens an image in its registry as a source whose root is the image.
func remoteImage(ctx context.Context, ref string, desc ocispec.Descriptor, reg registry.Options) (*source, error) {
	r, err := orasregistry.ParseReference(ref)
	if err != nil {
		return nil, err
	}
	repo, err := registry.Repository(r, reg)
	if err != nil {
		return nil, err
	}
	store := registry.NewStore(repo)
	if _, err := registry.ProbeReferrers(ctx, repo); err != nil {
		return nil, err
	}
	refs, err := registry.Discover(ctx, repo, plain(desc))
	if err != nil {
		return nil, err
	}
	return &source{store: store, remote: store, root: plain(desc), referrers: refs}, nil
}

// checkImages re-verifies every image of a package against its recorded
// policy (or override), several at once with one verifier, and records each
// image's result. An image without a policy is reported "not verified
// upstream", and is an error when requireSigned is set.
func checkImages(ctx context.Context, src *source, v *verify.Verifier, override *policy.ImagePolicy, requireSigned bool, res *verify.Result) error {
	var images []ocispec.Descriptor
	for _, m := range src.index.Manifests {
		if m.ArtifactType != spec.ArtifactTypeComponent {
			images = append(images, m)
		}
	}
	results := make([]verify.ImageResult, len(images))
	var mu sync.Mutex
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(runtime.GOMAXPROCS(0))
	for i, img := range images {
		eg.Go(func() error {
			r, err := checkImage(ctx, src, img, v, override, requireSigned)
			mu.Lock()
			results[i] = r
			mu.Unlock()
			return err
		})
	}
	err := eg.Wait()
	res.Images = results
	if err == nil && len(images) > 0 {
		res.AddCheck("images", verify.StatusPassed, fmt.Sprintf("%d images checked against their publishers' policies", len(images)))
	}
	return err
}

func checkImage(ctx context.Context, src *source, img ocispec.Descriptor, v *verify.Verifier, override *policy.ImagePolicy, requireSigned bool) (verify.ImageResult, error) {
	ref := img.Annotations[spec.AnnotationImageRef]
	ip, err := imagePolicyOf(img, override)
	if err != nil {
		return verify.ImageResult{Ref: ref, Digest: img.Digest.String()}, err
	}
	if ip == nil {
		r := verify.ImageResult{Ref: ref, Digest: img.Digest.String(), Note: "not verified upstream: the package records no policy for it"}
		if requireSigned {
			return r, verify.Fail(verify.ReasonImageUnverified, "image %s: expected a publisher's policy (--require-image-signatures), found none", ref)
		}
		return r, nil
	}
	referrers, err := src.referrersOf(ctx, img)
	if err != nil {
		return verify.ImageResult{Ref: ref, Digest: img.Digest.String()}, err
	}
	imgSrc := &source{store: src.store, archive: src.archive, remote: src.remote, root: plain(img), referrers: referrers}
	r, _, err := verifyImageOrPlatforms(ctx, imgSrc, ref, ip, v, func(d ocispec.Descriptor) ([]registry.Referrer, error) { return src.referrersOf(ctx, d) })
	return r, err
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

// imageReferrers lists the referrers the package holds for its images (the
// publishers' signatures and attestations it carries).
func (s *source) imageReferrers(ctx context.Context) ([]registry.Referrer, error) {
	var out []registry.Referrer
	for _, m := range s.index.Manifests {
		if m.ArtifactType == spec.ArtifactTypeComponent {
			continue
		}
		refs, err := s.referrersOf(ctx, m)
		if err != nil {
			return nil, err
		}
		out = append(out, refs...)
	}
	return out, nil
}

// carryUpstream verifies each image that has a policy against its publisher's
// signatures in its registry, several at once with one verifier, copies the
// referrers that verified into the build's store, and returns them with, per
// image digest, its carried SBOM attestations. An image that does not verify
// stops the build with a failure naming it.
func carryUpstream(ctx context.Context, built *build.Result, store *build.Store, opts CreateOptions) ([]registry.Referrer, error) {
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
	carried := make([][]registry.Referrer, len(images))
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
	var out []registry.Referrer
	for _, refs := range carried {
		out = append(out, refs...)
	}
	return out, nil
}

func carryImage(ctx context.Context, c build.Content, store *build.Store, v *verify.Verifier, opts CreateOptions) ([]registry.Referrer, error) {
	ip, err := imagePolicyOf(c.Descriptor, nil)
	if err != nil {
		return nil, err
	}
	if ip == nil {
		if opts.RequireImageSignatures {
			return nil, verify.Fail(verify.ReasonImageUnverified, "image %s: expected a verify: block or imagePolicy (--require-image-signatures), found none", c.Name)
		}
		return nil, nil
	}
	src, err := remoteImage(ctx, c.Name, c.Descriptor, opts.Registry)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", c.Name, err)
	}
	repo := src.remote.Repository()
	_, refs, err := verifyImageOrPlatforms(ctx, src, c.Name, ip, v, func(d ocispec.Descriptor) ([]registry.Referrer, error) {
		return registry.Discover(ctx, repo, plain(d))
	})
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		if err := oras.CopyGraph(ctx, src.store, store, plain(r.Descriptor), oras.CopyGraphOptions{}); err != nil {
			return nil, fmt.Errorf("image %s: copy %s: %w", c.Name, r.Digest, err)
		}
	}
	return refs, nil
}
