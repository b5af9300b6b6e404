// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/base64"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// Cosign's legacy signature and attestation layers, and their annotations.
const (
	mediaTypeSimpleSigning  = "application/vnd.dev.cosign.simplesigning.v1+json"
	mediaTypeDSSE           = "application/vnd.dsse.envelope.v1+json"
	mediaTypeDockerConfig   = "application/vnd.docker.container.image.v1+json"
	annotationCosignSig     = "dev.cosignproject.cosign/signature"
	annotationCosignBundle  = "dev.sigstore.cosign/bundle"
	maxLegacyLayers         = 100
	maxSimpleSigningPayload = 1 << 20
)

// found maps a signature's or attestation's Source (as results name it)
// to the referrer that holds it, so that what verified can be carried.
type found map[string]*referrer

// signatures reads subject's signatures: bundle referrers holding cosign's
// signature statement, and the layers of cosign's legacy ".sig" manifest.
// Only those are fetched; the listing's annotations route, the verifier
// checks each bundle's own statement.
func (rr *referrerReader) signatures(ctx context.Context, subject ocispec.Descriptor) ([]verify.Signature, found, error) {
	sigTag := registry.LegacyTag(subject.Digest, registry.LegacySignatureSuffix)
	refs, err := rr.list(ctx, subject, func(l registry.Referrer) bool {
		if l.LegacyTag != "" {
			return l.LegacyTag == sigTag
		}
		return routes(l, spec.MediaTypeBundle, func(pt string) bool { return pt == spec.PredicateTypeCosignSign })
	})
	if err != nil {
		return nil, nil, err
	}
	var sigs []verify.Signature
	where := found{}
	for _, r := range refs {
		switch {
		case r.kind == kindLegacySig:
			legacy, err := rr.legacySignatures(ctx, r)
			if err != nil {
				return nil, nil, err
			}
			sigs = append(sigs, legacy...)
			for _, s := range legacy {
				where[s.Source] = r
			}
		case r.kind == kindBundle && r.predicateType == spec.PredicateTypeCosignSign:
			bundle, err := rr.bundle(ctx, r)
			if err != nil {
				return nil, nil, err
			}
			sigs = append(sigs, verify.Signature{Source: r.source(), Bundle: bundle})
			where[r.source()] = r
		}
	}
	return sigs, where, nil
}

// routes says whether a listed referrer may be of artifactType with a
// predicate type want accepts; listings without that information are read.
func routes(l registry.Referrer, artifactType string, want func(string) bool) bool {
	if l.ArtifactType != "" && l.ArtifactType != artifactType {
		return false
	}
	pt, ok := l.Annotations[spec.AnnotationBundlePredicateType]
	return !ok || want(pt)
}

// legacySignatures reads the signature layers of a cosign ".sig" manifest,
// each distinct layer once, at most maxLegacyLayers.
func (rr *referrerReader) legacySignatures(ctx context.Context, r *referrer) ([]verify.Signature, error) {
	if len(r.layers) > maxLegacyLayers {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "%s: %d signature layers, more than the %d allowed", r.tag, len(r.layers), maxLegacyLayers)
	}
	var sigs []verify.Signature
	seen := map[digest.Digest]bool{}
	for _, l := range r.layers {
		if l.MediaType != mediaTypeSimpleSigning || seen[l.Digest] {
			continue
		}
		seen[l.Digest] = true
		sig, err := base64.StdEncoding.DecodeString(l.Annotations[annotationCosignSig])
		if err != nil {
			return nil, verify.Fail(verify.ReasonMalformedBundle, "%s: layer %s: signature annotation: %v", r.tag, l.Digest, err)
		}
		payload, err := rr.readBlob(ctx, l, maxSimpleSigningPayload)
		if err != nil {
			return nil, err
		}
		_, logged := l.Annotations[annotationCosignBundle]
		sigs = append(sigs, verify.Signature{
			Source: r.source() + "#" + l.Digest.String(), // each layer is a signature of its own
			Legacy: &verify.LegacySignature{Payload: payload, Signature: sig, HasLogEntry: logged},
		})
	}
	return sigs, nil
}

// attestations reads the signed attestations about subject whose predicate
// type want accepts (a bundle whose manifest names no type is read, and its
// statement decides), and lists the predicate types of unsigned statements.
func (rr *referrerReader) attestations(ctx context.Context, subject ocispec.Descriptor, want func(string) bool) ([]verify.Attestation, []string, found, error) {
	wanted := func(pt string) bool { return pt == "" || (pt != spec.PredicateTypeCosignSign && want(pt)) }
	refs, err := rr.list(ctx, subject, func(l registry.Referrer) bool {
		return l.LegacyTag == "" && (routes(l, spec.MediaTypeBundle, wanted) || l.ArtifactType == spec.MediaTypeInToto)
	})
	if err != nil {
		return nil, nil, nil, err
	}
	var atts []verify.Attestation
	var unsigned []string
	where := found{}
	for _, r := range refs {
		switch {
		case r.kind == kindStatement:
			unsigned = append(unsigned, r.predicateType)
		case r.kind == kindBundle && wanted(r.predicateType):
			bundle, err := rr.bundle(ctx, r)
			if err != nil {
				return nil, nil, nil, err
			}
			atts = append(atts, verify.Attestation{Source: r.source(), Bundle: bundle})
			where[r.source()] = r
		}
	}
	return atts, unsigned, where, nil
}

// verifiedOnes returns the referrers whose signatures or attestations
// verified, each once, in the order found.
func verifiedOnes(where found, sigs []verify.SignatureResult, atts []verify.AttestationResult) []*referrer {
	var out []*referrer
	seen := map[*referrer]bool{}
	add := func(source string, ok bool) {
		if r := where[source]; ok && r != nil && !seen[r] {
			seen[r] = true
			out = append(out, r)
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
