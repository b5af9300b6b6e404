// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	orasregistry "oras.land/oras-go/v2/registry"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// source is a package to read: an archive, or a repository in a registry.
// Either way its content is untrusted until verified.
type source struct {
	// store serves the package's content, checked against digests as it is read.
	store content.ReadOnlyStorage
	// root is the package root, with its artifactType.
	root ocispec.Descriptor
	// index is the root's content.
	index ocispec.Index
	// referrers are the manifests about the root: signatures and attestations.
	referrers []registry.Referrer
	// archive is set for an archive source, remote for a registry source.
	archive *archive.Reader
	remote  *registry.Store
	ref     orasregistry.Reference

	// bySubject indexes an archive's index.json entries by the digest they
	// are about, read once (images are verified in parallel).
	indexOnce sync.Once
	bySubject map[digest.Digest][]registry.Referrer
	indexErr  error
}

func (s *source) Close() error {
	if s.archive != nil {
		return s.archive.Close()
	}
	return nil
}

// openSource opens an archive path or an oci:// target and finds the
// package root and its referrers, reading only manifests.
func openSource(ctx context.Context, target string, reg registry.Options) (*source, error) {
	if !registry.IsTarget(target) {
		r, err := archive.Open(target)
		if err != nil {
			return nil, classify(err)
		}
		s := &source{store: r, archive: r}
		if err := s.fromArchive(ctx); err != nil {
			r.Close()
			return nil, classify(err)
		}
		return s, nil
	}
	ref, err := registry.ParseTarget(target)
	if err != nil {
		return nil, err
	}
	repo, err := registry.Repository(ref, reg)
	if err != nil {
		return nil, err
	}
	if ref.Reference == "" {
		return nil, fmt.Errorf("%w: %s: expected a tag or a digest", registry.ErrTarget, target)
	}
	root, err := repo.Resolve(ctx, ref.Reference)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", target, err)
	}
	store := registry.NewStore(repo)
	s := &source{store: store, remote: store, ref: ref, root: ocispec.Descriptor{MediaType: root.MediaType, Digest: root.Digest, Size: root.Size}}
	if err := s.readRoot(ctx); err != nil {
		return nil, err
	}
	if _, err := registry.ProbeReferrers(ctx, repo); err != nil {
		return nil, err
	}
	if s.referrers, err = registry.Discover(ctx, repo, s.root); err != nil {
		return nil, err
	}
	return s, nil
}

// fromArchive finds the root by index.json, and its referrers.
func (s *source) fromArchive(ctx context.Context) error {
	root, err := s.archive.Root()
	if err != nil {
		return err
	}
	s.root = root
	if err := s.readRoot(ctx); err != nil {
		return err
	}
	s.referrers, err = s.archiveReferrers(ctx, root)
	return err
}

// readRoot reads and checks the root index.
func (s *source) readRoot(ctx context.Context) error {
	if s.root.MediaType != ocispec.MediaTypeImageIndex {
		return verify.Fail(verify.ReasonMalformedPackage, "package root %s: expected an %s, found %s", s.root.Digest, ocispec.MediaTypeImageIndex, s.root.MediaType)
	}
	data, err := readBounded(ctx, s.store, s.root, spec.MaxManifestSize)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &s.index); err != nil {
		return verify.Fail(verify.ReasonMalformedPackage, "package root %s: %v", s.root.Digest, err)
	}
	if s.index.ArtifactType != spec.ArtifactTypePackage {
		return verify.Fail(verify.ReasonMalformedPackage, "package root %s: expected artifactType %s, found %q", s.root.Digest, spec.ArtifactTypePackage, s.index.ArtifactType)
	}
	s.root.ArtifactType = spec.ArtifactTypePackage
	return nil
}

// info names the package.
func (s *source) info() verify.PackageInfo {
	return verify.PackageInfo{
		Name:    s.index.Annotations[spec.AnnotationTitle],
		Version: s.index.Annotations[spec.AnnotationVersion],
		Digest:  s.root.Digest.String(),
	}
}

