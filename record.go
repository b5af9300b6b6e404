// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/attest"
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
	// PolicyURI names the policy applied. Default: EnforcedType, the
	// policy being identified by the digest of its canonical form alone.
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

// BuildInfo says which airlock this is.
type BuildInfo struct {
	// Version is the module version ("devel" from a checkout).
	Version string `json:"version"`
	// Commit is the VCS revision it was built from, when known; Modified
	// says the work tree had changes.
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	// GoVersion is the Go toolchain that built it.
	GoVersion string `json:"goVersion"`
}

// Build returns airlock's build information.
func Build() BuildInfo {
	b := BuildInfo{Version: Version(), GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	return b
}

// DefaultVerifierID names airlock at its version, as a package URL.
func DefaultVerifierID() string { return "pkg:golang/github.com/airlock-dev/airlock@" + Version() }

// Record signs a verification summary of the handle's package, about its
// root, verified at resourceURI. It refuses unless the verification passed
// in full: signatures, attestations, images, and every blob checked
// ([Handle.CheckBlobs], or the whole archive written by
// [Handle.WriteArchive]; mirroring or extracting reads only part of it).
func (h *Handle) Record(ctx context.Context, resourceURI string, opts RecordOptions) (*Record, error) {
	if !h.hashed {
		return nil, ErrNotRecorded
	}
	v, err := h.summary(opts)
	if err != nil {
		return nil, err
	}
	v.Subject, v.Name, v.ResourceURI = h.pkg.root.Digest, h.pkg.Info().Name, resourceURI
	v.Inputs = h.inputs(h.res.Signatures, h.res.Attestations)
	v.Levels = []string{levelOf(h.res.Attestations)}
	v.DependencyLevels = map[string]uint64{}
	for _, img := range h.res.Images {
		if img.Verified {
			v.DependencyLevels[levelOf(img.Attestations)]++
		}
	}
	return h.signRecord(ctx, h.pkg.root, v, opts)
}

// recordImage signs a verification summary of one of the package's
// images, now at resourceURI: it verified as part of the package (whose
// accepted signatures are its inputs) and against its publisher's policy
// when one applied (whose accepted signatures are inputs too).
func (h *Handle) recordImage(ctx context.Context, img ocispec.Descriptor, name, resourceURI string, opts RecordOptions) (*Record, error) {
	v, err := h.summary(opts)
	if err != nil {
		return nil, err
	}
	v.Subject, v.Name, v.ResourceURI = img.Digest, name, resourceURI
	v.Inputs = h.inputs(h.res.Signatures, nil)
	v.Levels = []string{attest.BuildLevel0}
	for _, r := range h.res.Images {
		if r.Digest == img.Digest.String() && r.Verified {
			v.Inputs = append(v.Inputs, h.inputs(r.Signatures, r.Attestations)...)
			v.Levels = []string{levelOf(r.Attestations)}
			break
		}
	}
	return h.signRecord(ctx, img, v, opts)
}

// summary starts a verification summary with what every record shares.
func (h *Handle) summary(opts RecordOptions) (attest.VSA, error) {
	if opts.Key == nil {
		return attest.VSA{}, errors.New("record: expected the gate's key")
	}
	if !h.verified || h.res.Policy == nil || !h.res.Verified {
		return attest.VSA{}, ErrNotRecorded
	}
	pd, err := digest.Parse(h.res.Policy.Digest)
	if err != nil {
		return attest.VSA{}, err
	}
	v := attest.VSA{VerifierID: opts.VerifierID, Versions: map[string]string{"airlock": Version()},
		PolicyURI: opts.PolicyURI, PolicyDigest: pd, Time: time.Now()}
	if v.VerifierID == "" {
		v.VerifierID = DefaultVerifierID()
	}
	if v.PolicyURI == "" {
		v.PolicyURI = EnforcedType
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

// inputs names the signed content (bundle, or legacy signature layer) of
// every signature and attestation that verified, by the referrer manifest
// it came in; one that did not verify is no input of a passed verification.
func (h *Handle) inputs(sigs []verify.SignatureResult, atts []verify.AttestationResult) []attest.Input {
	bySource := map[string]*referrer{}
	for _, r := range h.carried {
		bySource[r.source()] = r
	}
	var out []attest.Input
	add := func(source string, ok bool) {
		source, layer, legacy := strings.Cut(source, "#")
		r := bySource[source]
		if !ok || r == nil {
			return
		}
		for _, l := range r.layers {
			if !legacy || l.Digest.String() == layer {
				out = append(out, attest.Input{URI: attest.UpstreamSBOMLocator(r.desc.Digest), Digest: l.Digest})
			}
		}
	}
	for _, s := range sigs {
		add(s.Source, s.Verified)
	}
	for _, a := range atts {
		add(a.Source, a.Verified)
	}
	return out
}

// levelOf is the SLSA build level a verification shows: level 1 when SLSA
// provenance was among the attestations that verified (signed by whom the
// policy in force trusts for it), level 0 otherwise (ADR 14).
func levelOf(atts []verify.AttestationResult) string {
	if slices.ContainsFunc(atts, func(a verify.AttestationResult) bool {
		return a.Verified && a.PredicateType == attest.PredicateSLSAProvenance
	}) {
		return attest.BuildLevel1
	}
	return attest.BuildLevel0
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
