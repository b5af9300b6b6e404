// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
	"github.com/airlock-dev/airlock/zarf"
)

// OpenOptions tunes [Open]. The zero value is valid.
type OpenOptions struct {
	// Registry says how registries are reached, for oci:// targets.
	Registry registry.Options
	// Base is the package a differential archive was made against (an
	// archive or oci:// reference): the blobs the archive omits are read
	// from it, each checked against the package's digests. Required for a
	// differential archive, refused when it is not the base the archive
	// names. Default: none.
	Base string
}

// Package is a package opened for reading: an archive file opened once, or
// a registry reference resolved once to a digest. Nothing in it is trusted
// yet: [Package.Verify] checks it against a policy and returns a [Handle]
// through which everything that verified, and only that, can be read. Close
// it when done.
type Package struct {
	target string
	root   ocispec.Descriptor
	index  ocispec.Index
	// rootData is the root as read, checked against its digest.
	rootData []byte
	src      backend
	// tag is the tag an oci:// reference named ("" for a digest or an archive).
	tag string
	// refs reads the package's signatures and attestations, each once.
	refs *referrerReader
	// subjectList caches subjects; children each image index's platforms.
	subjectList []ocispec.Descriptor
	children    map[digest.Digest][]ocispec.Descriptor
}

// MaxSubjects bounds what a package's referrers may be about, in all: the
// root, its images and their platforms.
const MaxSubjects = 20000

// Open opens the package at target, an archive's path or
// oci://REGISTRY/REPO:TAG|@DIGEST: the archive file is opened and indexed
// once; a tag is resolved once, and the package is that digest from then
// on. It reads the root index and checks that it is a package. Close the
// Package when done.
func Open(ctx context.Context, target string, opts OpenOptions) (*Package, error) {
	var src backend
	var root ocispec.Descriptor
	var tag string
	var err error
	if registry.IsTarget(target) {
		src, root, tag, err = openRemote(ctx, target, opts.Registry)
	} else if zarf.IsTarball(target) {
		return nil, fmt.Errorf("%s is a Zarf package: verify, sign, attest, attestation and mirror take it; this verb is for airlock packages", target)
	} else {
		src, root, err = openArchive(ctx, target, opts)
		if errors.Is(err, fs.ErrNotExist) && looksLikeReference(target) {
			err = fmt.Errorf("%w (a registry package? write %s%s)", err, registry.Scheme, target)
		}
	}
	if err != nil {
		return nil, classify(err)
	}
	p := &Package{target: target, root: root, src: src, tag: tag, refs: newReferrerReader(src)}
	if err := p.readRoot(ctx); err != nil {
		src.close()
		return nil, classify(err)
	}
	if a, ok := src.(*archiveBackend); ok {
		if err := a.index(ctx, p.subjects); err != nil {
			src.close()
			return nil, classify(err)
		}
	}
	return p, nil
}

// Close releases the archive file, if any.
func (p *Package) Close() error { return p.src.close() }

// Target is what was opened, as the caller named it.
func (p *Package) Target() string { return p.target }

// Root is the package root: its digest is what signatures are about.
func (p *Package) Root() ocispec.Descriptor { return p.root }

// Info names the package as its root says (unverified until [Package.Verify]).
func (p *Package) Info() verify.PackageInfo {
	return verify.PackageInfo{
		Name:    p.index.Annotations[spec.AnnotationTitle],
		Version: p.index.Annotations[spec.AnnotationVersion],
		Digest:  p.root.Digest.String(),
	}
}

// Images lists the images the package carries, as its root lists them.
func (p *Package) Images() []ocispec.Descriptor {
	var out []ocispec.Descriptor
	for _, m := range p.index.Manifests {
		if m.ArtifactType != spec.ArtifactTypeComponent {
			out = append(out, m)
		}
	}
	return out
}

