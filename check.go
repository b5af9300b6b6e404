// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"
	"fmt"

	jsoncanonicalizer "github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/trust"
	"github.com/airlock-dev/airlock/verify"
)

// VerifyOptions says what a verification requires. The zero value is not
// enough: a policy must name at least one signer, there is no silent skip.
type VerifyOptions struct {
	// Policy names the accepted signers and the required attestations.
	Policy policy.Policy
	// Trust is the trust material for keyless signatures and transparency
	// logs. Default: the embedded public-good trusted root.
	Trust *trust.Material
	// Registry says how registries are reached, for oci:// targets.
	Registry registry.Options
	// Base is the package a differential archive was made against (an
	// archive or oci:// reference; see [OpenOptions]). Default: none.
	Base string
	// ImagePolicy, if set, replaces the upstream policy recorded for every image.
	ImagePolicy *policy.ImagePolicy
	// RequireImageSignatures makes an image without a recorded policy an
	// error (IMAGE_UNVERIFIED) instead of "not verified upstream".
	RequireImageSignatures bool
	// Concurrency is how many blobs are hashed or downloaded at once.
	// Default: GOMAXPROCS.
	Concurrency int
	// ExpectName, when set, is the package name the signed root must carry
	// (exactly); another is NAME_MISMATCH.
	ExpectName string
	// ExpectVersion, when set, is the version the signed root must carry
	// (exactly); another is VERSION_MISMATCH. It also accepts a package
	// whose version differs from a version-like tag it was opened by.
	ExpectVersion string
	// MinVersion, when set, is the lowest semantic version accepted
	// ("1.2.0" or "v1.2.0"); a lower or non-semantic version is
	// VERSION_MISMATCH.
	MinVersion string
	// HashAsRead leaves an archive's blobs to be checked as they are read
	// through the Handle, as a registry package's are, instead of hashing
	// the whole archive first. For a caller that reads what it uses once
	// and commits nothing before the last blob passed (Extract and Mirror
	// do), so that an archive is read once. Default: hash it all in Verify.
	HashAsRead bool
	// Progress receives the hashing of every blob as it is checked (an
	// archive's, or a registry package's as it is downloaded). Default: none.
	Progress Progress
}

// validate checks the options before anything is read.
func (o VerifyOptions) validate() error {
	if err := o.Policy.Validate(); err != nil {
		return err
	}
	return validateExpectations(o)
}

// Verify checks the package against opts, in stages that each stop at the
// first failure: enough accepted signers signed the root (checked first,
// before any content is read); the signed name and version are the ones
// expected; the required attestations are signed by their accepted signers;
// each image's publisher signed it as its recorded policy says; and the
// root's graph, with the signatures and attestations that verified, is
// complete and every blob matches its digest (an archive is hashed here; a
// registry package's blobs are checked as they stream through the Handle).
//
// It always returns a Handle whose Result says what was checked. The error
// is a *verify.Failure when the package is not trustworthy under the
// policy, another error when verification could not be attempted.
func (p *Package) Verify(ctx context.Context, opts VerifyOptions) (*Handle, error) {
	h := p.newHandle(true)
	if err := opts.validate(); err != nil {
		return h, err
	}
	canonical, err := opts.enforced()
	if err != nil {
		return h, err
	}
	h.res.Policy = &verify.PolicyInfo{Digest: digest.FromBytes(canonical).String(), Canonical: canonical}
	v, err := verifier(opts.Trust)
	if err != nil {
		return h, err
	}
	if check, err := p.verifyStatements(ctx, opts, v, h, nil); err != nil {
		return h, h.fail(err, check)
	}
	if err := p.verifyImages(ctx, v, opts, h); err != nil {
		return h, h.fail(err, "images")
	}
	if opts.HashAsRead {
		return h, h.fail(p.walk(ctx, h), "layout")
	}
	if check, err := p.pin(ctx, h, opts.Concurrency, opts.Progress); err != nil {
		return h, h.fail(err, check)
	}
	return h, nil
}

