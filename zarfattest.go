// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
	"github.com/airlock-dev/airlock/zarf"
)

// zarfTarget is a Zarf package opened for attesting: its content read and
// its checksums checked, the subject its attestations are about, and where
// it is.
type zarfTarget struct {
	z *zarfContent
	// subject is what attestations are about: a tarball's zarf.yaml (which
	// binds every file through checksums.txt), a published package's
	// manifest (as cosign attest makes them).
	subject   ocispec.Descriptor
	path      string
	published *zarfPublished
}

// openZarfTarget opens target when it is a Zarf package (ok false when it
// is not one): a tarball read whole, hashing every file; a published
// package's manifests and the files the checks need.
func openZarfTarget(ctx context.Context, target string, opts registry.Options) (zt *zarfTarget, ok bool, err error) {
	if !registry.IsTarget(target) {
		if !zarf.IsTarball(target) {
			return nil, false, nil
		}
		t, err := zarf.OpenTarball(target)
		if err != nil {
			return nil, true, classifyZarf(err)
		}
		z, err := readZarfTarball(ctx, t)
		if err != nil {
			return nil, true, err
		}
		zt = &zarfTarget{z: z, path: target, subject: z.subject()}
	} else {
		zp, err := openZarfPublished(ctx, target, opts)
		if errors.Is(err, errNotZarf) {
			return nil, false, nil
		}
		if err != nil {
			return nil, true, err
		}
		z, err := zp.read(ctx)
		if err != nil {
			return nil, true, err
		}
		zt = &zarfTarget{z: z, published: zp, subject: zp.manifest}
	}
	return zt, true, nil
}

// checked checks that the package's files are the ones its checksums name
// (a published package's by its layers' digests).
func (zt *zarfTarget) checked(target string) error {
	if check, err := zt.z.checkIntegrity(newResult(target)); err != nil {
		return fmt.Errorf("%s: %s: %w", target, check, err)
	}
	return nil
}

// attest signs statement (about zt.subject) and attaches it: a referrer of
// a published package's manifest, or a bundle beside a tarball
// (PKG.TYPE.sigstore.json).
func (zt *zarfTarget) attest(ctx context.Context, statement []byte, predicateType string, key *sign.Key, opts AttestOptions) (ocispec.Descriptor, error) {
	bundle, err := signStatement(ctx, zt.subject.Digest, statement, key, opts.Sign)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	if zt.published == nil {
		out := ZarfAttestationPath(zt.path, predicateType)
		err := archive.Atomic(out, func(f *os.File) error {
			_, err := f.Write(bundle)
			return err
		})
		return ocispec.Descriptor{MediaType: spec.MediaTypeBundle, Digest: digest.FromBytes(bundle), Size: int64(len(bundle)),
			Annotations: map[string]string{ocispec.AnnotationTitle: out}}, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	s := &signed{replaced: map[*referrer]bool{}, extra: newOverlay(zt.published.b.store)}
	d, err := s.add(zt.subject, bundle, predicateType, now())
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return d, pushGraph(ctx, zt.published.b.repository(), s.extra, d, TransferOptions{Registry: opts.Registry})
}

// ZarfAttestationPath is where an attestation of the Zarf tarball at pkg
// is kept: beside it, as PKG.TYPE.sigstore.json, TYPE "provenance",
// "spdx", "cyclonedx" or "vsa" for the predicate types airlock writes,
// else a short hash of the predicate type.
func ZarfAttestationPath(pkg, predicateType string) string {
	short := map[string]string{attest.PredicateSLSAProvenance: "provenance", attest.PredicateSPDX: "spdx",
		attest.PredicateCycloneDX: "cyclonedx", attest.PredicateVSA: "vsa"}[predicateType]
	if short == "" {
		sum := sha256.Sum256([]byte(predicateType))
		short = "att-" + hex.EncodeToString(sum[:6])
	}
	return pkg + "." + short + ".sigstore.json"
}

// Bounds on the bundles read beside a Zarf tarball.
const (
	maxBesideCount = 64
	maxBesideBytes = 64 << 20
)

// attestationsBeside reads the bundles beside a Zarf tarball
// (PKG.*.sigstore.json): regular files only (no link followed), each
// bounded, at most maxBesideCount of them and maxBesideBytes in all;
// unverified.
func attestationsBeside(pkg string) ([]verify.Attestation, error) {
	dir, base := filepath.Split(pkg)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []verify.Attestation
	total := 0
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, base+".") || !strings.HasSuffix(name, ".sigstore.json") {
			continue
		}
		if len(out) == maxBesideCount {
			return nil, fmt.Errorf("more than %d attestation bundles beside %s", maxBesideCount, pkg)
		}
		data, err := readRegular(filepath.Join(dir, name), spec.MaxBundleSize)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if total += len(data); total > maxBesideBytes {
			return nil, fmt.Errorf("the attestation bundles beside %s hold more than %d bytes", pkg, maxBesideBytes)
		}
		out = append(out, verify.Attestation{Source: name, Bundle: data})
	}
	return out, nil
}

