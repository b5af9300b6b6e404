// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package spec names the media types, artifact types and annotation keys of an
// airlock package, and describes the shape of its OCI graph. It does no I/O.
//
// A package is an OCI image index (the root) whose artifactType is
// [ArtifactTypePackage]. Its manifests are one OCI image manifest per component
// (artifactType [ArtifactTypeComponent], with files, manifests and charts as
// titled layers) followed by every image the package carries, each in its own
// media types and annotated with [AnnotationImageRef]. Signatures and
// attestations are Sigstore bundles stored as OCI 1.1 referrers of the root,
// exactly as cosign v3 stores them in registries. docs/format.md is the
// normative description.
package spec

import (
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Artifact types of the manifests airlock writes.
const (
	// ArtifactTypePackage is the artifactType of a package's root index.
	ArtifactTypePackage = "application/vnd.airlock.package.v1+json"
	// ArtifactTypeComponent is the artifactType of a component's manifest.
	ArtifactTypeComponent = "application/vnd.airlock.component.v1+json"
)

// Layer media types of a component manifest.
const (
	// MediaTypeFile is a plain file, stored byte for byte (not compressed), so
	// that its layer digest is the file's own sha256.
	MediaTypeFile = "application/vnd.airlock.file.v1"
	// MediaTypeManifest is a Kubernetes manifest (YAML or JSON), stored byte for byte.
	MediaTypeManifest = "application/vnd.airlock.manifest.v1+yaml"
	// MediaTypeChart is a Helm chart archive, the media type Helm itself uses
	// for chart content in OCI registries.
	MediaTypeChart = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
)

// Sigstore media types and values, as cosign v3 writes them.
const (
	// MediaTypeBundle is the media type of a Sigstore bundle v0.3, used both as the
	// layer media type and as the artifactType of the referrer manifest holding it.
	MediaTypeBundle = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// MediaTypeInToto is the DSSE payload type of an in-toto statement.
	MediaTypeInToto = "application/vnd.in-toto+json"
	// PredicateTypeCosignSign is the predicate type of cosign v3's signature
	// statement: a package is signed by a DSSE envelope over an in-toto
	// statement with this type whose subject is the package root digest.
	PredicateTypeCosignSign = "https://sigstore.dev/cosign/sign/v1"
	// BundleContentDSSE is the value of [AnnotationBundleContent] for a bundle
	// holding a DSSE envelope.
	BundleContentDSSE = "dsse-envelope"
)

// Annotation keys.
const (
	// AnnotationTitle names a layer (a file's path in the component) and the package (its name).
	AnnotationTitle = ocispec.AnnotationTitle
	// AnnotationVersion is the package version on the root index.
	AnnotationVersion = ocispec.AnnotationVersion
	// AnnotationDescription is the package description on the root index.
	AnnotationDescription = ocispec.AnnotationDescription
	// AnnotationCreated is the creation time (RFC 3339, UTC).
	AnnotationCreated = ocispec.AnnotationCreated
	// AnnotationRefName names the package root in an archive's index.json.
	AnnotationRefName = ocispec.AnnotationRefName
	// AnnotationComponent names the component a manifest or image belongs to.
	AnnotationComponent = "dev.airlock.component"
	// AnnotationImageRef is the reference an image was pulled from.
	AnnotationImageRef = "dev.airlock.image.ref"
	// AnnotationImagePolicy is the upstream policy (JSON, policy.ImagePolicy
	// with keys inline) an image was verified against at create time.
	AnnotationImagePolicy = "dev.airlock.image.policy"
	// AnnotationFileTarget is where a file is meant to land, when the definition says.
	AnnotationFileTarget = "dev.airlock.file.target"
	// AnnotationBundleContent says what a bundle holds (cosign: "dsse-envelope").
	AnnotationBundleContent = "dev.sigstore.bundle.content"
	// AnnotationBundlePredicateType is the predicate type of the statement in a bundle.
	AnnotationBundlePredicateType = "dev.sigstore.bundle.predicateType"
	// AnnotationStatementPredicateType is the predicate type of an unsigned statement.
	AnnotationStatementPredicateType = "dev.airlock.statement.predicateType"
	// AnnotationBase, on a differential archive's index.json, is the digest
	// of the base package root whose blobs it omits (informational: every
	// blob read from the base is checked against the package's digests);
	// AnnotationBaseName and AnnotationBaseVersion name that package.
	AnnotationBase        = "dev.airlock.base"
	AnnotationBaseName    = "dev.airlock.base.name"
	AnnotationBaseVersion = "dev.airlock.base.version"
)

// EmptyJSON is the content of the OCI empty descriptor ("{}"), the config of
// component manifests and signature referrers.
var EmptyJSON = ocispec.DescriptorEmptyJSON

// Limits that bound what airlock reads from untrusted input.
const (
	// MaxManifestSize bounds a manifest or index read from an archive or
	// registry: 4 MiB, the limit registries commonly enforce.
	MaxManifestSize = 4 << 20
	// MaxIndexSize bounds an archive's index.json.
	MaxIndexSize = 4 << 20
	// MaxBundleSize bounds a Sigstore bundle.
	MaxBundleSize = 4 << 20
	// MaxStatementSize bounds an unsigned statement (an SBOM of many files).
	MaxStatementSize = 4 << 20
)

// IsManifest reports whether mediaType is an OCI or Docker manifest or index,
// the nodes of a graph that name other blobs.
func IsManifest(mediaType string) bool {
	switch mediaType {
	case ocispec.MediaTypeImageManifest, ocispec.MediaTypeImageIndex,
		MediaTypeDockerManifest, MediaTypeDockerManifestList:
		return true
	}
	return false
}

// Docker's manifest media types, which images pulled from registries may use.
const (
	// MediaTypeDockerManifest is Docker's schema 2 manifest.
	MediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	// MediaTypeDockerManifestList is Docker's manifest list.
	MediaTypeDockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
)