// CheckOptions tunes [Package.CheckDigestsOnly]. The zero value is valid.
type CheckOptions struct {
	// Concurrency is how many blobs are hashed at once. Default: GOMAXPROCS.
	Concurrency int
	// HashAsRead leaves an archive's blobs to be checked only as they are
	// read through the handle, instead of hashing the whole archive first
	// (as a registry package's are). For a caller that reads every blob once
	// and commits nothing before the last one passed, as Push does: its
	// uploads push no manifest and no tag before every blob was checked.
	HashAsRead bool
}

// CheckDigestsOnly checks the package's integrity without checking who
// signed it: the root's graph is complete and every blob matches its
// digest, and the referrers it carries are well-formed signatures,
// attestations and statements about the root or its images. It is what a
// signer checks before signing, and what `--insecure` leaves of
// verification; its Handle says Verified() false, and so does its Result.
func (p *Package) CheckDigestsOnly(ctx context.Context, opts CheckOptions) (*Handle, error) {
	h := p.newHandle(false)
	h.res.Package = p.Info()
	h.res.AddCheck("signature", verify.StatusSkipped, "signatures were not verified")
	subjects, err := p.subjects(ctx)
	if err != nil {
		return h, h.fail(err, "layout")
	}
	for _, s := range subjects {
		refs, err := p.refs.list(ctx, s, nil)
		if err != nil {
			return h, h.fail(err, "layout")
		}
		for _, r := range refs {
			if r.kind != kindOther && (r.kind != kindStatement || s.Digest == p.root.Digest) {
				h.carry(s.Digest, r)
			}
		}
	}
	if opts.HashAsRead {
		if err := p.walk(ctx, h); err != nil {
			return h, h.fail(err, "layout")
		}
		return h, nil
	}
	if check, err := p.pin(ctx, h, opts.Concurrency, nil); err != nil {
		return h, h.fail(err, check)
	}
	return h, nil
}

func (p *Package) newHandle(verified bool) *Handle {
	g := graph.New(p.src)
	g.Seed(p.root, p.rootData) // read, and checked, once
	return &Handle{pkg: p, res: newResult(p.target), g: g, byImage: map[digest.Digest][]*referrer{}, verified: verified}
}

// carry adds a referrer of subject to what the handle writes and pushes.
func (h *Handle) carry(subject digest.Digest, r *referrer) {
	for _, c := range h.carried {
		if c == r {
			return
		}
	}
	h.carried = append(h.carried, r)
	if subject != h.pkg.root.Digest {
		h.byImage[subject] = append(h.byImage[subject], r)
	}
}

// verifyStatements runs the stages that need none of the package's
// content: the root's signatures, the expected name and version, and the
// required attestations (only those want accepts are read, nil: all). On
// failure it returns the name of the failed check.
func (p *Package) verifyStatements(ctx context.Context, opts VerifyOptions, v *verify.Verifier, h *Handle, want func(string) bool) (string, error) {
	if err := p.verifySignatures(ctx, opts.Policy, v, h); err != nil {
		return "signature", err
	}
	h.res.Package = p.Info()
	if err := checkExpectations(h.res.Package, p.tag, opts); err != nil {
		return "package", err
	}
	h.res.AddCheck("package", verify.StatusPassed, fmt.Sprintf("%s %s, root %s", h.res.Package.Name, h.res.Package.Version, h.res.Package.Digest))
	if want == nil {
		want = func(string) bool { return true }
	}
	if err := p.verifyAttestations(ctx, opts.Policy, v, h, want); err != nil {
		return "attestation", err
	}
	return "", nil
}

// verifySignatures checks the root's signatures against the policy and
// carries those that verified.
func (p *Package) verifySignatures(ctx context.Context, pol policy.Policy, v *verify.Verifier, h *Handle) error {
	sigs, where, err := p.refs.signatures(ctx, p.root)
	if err != nil {
		return err
	}
	results, err := v.Signatures(p.root.Digest, sigs, pol)
	if results != nil {
		h.res.Signatures = results
	}
	if err != nil {
		return err
	}
	for _, r := range verifiedOnes(where, results, nil) {
		h.carry(p.root.Digest, r)
	}
	for _, s := range results {
		if s.Verified {
			addSignatureChecks(h.res, s)
			break
		}
	}
	return nil
}