// readRoot reads and checks the root index.
func (p *Package) readRoot(ctx context.Context) error {
	if p.root.MediaType != ocispec.MediaTypeImageIndex {
		return verify.Fail(verify.ReasonMalformedPackage, "package root %s: expected an %s, found %s", p.root.Digest, ocispec.MediaTypeImageIndex, p.root.MediaType)
	}
	data, err := readRoot(ctx, p.src, p.root)
	if err != nil {
		return err
	}
	p.rootData = data
	if err := json.Unmarshal(data, &p.index); err != nil {
		return verify.Fail(verify.ReasonMalformedPackage, "package root %s: %v", p.root.Digest, err)
	}
	if p.index.ArtifactType != spec.ArtifactTypePackage {
		return verify.Fail(verify.ReasonMalformedPackage, "package root %s: expected artifactType %s, found %q", p.root.Digest, spec.ArtifactTypePackage, p.index.ArtifactType)
	}
	for _, m := range p.index.Manifests {
		if err := m.Digest.Validate(); err != nil {
			return verify.Fail(verify.ReasonMalformedPackage, "package root %s: a manifest's digest %q: %v", p.root.Digest, m.Digest, err)
		}
	}
	p.root = ocispec.Descriptor{MediaType: p.root.MediaType, Digest: p.root.Digest, Size: p.root.Size, ArtifactType: spec.ArtifactTypePackage}
	return nil
}

// subjects lists what the package's referrers may be about: the root, each
// image, and each platform manifest of an image index (publishers who sign
// per platform), in that order. It reads image indexes, bounded and checked.
// Each digest is listed, and each image index read, once.
func (p *Package) subjects(ctx context.Context) ([]ocispec.Descriptor, error) {
	if p.subjectList != nil {
		return p.subjectList, nil
	}
	out := []ocispec.Descriptor{p.root}
	seen := map[digest.Digest]bool{p.root.Digest: true}
	add := func(d ocispec.Descriptor) error {
		if seen[d.Digest] {
			return nil
		}
		if len(out) >= MaxSubjects {
			return verify.Fail(verify.ReasonMalformedPackage, "package root %s: more than %d images and platforms", p.root.Digest, MaxSubjects)
		}
		seen[d.Digest] = true
		out = append(out, plain(d))
		return nil
	}
	for _, img := range p.Images() {
		if seen[img.Digest] {
			continue
		}
		if err := add(img); err != nil {
			return nil, err
		}
		if !isIndex(img.MediaType) {
			continue
		}
		children, err := p.platforms(ctx, img)
		if err != nil {
			return nil, err
		}
		for _, c := range children {
			if err := add(c); err != nil {
				return nil, err
			}
		}
	}
	p.subjectList = out
	return out, nil
}

// platforms lists the manifests of an image index, reading it once.
func (p *Package) platforms(ctx context.Context, img ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	if c, ok := p.children[img.Digest]; ok {
		return c, nil
	}
	data, err := graph.ReadBounded(ctx, p.src, img, spec.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	children, err := spec.Children(img.MediaType, data)
	if err != nil {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "image %s: %v", img.Digest, err)
	}
	if p.children == nil {
		p.children = map[digest.Digest][]ocispec.Descriptor{}
	}
	p.children[img.Digest] = children
	return children, nil
}

// isArchive reports whether the package is an archive file.
func (p *Package) isArchive() bool {
	_, ok := p.src.(*archiveBackend)
	return ok
}

// archiveReader returns the archive's reader, or nil for a registry package.
func (p *Package) archiveReader() *archive.Reader {
	if a, ok := p.src.(*archiveBackend); ok {
		return a.r
	}
	return nil
}

// remoteStore returns the registry store, or nil for an archive.
func (p *Package) remoteStore() *registry.Store {
	if r, ok := p.src.(*remoteBackend); ok {
		return r.store
	}
	return nil
}

func isIndex(mediaType string) bool {
	return mediaType == ocispec.MediaTypeImageIndex || mediaType == spec.MediaTypeDockerManifestList
}

// errExpectedTag is returned for an oci:// reference without tag or digest.
func errExpectedTag(target string) error {
	return fmt.Errorf("%w: %s: expected a tag or a digest", registry.ErrTarget, target)
}

// looksLikeReference says whether a path that names no file reads as a
// registry reference written without oci://: HOST/PATH, HOST a name with a
// dot or a port, or localhost.
func looksLikeReference(target string) bool {
	host, rest, ok := strings.Cut(target, "/")
	return ok && rest != "" && !strings.ContainsAny(target, " \\") &&
		(strings.ContainsAny(host, ".:") && !strings.HasPrefix(host, ".") || host == "localhost")
}