// readRegular reads at most limit bytes of the regular file at path,
// following no link and never blocking on a pipe.
func readRegular(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, fmt.Errorf("expected a regular file: %v", err)
	}
	return limited.ReadAll(f, limit)
}

// attestations lists the attestations of the package: the bundles beside
// a tarball, or the signed referrers of a published package's manifest.
func (zt *zarfTarget) attestations(ctx context.Context) ([]verify.Attestation, []string, error) {
	if zt.published == nil {
		atts, err := attestationsBeside(zt.path)
		return atts, nil, err
	}
	atts, unsigned, _, err := newReferrerReader(zt.published.b).attestations(ctx, zt.subject, func(string) bool { return true })
	return atts, unsigned, err
}

// build describes the package for airlock's provenance and SBOM: its
// definition, every file checksums.txt lists (each component's tar under
// its component's name), and every image images/index.json names.
func (zt *zarfTarget) build() (attest.Build, error) {
	z := zt.z
	b := attest.Build{Name: z.def.Metadata.Name, Version: z.def.Metadata.Version, Description: z.def.Metadata.Description,
		Root: zt.subject.Digest, Definition: z.definition, BuildType: attest.BuildTypeZarf}
	b.Started, b.Finished = time.Now().UTC(), time.Now().UTC()
	if t, err := time.Parse(time.RFC1123Z, z.def.Build.Timestamp); err == nil {
		b.Started, b.Finished = t, t
	}
	sums, err := zarf.ParseChecksums(z.checksums)
	if err != nil {
		return b, err
	}
	for _, p := range sums.Paths() {
		component := ""
		if name, ok := strings.CutPrefix(p, "components/"); ok && strings.HasSuffix(name, ".tar") && !strings.Contains(name, "/") {
			component = strings.TrimSuffix(name, ".tar")
		}
		b.Dependencies = append(b.Dependencies, attest.Dependency{Kind: "file", Name: p, Component: component, Digest: sums[p]})
	}
	images, err := z.imageList()
	if err != nil {
		return b, err
	}
	for _, img := range images {
		b.Dependencies = append(b.Dependencies, attest.Dependency{Kind: "image", Name: img.Annotations[ocispec.AnnotationRefName],
			Digest: img.Digest, Size: img.Size, MediaType: img.MediaType})
	}
	return b, nil
}

// imageList reads images/index.json: each image with the reference it was
// pulled by (org.opencontainers.image.ref.name), sorted by it.
func (z *zarfContent) imageList() ([]ocispec.Descriptor, error) {
	if z.images == nil {
		return nil, nil
	}
	var idx ocispec.Index
	if err := json.Unmarshal(z.images, &idx); err != nil {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "%s: %v", zarf.ImageIndexFile, err)
	}
	var out []ocispec.Descriptor
	for _, m := range idx.Manifests {
		ref := m.Annotations[ocispec.AnnotationRefName]
		if ref == "" || m.Digest.Validate() != nil || m.Size < 0 {
			return nil, verify.Fail(verify.ReasonMalformedPackage, "%s: expected every image with a digest and a reference, found %q %q", zarf.ImageIndexFile, m.Digest, ref)
		}
		if !spec.IsManifest(m.MediaType) {
			return nil, verify.Fail(verify.ReasonMalformedPackage, "%s: %s: expected a manifest or an index, found a %q", zarf.ImageIndexFile, ref, m.MediaType)
		}
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Annotations[ocispec.AnnotationRefName] < out[j].Annotations[ocispec.AnnotationRefName]
	})
	return out, nil
}