// signatures reads the root's signatures: bundle referrers whose predicate
// type is cosign's signature statement (attestations are other referrers),
// and the layers of cosign's legacy ".sig" manifests.
func (s *source) signatures(ctx context.Context) ([]verify.Signature, error) {
	var sigs []verify.Signature
	for _, ref := range s.referrers {
		switch {
		case ref.LegacyTag == registry.LegacyTag(s.root.Digest, registry.LegacySignatureSuffix):
			legacy, err := s.legacySignatures(ctx, ref)
			if err != nil {
				return nil, err
			}
			sigs = append(sigs, legacy...)
		case ref.LegacyTag == "" && ref.ArtifactType == spec.MediaTypeBundle:
			bundle, _, err := s.bundleOf(ctx, ref.Descriptor, func(pt string) bool { return pt == spec.PredicateTypeCosignSign })
			if err != nil {
				return nil, fmt.Errorf("read signature referrer: %w", err)
			}
			if bundle != nil {
				sigs = append(sigs, verify.Signature{Source: ref.Digest.String(), Bundle: bundle})
			}
		}
	}
	return sigs, nil
}

// bundleOf reads the bundle of a bundle referrer when want accepts its
// predicate type, and returns nil otherwise. The predicate type is read from
// the listing's annotations, or from the manifest where the listing has none
// (go-containerregistry's referrers tag index drops them). The bundle's own
// statement is checked again by the verifier: annotations only route.
func (s *source) bundleOf(ctx context.Context, ref ocispec.Descriptor, want func(predicateType string) bool) ([]byte, string, error) {
	predicateType, listed := ref.Annotations[spec.AnnotationBundlePredicateType]
	if listed && !want(predicateType) {
		return nil, predicateType, nil
	}
	m, err := s.manifest(ctx, ref)
	if err != nil {
		return nil, "", err
	}
	if !listed {
		predicateType = m.Annotations[spec.AnnotationBundlePredicateType]
		if !want(predicateType) {
			return nil, predicateType, nil
		}
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != spec.MediaTypeBundle {
		return nil, "", verify.Fail(verify.ReasonMalformedPackage, "referrer %s: expected one layer of type %s, found %d layers", ref.Digest, spec.MediaTypeBundle, len(m.Layers))
	}
	bundle, err := readBounded(ctx, s.store, m.Layers[0], spec.MaxBundleSize)
	return bundle, predicateType, err
}

// Cosign's legacy signature layer and its annotations.
const (
	mediaTypeSimpleSigning  = "application/vnd.dev.cosign.simplesigning.v1+json"
	annotationCosignSig     = "dev.cosignproject.cosign/signature"
	annotationCosignBundle  = "dev.sigstore.cosign/bundle"
	maxLegacyLayers         = 100
	maxSimpleSigningPayload = 1 << 20
)

func (s *source) legacySignatures(ctx context.Context, ref registry.Referrer) ([]verify.Signature, error) {
	m, err := s.manifest(ctx, ref.Descriptor)
	if err != nil {
		return nil, err
	}
	if len(m.Layers) > maxLegacyLayers {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "%s: %d signature layers, more than the %d allowed", ref.LegacyTag, len(m.Layers), maxLegacyLayers)
	}
	var sigs []verify.Signature
	for _, l := range m.Layers {
		if l.MediaType != mediaTypeSimpleSigning {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(l.Annotations[annotationCosignSig])
		if err != nil {
			return nil, verify.Fail(verify.ReasonMalformedBundle, "%s: layer %s: signature annotation: %v", ref.LegacyTag, l.Digest, err)
		}
		payload, err := readBounded(ctx, s.store, l, maxSimpleSigningPayload)
		if err != nil {
			return nil, err
		}
		_, logged := l.Annotations[annotationCosignBundle]
		sigs = append(sigs, verify.Signature{
			Source: ref.LegacyTag + "@" + ref.Digest.String(),
			Legacy: &verify.LegacySignature{Payload: payload, Signature: sig, HasLogEntry: logged},
		})
	}
	return sigs, nil
}

func (s *source) manifest(ctx context.Context, desc ocispec.Descriptor) (*ocispec.Manifest, error) {
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "referrer %s: expected an %s, found %s", desc.Digest, ocispec.MediaTypeImageManifest, desc.MediaType)
	}
	data, err := readBounded(ctx, s.store, desc, spec.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "referrer %s: %v", desc.Digest, err)
	}
	return &m, nil
}

