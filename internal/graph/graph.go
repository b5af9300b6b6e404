// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package graph walks OCI content graphs read through a content.Fetcher, as
// a verifier must: every manifest is read bounded and checked against its
// digest, once per digest, and a digest's children are walked whenever any
// descriptor names it as a manifest or index, whatever the first descriptor
// that reached it said (so a descriptor calling a manifest
// "application/octet-stream" cannot hide that manifest's children).
package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/spec"
)

// Errors a caller classifies.
var (
	// ErrMalformed marks a graph that cannot be a well-formed OCI graph.
	ErrMalformed = errors.New("malformed graph")
	// ErrMismatch marks a descriptor whose size or digest contradicts another
	// descriptor of the same content, or the content itself.
	ErrMismatch = errors.New("content does not match its descriptor")
)

// MaxNodes bounds the distinct blobs one graph may have.
const MaxNodes = 1 << 20

// MaxDepth bounds how deep a graph may nest: real ones are an index, its
// manifests and their blobs, a few levels at most.
const MaxDepth = 16

// CacheBytes is how many bytes of manifests a Graph keeps in memory for
// callers that need them again; beyond it, they are read again (and checked
// again) when asked for.
const CacheBytes = 32 << 20

// Graph is the set of content reachable from the descriptors walked so far.
type Graph struct {
	// Nodes maps each digest to its descriptor, reduced to media type,
	// digest and size; a digest named both as a manifest and as something
	// else keeps the manifest's media type.
	Nodes map[digest.Digest]ocispec.Descriptor
	// Order lists the digests in the order they were first reached.
	Order []digest.Digest

	fetch  content.Fetcher
	walked map[walkKey]bool
	cache  map[digest.Digest][]byte
	cached int
}

type walkKey struct {
	dgst      digest.Digest
	mediaType string
}

// New returns an empty graph whose content is read through fetch, which
// must check what it returns against the descriptor asked for (as
// archive.Reader and registry.Store do); Walk checks it again.
func New(fetch content.Fetcher) *Graph {
	return &Graph{
		Nodes:  map[digest.Digest]ocispec.Descriptor{},
		fetch:  fetch,
		walked: map[walkKey]bool{},
		cache:  map[digest.Digest][]byte{},
	}
}

// Walk adds desc and everything it reaches to the graph.
func (g *Graph) Walk(ctx context.Context, desc ocispec.Descriptor) error {
	return g.walk(ctx, desc, 0)
}

func (g *Graph) walk(ctx context.Context, desc ocispec.Descriptor, depth int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if depth > MaxDepth {
		return fmt.Errorf("%w: %s is nested more than %d levels deep", ErrMalformed, desc.Digest, MaxDepth)
	}
	if err := desc.Digest.Validate(); err != nil {
		return fmt.Errorf("%w: descriptor digest %q: %v", ErrMalformed, desc.Digest, err)
	}
	if desc.Size < 0 {
		return fmt.Errorf("%w: %s: negative size %d", ErrMalformed, desc.Digest, desc.Size)
	}
	prev, seen := g.Nodes[desc.Digest]
	switch {
	case seen && prev.Size != desc.Size:
		return fmt.Errorf("%s: %w: described with sizes %d and %d", desc.Digest, ErrMismatch, prev.Size, desc.Size)
	case !seen:
		if len(g.Nodes) >= MaxNodes {
			return fmt.Errorf("%w: more than %d blobs", ErrMalformed, MaxNodes)
		}
		g.Nodes[desc.Digest] = plain(desc)
		g.Order = append(g.Order, desc.Digest)
	case spec.IsManifest(desc.MediaType) && !spec.IsManifest(prev.MediaType):
		g.Nodes[desc.Digest] = plain(desc)
	}
	if !spec.IsManifest(desc.MediaType) || g.walked[walkKey{desc.Digest, desc.MediaType}] {
		return nil
	}
	g.walked[walkKey{desc.Digest, desc.MediaType}] = true
	data, err := g.Read(ctx, desc)
	if err != nil {
		return err
	}
	children, err := spec.Children(desc.MediaType, data)
	if err != nil {
		return fmt.Errorf("%w: manifest %s: %v", ErrMalformed, desc.Digest, err)
	}
	for _, c := range children {
		if err := g.walk(ctx, c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// Seed gives the graph a manifest already read, so that walking it does
// not read it again; data that does not match desc is ignored.
func (g *Graph) Seed(desc ocispec.Descriptor, data []byte) {
	if int64(len(data)) == desc.Size && digest.FromBytes(data) == desc.Digest && g.cached+len(data) <= CacheBytes {
		g.cache[desc.Digest] = data
		g.cached += len(data)
	}
}

// Read returns a manifest's content, at most spec.MaxManifestSize bytes,
// checked against desc: from the cache, or read through the fetcher.
func (g *Graph) Read(ctx context.Context, desc ocispec.Descriptor) ([]byte, error) {
	if data, ok := g.cache[desc.Digest]; ok && int64(len(data)) == desc.Size {
		return data, nil
	}
	data, err := ReadBounded(ctx, g.fetch, desc, spec.MaxManifestSize)
	if err != nil {
		return nil, err
	}
	if g.cached+len(data) <= CacheBytes {
		g.cache[desc.Digest] = data
		g.cached += len(data)
	}
	return data, nil
}

// Has reports whether the graph holds desc's digest with desc's size.
func (g *Graph) Has(desc ocispec.Descriptor) bool {
	n, ok := g.Nodes[desc.Digest]
	return ok && n.Size == desc.Size
}

// ReadBounded reads a small document through fetch, refusing one larger
// than limit before reading, and checks its size and digest.
func ReadBounded(ctx context.Context, fetch content.Fetcher, desc ocispec.Descriptor, limit int64) ([]byte, error) {
	if desc.Size < 0 || desc.Size > limit {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than the %d allowed", ErrMalformed, desc.Digest, desc.Size, limit)
	}
	rc, err := fetch.Fetch(ctx, desc)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := content.ReadAll(rc, desc)
	switch {
	case errors.Is(err, content.ErrMismatchedDigest), errors.Is(err, content.ErrTrailingData):
		return nil, fmt.Errorf("%s: %w: %v", desc.Digest, ErrMismatch, err)
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", desc.Digest, err)
	}
	return data, nil
}

// plain reduces a descriptor to what identifies content.
func plain(d ocispec.Descriptor) ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}