// listZarfAttestations lists a Zarf package's attestations, unverified.
func listZarfAttestations(ctx context.Context, zt *zarfTarget) ([]AttestationInfo, error) {
	atts, unsigned, err := zt.attestations(ctx)
	if err != nil {
		return nil, err
	}
	out := []AttestationInfo{}
	for _, a := range atts {
		info := AttestationInfo{Signed: true, Signer: verify.ClaimedSigner(a.Bundle), Size: int64(len(a.Bundle)), Digest: a.Source}
		if zt.published == nil {
			info.Digest = digest.FromBytes(a.Bundle).String()
		}
		if st, err := verify.Statement(a.Bundle); err == nil {
			if p, err := attest.Parse(st); err == nil {
				info.PredicateType = p.PredicateType
			}
		}
		out = append(out, info)
	}
	for _, pt := range unsigned {
		out = append(out, AttestationInfo{PredicateType: pt})
	}
	return out, nil
}

// verifyZarfAttestations verifies a Zarf package as verify does (a
// published one by its layers' digests, without downloading them), then
// the attestations the policy requires, about the package's subject.
func verifyZarfAttestations(ctx context.Context, zt *zarfTarget, target string, opts VerifyOptions) (*verify.Result, []verify.Attestation, error) {
	res := newResult(target)
	if err := opts.validate(); err != nil {
		return res, nil, err
	}
	v, err := verifier(opts.Trust)
	if err != nil {
		return res, nil, err
	}
	if err := zt.z.check(v, opts, res); err != nil {
		return res, nil, err
	}
	atts, err := zt.checkAttestations(ctx, v, opts, res)
	if err != nil {
		return res, nil, err
	}
	res.Verified = true
	return res, atts, nil
}

// checkAttestations verifies the package's attestations against the
// policy's requirements, about its subject, and returns them.
func (zt *zarfTarget) checkAttestations(ctx context.Context, v *verify.Verifier, opts VerifyOptions, res *verify.Result) ([]verify.Attestation, error) {
	atts, unsigned, err := zt.attestations(ctx)
	if err != nil {
		return nil, finish(res, err, "attestation")
	}
	results, err := v.Attestations(zt.subject.Digest, atts, unsigned, opts.Policy)
	res.Attestations = append(res.Attestations, results...)
	if err != nil {
		return nil, finish(res, err, "attestation")
	}
	for _, a := range results {
		if a.Verified && a.Required {
			res.AddCheck("attestation", verify.StatusPassed, fmt.Sprintf("%s signed by %s (%s)", a.PredicateType, signerOf(a.SignatureResult), a.Source))
		}
	}
	return atts, nil
}

// subject is what a Zarf tarball's attestations are about: its zarf.yaml.
func (z *zarfContent) subject() ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: "application/yaml", Digest: digest.FromBytes(z.definition), Size: int64(len(z.definition))}
}

// downloadZarfAttestation returns the statement (or, with raw, the bundle)
// of a predicateType attestation of the Zarf package that verified.
func downloadZarfAttestation(ctx context.Context, zt *zarfTarget, target, predicateType string, raw bool, opts VerifyOptions) ([]byte, error) {
	res, atts, err := verifyZarfAttestations(ctx, zt, target, opts)
	if err != nil {
		return nil, err
	}
	for _, a := range res.Attestations {
		if !a.Verified || a.PredicateType != predicateType {
			continue
		}
		for _, b := range atts {
			if b.Source == a.Source && raw {
				return b.Bundle, nil
			}
			if b.Source == a.Source {
				return verify.Statement(b.Bundle)
			}
		}
	}
	return nil, fmt.Errorf("attestation %s verified but is not among what was read from %s", predicateType, target)
}