// readBounded reads a small document, refusing one larger than limit before
// reading, and checking its digest.
func readBounded(ctx context.Context, store content.Fetcher, desc ocispec.Descriptor, limit int64) ([]byte, error) {
	if desc.Size > limit || desc.Size < 0 {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "%s is %d bytes: expected at most %d", desc.Digest, desc.Size, limit)
	}
	rc, err := store.Fetch(ctx, desc)
	if err != nil {
		return nil, classify(err)
	}
	defer rc.Close()
	data, err := content.ReadAll(rc, desc)
	if err != nil {
		return nil, classify(fmt.Errorf("%s: %w: %w", desc.Digest, archive.ErrDigestMismatch, err))
	}
	return data, nil
}

// manifests lists the package as an archive's index.json does: the root,
// named by its version, then every referrer (legacy ones named by their tag).
func (s *source) manifests() []ocispec.Descriptor {
	root := s.root
	root.Annotations = map[string]string{spec.AnnotationRefName: s.index.Annotations[spec.AnnotationVersion]}
	return append([]ocispec.Descriptor{root}, indexEntries(s.referrers)...)
}

// indexEntries lists referrers as an archive's index.json does: legacy ones
// named by their tag.
func indexEntries(refs []registry.Referrer) []ocispec.Descriptor {
	out := make([]ocispec.Descriptor, 0, len(refs))
	for _, r := range refs {
		d := r.Descriptor
		if r.LegacyTag != "" {
			d.Annotations = map[string]string{spec.AnnotationRefName: r.LegacyTag}
		}
		out = append(out, d)
	}
	return out
}

// referrersOf lists the manifests the package holds about one of its images.
func (s *source) referrersOf(ctx context.Context, img ocispec.Descriptor) ([]registry.Referrer, error) {
	if s.remote != nil {
		return registry.Discover(ctx, s.remote.Repository(), plain(img))
	}
	return s.archiveReferrers(ctx, img)
}

// archiveReferrers lists index.json entries about subject: those whose
// subject field names it, and those carrying cosign's legacy tag for it.
func (s *source) archiveReferrers(ctx context.Context, subject ocispec.Descriptor) ([]registry.Referrer, error) {
	s.indexOnce.Do(func() { s.bySubject, s.indexErr = s.indexSubjects(ctx) })
	return s.bySubject[subject.Digest], s.indexErr
}

// MaxIndexEntries bounds the manifests an archive's index.json may list (the
// root and every signature and attestation of it and of its images).
const MaxIndexEntries = 10000

// indexSubjects reads each index.json entry once and groups the entries by
// the digest they are about.
func (s *source) indexSubjects(ctx context.Context) (map[digest.Digest][]registry.Referrer, error) {
	entries := s.archive.Index().Manifests
	if len(entries) > MaxIndexEntries {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "index.json lists %d manifests, more than the %d allowed", len(entries), MaxIndexEntries)
	}
	root, _ := s.archive.Root()
	out := map[digest.Digest][]registry.Referrer{}
	for _, d := range entries {
		if name := d.Annotations[spec.AnnotationRefName]; strings.HasSuffix(name, registry.LegacySignatureSuffix) || strings.HasSuffix(name, registry.LegacyAttestationSuffix) {
			subject := digest.Digest(strings.Replace(strings.TrimSuffix(strings.TrimSuffix(name, registry.LegacySignatureSuffix), registry.LegacyAttestationSuffix), "-", ":", 1))
			out[subject] = append(out[subject], registry.Referrer{Descriptor: d, LegacyTag: name, Subject: subject})
			continue
		}
		if d.Digest == root.Digest || !spec.IsManifest(d.MediaType) {
			continue
		}
		data, err := readBounded(ctx, s.store, d, spec.MaxManifestSize)
		if err != nil {
			return nil, err
		}
		if sub, err := spec.Subject(d.MediaType, data); err == nil && sub != nil {
			out[sub.Digest] = append(out[sub.Digest], registry.Referrer{Descriptor: d, Subject: sub.Digest})
		}
	}
	return out, nil
}
