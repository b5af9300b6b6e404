// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package spec

import (
	"encoding/json"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// BundleReferrer is a Sigstore bundle stored as an OCI 1.1 referrer, in the
// form cosign v3 writes (pkg/oci/remote WriteAttestationNewBundleFormat): an
// image manifest with artifactType [MediaTypeBundle], the empty config, one
// layer holding the bundle, the subject it is about, and annotations naming
// the bundle's content and predicate type.
type BundleReferrer struct {
	// Manifest is the referrer manifest's JSON.
	Manifest []byte
	// Descriptor describes Manifest, with its artifactType and annotations
	// (as an index or referrers response lists it).
	Descriptor ocispec.Descriptor
	// Bundle describes the layer (the bundle, or an unsigned statement).
	Bundle ocispec.Descriptor
}

// NewBundleReferrer builds the referrer manifest for a bundle about subject.
func NewBundleReferrer(subject ocispec.Descriptor, bundle []byte, predicateType string, created time.Time) (*BundleReferrer, error) {
	return newReferrer(subject, bundle, MediaTypeBundle, map[string]string{
		AnnotationCreated:             created.UTC().Format(time.RFC3339),
		AnnotationBundleContent:       BundleContentDSSE,
		AnnotationBundlePredicateType: predicateType,
	})
}

// NewStatementReferrer builds the referrer manifest for an unsigned in-toto
// statement about subject: what `create` writes for provenance and SBOM,
// until `sign` replaces it with a signed bundle. Its artifactType and layer
// are [MediaTypeInToto]; [AnnotationStatementPredicateType] names the type.
func NewStatementReferrer(subject ocispec.Descriptor, statement []byte, predicateType string, created time.Time) (*BundleReferrer, error) {
	return newReferrer(subject, statement, MediaTypeInToto, map[string]string{
		AnnotationCreated:                created.UTC().Format(time.RFC3339),
		AnnotationStatementPredicateType: predicateType,
	})
}

func newReferrer(subject ocispec.Descriptor, content []byte, mediaType string, annotations map[string]string) (*BundleReferrer, error) {
	layer := ocispec.Descriptor{
		MediaType: mediaType,
		Digest:    digest.FromBytes(content),
		Size:      int64(len(content)),
	}
	config := EmptyJSON
	config.ArtifactType = mediaType // cosign sets it on the config descriptor too
	m := ocispec.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: mediaType,
		Config:       config,
		Layers:       []ocispec.Descriptor{layer},
		Subject:      &ocispec.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations:  annotations,
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return &BundleReferrer{
		Manifest: data,
		Descriptor: ocispec.Descriptor{
			MediaType:    ocispec.MediaTypeImageManifest,
			ArtifactType: mediaType,
			Digest:       digest.FromBytes(data),
			Size:         int64(len(data)),
			Annotations:  annotations,
		},
		Bundle: layer,
	}, nil
}