// verifyAttestations checks the policy's required attestations (and
// reports every attestation present), carrying those that verified.
func (p *Package) verifyAttestations(ctx context.Context, pol policy.Policy, v *verify.Verifier, h *Handle, want func(string) bool) error {
	atts, unsigned, where, err := p.refs.attestations(ctx, p.root, want)
	if err != nil {
		return err
	}
	results, err := v.Attestations(p.root.Digest, atts, unsigned, pol)
	h.res.Attestations = append(h.res.Attestations, results...)
	for _, r := range verifiedOnes(where, nil, results) {
		h.carry(p.root.Digest, r)
	}
	if err != nil {
		return err
	}
	for _, a := range results {
		if a.Verified && a.Required {
			h.res.AddCheck("attestation", verify.StatusPassed, fmt.Sprintf("%s signed by %s (%s)", a.PredicateType, signerOf(a.SignatureResult), a.Source))
		}
	}
	return nil
}

// walk reads every manifest the handle carries, once, checking each, and
// pins every blob they name.
func (p *Package) walk(ctx context.Context, h *Handle) error {
	for _, d := range h.Manifests() {
		if err := h.g.Walk(ctx, d); err != nil {
			return classify(err)
		}
	}
	return nil
}

// pin walks what the handle carries (the root's graph and the carried
// referrers), reading every manifest once and checking it, and pins every
// blob. An archive is then checked as a whole: complete, nothing else in
// it, every blob hashed. On failure it returns the name of the failed check.
func (p *Package) pin(ctx context.Context, h *Handle, concurrency int, progress Progress) (string, error) {
	if err := p.walk(ctx, h); err != nil {
		return "layout", err
	}
	a, ok := p.src.(*archiveBackend)
	if !ok {
		return "", nil
	}
	opts := archive.CheckOptions{Concurrency: concurrency, Base: a.baseFetcher()}
	if progress != nil {
		opts.Progress = namedProgress{p: progress, labels: h.labels(ctx)}
	}
	g, err := a.r.Check(ctx, opts)
	if err != nil {
		return "blobs", classify(err)
	}
	h.blobsChecked(fmt.Sprintf("%d blobs, %d bytes, sizes and digests match", g.Blobs, g.Bytes))
	return "", nil
}

// EnforcedType names the canonical form of what a verification enforces.
const EnforcedType = "https://airlock.dev/verification-policy/v1"

// enforced is everything the options make a verification enforce, in
// canonical JSON (RFC 8785): the policy's canonical form, and the image
// policy that replaces the recorded ones, whether images must be signed,
// and the expected name and versions, when set. Its digest is what a
// verification summary names as its policy.
func (opts VerifyOptions) enforced() ([]byte, error) {
	p, err := opts.Policy.Canonical()
	if err != nil {
		return nil, err
	}
	doc := map[string]any{"type": EnforcedType, "policy": json.RawMessage(p)}
	if opts.ImagePolicy != nil {
		ip, err := opts.ImagePolicy.Policy("/")
		if err != nil {
			return nil, err
		}
		c, err := ip.Canonical()
		if err != nil {
			return nil, err
		}
		doc["imagePolicy"] = json.RawMessage(c)
	}
	if opts.RequireImageSignatures {
		doc["requireImageSignatures"] = true
	}
	expect := map[string]string{}
	for k, v := range map[string]string{"name": opts.ExpectName, "version": opts.ExpectVersion, "minVersion": opts.MinVersion} {
		if v != "" {
			expect[k] = v
		}
	}
	if len(expect) > 0 {
		doc["expect"] = expect
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return jsoncanonicalizer.Transform(data)
}
