// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime/debug"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// RecordOptions says how a gate records a verification: a SLSA
// Verification Summary Attestation (https://slsa.dev/verification_summary/v1)
// signed with the gate's key, made only after the verification passed.
type RecordOptions struct {
	// Key signs the record (cosign's key format). Required.
	Key *sign.Key
	// Sign says how the record is signed. Default: with the key alone,
	// offline: a gate has no transparency log.
	Sign sign.Options
	// VerifierID is a URI naming the verifier. Default: [DefaultVerifierID].
	VerifierID string
	// PolicyURI names the policy applied. Default: policy.CanonicalType,
	// the policy being identified by its canonical form's digest alone.
	PolicyURI string
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// Record is a signed verification summary.
type Record struct {
	// Subject is what was verified: the package root, or an image.
	Subject ocispec.Descriptor
	// Statement is the in-toto statement signed; Bundle the Sigstore bundle.
	Statement, Bundle []byte
}

// ErrNotRecorded refuses a record of a verification that did not pass:
// only what verified is vouched for.
var ErrNotRecorded = errors.New("nothing is recorded: the package's verification did not pass (or has not finished)")

// errRecordInsecure refuses to record what was not verified.
var errRecordInsecure = errors.New("a verification is recorded only when it ran: --record-key cannot be used with --insecure")

// Version is airlock's module version as built ("devel" from a checkout).
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// DefaultVerifierID names airlock at its version, as a package URL.
func DefaultVerifierID() string { return "pkg:golang/github.com/airlock-dev/airlock@" + Version() }

// Record signs a verification summary of the handle's package, about its
// root, verified at resourceURI. It refuses unless the verification passed
// in full (signatures, attestations, images, and every blob checked).
func (h *Handle) Record(ctx context.Context, resourceURI string, opts RecordOptions) (*Record, error) {
	v, err := h.summary(opts)
	if err != nil {
		return nil, err
	}
	v.Subject, v.Name, v.ResourceURI = h.pkg.root.Digest, h.pkg.Info().Name, resourceURI
	v.Inputs = inputs(h.carriedAbout(h.pkg.root.Digest))
	v.Levels = []string{levelOf(*h.policy)}
	v.DependencyLevels = map[string]uint64{}
	for _, img := range h.res.Images {
		if img.Verified {
			v.DependencyLevels[imageLevel(h, img.Digest)]++
		}
	}
	return h.signRecord(ctx, h.pkg.root, v, opts)
}

// recordImage signs a verification summary of one of the package's
// images, now at resourceURI: it verified as part of the package (whose
// signatures are its inputs) and against its publisher's policy when the
// package records one (whose signatures are inputs too).
func (h *Handle) recordImage(ctx context.Context, img ocispec.Descriptor, name, resourceURI string, opts RecordOptions) (*Record, error) {
	v, err := h.summary(opts)
	if err != nil {
		return nil, err
	}
	v.Subject, v.Name, v.ResourceURI = img.Digest, name, resourceURI
	v.Inputs = inputs(append(h.carriedAbout(h.pkg.root.Digest), h.byImage[img.Digest]...))
	v.Levels = []string{imageLevel(h, img.Digest.String())}
	return h.signRecord(ctx, img, v, opts)
}

// summary starts a verification summary with what every record shares.
func (h *Handle) summary(opts RecordOptions) (attest.VSA, error) {
	if opts.Key == nil {
		return attest.VSA{}, errors.New("record: expected the gate's key")
	}
	if !h.verified || h.policy == nil || !h.res.Verified {
		return attest.VSA{}, ErrNotRecorded
	}
	pd, err := h.policy.Digest()
	if err != nil {
		return attest.VSA{}, err
	}
	v := attest.VSA{VerifierID: opts.VerifierID, Versions: map[string]string{"airlock": Version()},
		PolicyURI: opts.PolicyURI, PolicyDigest: pd, Time: time.Now()}
	if v.VerifierID == "" {
		v.VerifierID = DefaultVerifierID()
	}
	if v.PolicyURI == "" {
		v.PolicyURI = policy.CanonicalType
	}
	if opts.Now != nil {
		v.Time = opts.Now()
	}
	return v, nil
}

// signRecord signs the summary about subject and checks the bundle.
func (h *Handle) signRecord(ctx context.Context, subject ocispec.Descriptor, v attest.VSA, opts RecordOptions) (*Record, error) {
	st, err := v.Statement()
	if err != nil {
		return nil, err
	}
	bundle, err := signStatement(ctx, subject.Digest, st, opts.Key, opts.Sign)
	if err != nil {
		return nil, fmt.Errorf("sign the verification summary: %w", err)
	}
	return &Record{Subject: plain(subject), Statement: st, Bundle: bundle}, nil
}

// carriedAbout lists the carried referrers about subject.
func (h *Handle) carriedAbout(subject digest.Digest) []*referrer {
	var out []*referrer
	for _, r := range h.carried {
		if r.subject == subject {
			out = append(out, r)
		}
	}
	return out
}

// inputs names each referrer's signed content (bundle or payload) by the
// referrer manifest it came in.
func inputs(refs []*referrer) []attest.Input {
	var out []attest.Input
	for _, r := range refs {
		for _, l := range r.layers {
			out = append(out, attest.Input{URI: attest.UpstreamSBOMLocator(r.desc.Digest), Digest: l.Digest})
		}
	}
	return out
}

// levelOf is the SLSA build level a verification under p shows: level 1
// when it required SLSA provenance, signed by whom it trusts; level 0
// otherwise (ADR 14).
func levelOf(p policy.Policy) string {
	if slices.ContainsFunc(p.Attestations, func(r policy.AttestationRule) bool { return r.PredicateType == attest.PredicateSLSAProvenance }) {
		return attest.BuildLevel1
	}
	return attest.BuildLevel0
}

// imageLevel is an image's level: level 1 when it verified against a
// recorded publisher's policy that requires provenance.
func imageLevel(h *Handle, dgst string) string {
	for _, img := range h.pkg.Images() {
		if img.Digest.String() != dgst {
			continue
		}
		ip, err := imagePolicyOf(img, nil)
		if err == nil && ip != nil && slices.Contains(ip.PredicateTypes, attest.PredicateSLSAProvenance) && imageVerified(h, dgst) {
			return attest.BuildLevel1
		}
	}
	return attest.BuildLevel0
}

func imageVerified(h *Handle, dgst string) bool {
	for _, r := range h.res.Images {
		if r.Digest == dgst && r.Verified {
			return true
		}
	}
	return false
}

// recordReferrer signs the package's record and makes it a bundle
// referrer of the root, served by the returned overlay.
func (h *Handle) recordReferrer(ctx context.Context, resourceURI string, opts RecordOptions) (*Record, ocispec.Descriptor, content.Fetcher, error) {
	rec, err := h.Record(ctx, resourceURI, opts)
	if err != nil {
		return nil, ocispec.Descriptor{}, nil, err
	}
	ref, err := spec.NewBundleReferrer(h.pkg.root, rec.Bundle, attest.PredicateVSA, recordTime(opts))
	if err != nil {
		return nil, ocispec.Descriptor{}, nil, err
	}
	o := newOverlay(h)
	o.put(ref.Descriptor.Digest, ref.Manifest)
	o.put(ref.Bundle.Digest, rec.Bundle)
	return rec, ref.Descriptor, o, nil
}

func recordTime(opts RecordOptions) time.Time {
	if opts.Now != nil {
		return opts.Now()
	}
	return time.Now()
}

// recorded reports a record in the result.
func (h *Handle) recorded(rec *Record, location string) {
	h.res.Records = append(h.res.Records, verify.RecordInfo{Subject: rec.Subject.Digest.String(), Bundle: digest.FromBytes(rec.Bundle).String(), Location: location})
	h.res.AddCheck("record", verify.StatusPassed, "verification summary of "+rec.Subject.Digest.String()+" signed by the gate: "+location)
}

// resourceURI names where the package was verified: its registry
// location pinned by digest, or the archive's absolute path.
func (p *Package) resourceURI() string {
	if b, ok := p.src.(*remoteBackend); ok {
		ref := b.repository().Reference
		return "oci://" + ref.Registry + "/" + ref.Repository + "@" + p.root.Digest.String()
	}
	if abs, err := filepath.Abs(p.target); err == nil {
		return (&url.URL{Scheme: "file", Path: abs}).String()
	}
	return p.target
}
