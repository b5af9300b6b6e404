// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// MaxReferrerBytes bounds the bytes read, in all, for one package's
// signatures, attestations and other referrers (of the root and of its
// images): their manifests, bundles, statements and cosign payloads. An
// archive or registry that lists more is MALFORMED_PACKAGE; real packages
// use a few KiB per signature.
const MaxReferrerBytes = 64 << 20

// kind is what a referrer holds, as airlock reads it.
type kind int

const (
	// kindOther is a referrer airlock does not read (another tool's
	// artifact, or one about another subject): ignored, never carried.
	kindOther kind = iota
	// kindBundle holds a Sigstore bundle: a signature or an attestation.
	kindBundle
	// kindStatement holds an unsigned in-toto statement (create writes them).
	kindStatement
	// kindLegacySig and kindLegacyAtt are cosign's tag-based formats.
	kindLegacySig
	kindLegacyAtt
)

// referrer is a manifest about a subject, described from its own content:
// the listing that named it (a registry's response, an archive's
// index.json) only routes, it is never copied.
type referrer struct {
	// desc is airlock's descriptor of the manifest: media type, digest and
	// size, with the artifactType and annotations its content carries.
	desc ocispec.Descriptor
	// tag is cosign's legacy tag, for the legacy kinds.
	tag     string
	subject digest.Digest
	kind    kind
	// predicateType is the manifest's annotation (bundles, statements): it
	// routes; the verifier reads the statement itself.
	predicateType string
	layers        []ocispec.Descriptor
	// note says why a kindOther referrer is ignored.
	note string
}

// source names a referrer in results: its digest, and its tag if any.
func (r *referrer) source() string {
	if r.tag != "" {
		return r.tag + "@" + r.desc.Digest.String()
	}
	return r.desc.Digest.String()
}

// referrerReader reads referrers and their small blobs once each, within
// MaxReferrerBytes in all. It is safe for concurrent use (images are
// verified in parallel).
type referrerReader struct {
	src   backend
	mu    sync.Mutex
	spent int64
	read  map[digest.Digest]*referrer
	blobs map[digest.Digest][]byte
}

func newReferrerReader(src backend) *referrerReader {
	return &referrerReader{src: src, read: map[digest.Digest]*referrer{}, blobs: map[digest.Digest][]byte{}}
}

// list reads the referrers of subject whose listing want accepts (nil: all),
// in listing order, at most registry.MaxReferrers of them.
func (rr *referrerReader) list(ctx context.Context, subject ocispec.Descriptor, want func(registry.Referrer) bool) ([]*referrer, error) {
	listed, err := rr.src.referrers(ctx, subject)
	if err != nil {
		return nil, err
	}
	if len(listed) > registry.MaxReferrers {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "%s has %d referrers, more than the %d allowed", subject.Digest, len(listed), registry.MaxReferrers)
	}
	var out []*referrer
	seen := map[digest.Digest]bool{}
	for _, l := range listed {
		if seen[l.Digest] || (want != nil && !want(l)) {
			continue
		}
		seen[l.Digest] = true
		r, err := rr.get(ctx, l, subject.Digest)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// get reads one listed referrer of subject, once.
func (rr *referrerReader) get(ctx context.Context, l registry.Referrer, subject digest.Digest) (*referrer, error) {
	rr.mu.Lock()
	r, ok := rr.read[l.Digest]
	rr.mu.Unlock()
	if ok && r.subject == subject && r.tag == l.LegacyTag {
		return r, nil
	}
	if !spec.IsManifest(l.MediaType) {
		return &referrer{desc: plain(l.Descriptor), subject: subject, tag: l.LegacyTag, note: "not a manifest: " + l.MediaType}, nil
	}
	data, err := rr.readBlob(ctx, plain(l.Descriptor), spec.MaxManifestSize)
	if err != nil {
		return nil, fmt.Errorf("read referrer %s of %s: %w", l.Digest, subject, err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "referrer %s of %s: %v", l.Digest, subject, err)
	}
	r = classifyReferrer(plain(l.Descriptor), l.LegacyTag, subject, &m)
	rr.mu.Lock()
	rr.read[l.Digest] = r
	rr.mu.Unlock()
	return r, nil
}

// classifyReferrer says what a referrer manifest holds, from its content.
func classifyReferrer(desc ocispec.Descriptor, tag string, subject digest.Digest, m *ocispec.Manifest) *referrer {
	r := &referrer{desc: desc, tag: tag, subject: subject, layers: m.Layers}
	artifactType := m.ArtifactType
	if artifactType == "" {
		artifactType = m.Config.MediaType
	}
	r.desc.ArtifactType = artifactType
	r.desc.Annotations = ownAnnotations(m.Annotations)
	r.predicateType = m.Annotations[spec.AnnotationBundlePredicateType]
	switch {
	case tag != "" && strings.HasSuffix(tag, registry.LegacySignatureSuffix):
		r.kind = kindLegacySig
		r.desc.ArtifactType, r.desc.Annotations = "", nil
	case tag != "":
		r.kind = kindLegacyAtt
		r.desc.ArtifactType, r.desc.Annotations = "", nil
	case m.Subject == nil || m.Subject.Digest != subject:
		r.note = "about another subject"
	case artifactType == spec.MediaTypeBundle:
		r.kind = kindBundle
	case artifactType == spec.MediaTypeInToto:
		r.kind = kindStatement
		r.predicateType = m.Annotations[spec.AnnotationStatementPredicateType]
	default:
		r.note = "an artifact of type " + artifactType
	}
	if err := wellShaped(r, m); err != nil {
		r.kind, r.note = kindOther, err.Error()
	}
	return r
}

// maxLegacyConfig bounds the image config of a cosign legacy manifest.
const maxLegacyConfig = 64 << 10

// wellShaped checks that everything a referrer manifest names is what its
// kind holds, and nothing more: only the bundle, statement or signature
// layers are signed, so anything else it named (a config pointing at
// another manifest, extra layers, a large blob) would travel with a
// signature that does not cover it. A referrer of another shape is ignored.
func wellShaped(r *referrer, m *ocispec.Manifest) error {
	switch r.kind {
	case kindBundle, kindStatement:
		layer := spec.MediaTypeBundle
		if r.kind == kindStatement {
			layer = spec.MediaTypeInToto
		}
		if r.desc.MediaType != ocispec.MediaTypeImageManifest {
			return fmt.Errorf("expected an %s, found a %s", ocispec.MediaTypeImageManifest, r.desc.MediaType)
		}
		if m.Config.MediaType != spec.EmptyJSON.MediaType || m.Config.Digest != spec.EmptyJSON.Digest || m.Config.Size != spec.EmptyJSON.Size {
			return fmt.Errorf("expected the empty config, found %s %s", m.Config.MediaType, m.Config.Digest)
		}
		if len(m.Layers) != 1 || m.Layers[0].MediaType != layer {
			return fmt.Errorf("expected one layer of type %s, found %d layers", layer, len(m.Layers))
		}
	case kindLegacySig, kindLegacyAtt:
		layer := mediaTypeSimpleSigning
		if r.kind == kindLegacyAtt {
			layer = mediaTypeDSSE
		}
		if c := m.Config.MediaType; (c != ocispec.MediaTypeImageConfig && c != mediaTypeDockerConfig) || m.Config.Size > maxLegacyConfig {
			return fmt.Errorf("expected a small image config, found %s of %d bytes", c, m.Config.Size)
		}
		for _, l := range m.Layers {
			if l.MediaType != layer {
				return fmt.Errorf("expected only %s layers, found one of type %s", layer, l.MediaType)
			}
		}
	}
	return nil
}

// ownAnnotations keeps the annotations airlock writes on a referrer's
// descriptor, as the manifest itself carries them.
func ownAnnotations(in map[string]string) map[string]string {
	out := map[string]string{}
	for _, k := range []string{spec.AnnotationCreated, spec.AnnotationBundleContent, spec.AnnotationBundlePredicateType, spec.AnnotationStatementPredicateType} {
		if v, ok := in[k]; ok {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// readBlob reads a small blob once, charging it to the budget.
func (rr *referrerReader) readBlob(ctx context.Context, desc ocispec.Descriptor, limit int64) ([]byte, error) {
	rr.mu.Lock()
	if data, ok := rr.blobs[desc.Digest]; ok && int64(len(data)) == desc.Size {
		rr.mu.Unlock()
		return data, nil
	}
	if desc.Size > 0 && rr.spent+desc.Size > MaxReferrerBytes {
		rr.mu.Unlock()
		return nil, verify.Fail(verify.ReasonMalformedPackage, "signatures and attestations of more than %d bytes in all: expected a few KiB per signature", MaxReferrerBytes)
	}
	rr.spent += max(desc.Size, 0)
	rr.mu.Unlock()
	data, err := graph.ReadBounded(ctx, rr.src, desc, limit)
	if err != nil {
		return nil, err
	}
	rr.mu.Lock()
	rr.blobs[desc.Digest] = data
	rr.mu.Unlock()
	return data, nil
}

// cached returns a small blob already read and checked, if it was.
func (rr *referrerReader) cached(desc ocispec.Descriptor) ([]byte, bool) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	data, ok := rr.blobs[desc.Digest]
	return data, ok && int64(len(data)) == desc.Size
}

// bundle reads a bundle referrer's bundle.
func (rr *referrerReader) bundle(ctx context.Context, r *referrer) ([]byte, error) {
	return rr.readBlob(ctx, r.layers[0], spec.MaxBundleSize)
}

// statement reads an unsigned statement referrer's statement.
func (rr *referrerReader) statement(ctx context.Context, r *referrer) ([]byte, error) {
	return rr.readBlob(ctx, r.layers[0], spec.MaxStatementSize)
}
