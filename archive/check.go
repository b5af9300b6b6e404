// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/spec"
)

// CheckOptions tunes [Reader.Check]. The zero value is valid.
type CheckOptions struct {
	// Concurrency is how many blobs are hashed at once. Default: GOMAXPROCS.
	Concurrency int
	// Base serves the blobs a differential archive omits; each is checked
	// against its digest as it streams. Default: none (every blob must be
	// in the archive).
	Base content.Fetcher
	// Progress receives the hashing of each blob. Default: none.
	Progress Progress
}

// Progress receives the progress of reading blobs: the descriptors it is
// given are the graph's, named (title annotation) by Name when it names them.
type Progress interface {
	Started(desc ocispec.Descriptor)
	Moved(desc ocispec.Descriptor, n int)
	Finished(desc ocispec.Descriptor)
}

// Graph is what [Reader.Check] found: a well-formed, complete graph.
type Graph struct {
	// Root is the package root named by index.json.
	Root ocispec.Descriptor
	// Blobs is the number of blobs checked; Bytes their total size.
	Blobs int
	Bytes int64
}

// Check verifies the archive's integrity: index.json names exactly one
// package root, whose content says it is one; every descriptor reachable
// from the root and from every index.json entry names a blob the archive
// holds, with the stated size and digest (a blob named as a manifest by any
// descriptor is read as one, whatever other descriptors call it); and the
// archive holds nothing else. Each blob is hashed once. Errors wrap
// [ErrMalformed], [ErrMissingBlob] or [ErrDigestMismatch].
func (r *Reader) Check(ctx context.Context, opts CheckOptions) (*Graph, error) {
	root, err := r.Root()
	if err != nil {
		return nil, err
	}
	g := graph.New(withBase{r, opts.Base})
	for _, desc := range append([]ocispec.Descriptor{root}, r.index.Manifests...) {
		if err := g.Walk(ctx, desc); err != nil {
			return nil, wrapGraph(err)
		}
	}
	if err := r.checkRoot(ctx, g, root); err != nil {
		return nil, err
	}
	out := &Graph{Root: root, Blobs: len(g.Nodes)}
	var todo, fromBase []ocispec.Descriptor
	for _, d := range g.Nodes {
		out.Bytes += d.Size
		switch {
		case spec.IsManifest(d.MediaType): // hashed as the walk read them
		case !r.Holds(d.Digest) && opts.Base != nil:
			fromBase = append(fromBase, d)
		case !r.Holds(d.Digest):
			return nil, r.missing(d)
		default:
			if _, err := r.section(d); err != nil {
				return nil, err
			}
			todo = append(todo, d)
		}
	}
	for d := range r.blobs {
		if _, ok := g.Nodes[d]; !ok {
			return nil, fmt.Errorf("%w: blob %s is not referenced by index.json's graph", ErrMalformed, d)
		}
	}
	if err := forEach(ctx, todo, opts.Concurrency, func(ctx context.Context, d ocispec.Descriptor) error {
		return r.hashBlob(ctx, d, opts.Progress)
	}); err != nil {
		return nil, err
	}
	if err := checkBase(ctx, opts.Base, fromBase, opts.Concurrency); err != nil {
		return nil, err
	}
	return out, nil
}

// wrapGraph maps the graph walk's errors onto the archive's.
func wrapGraph(err error) error {
	switch {
	case errors.Is(err, graph.ErrMismatch):
		return fmt.Errorf("%w: %w", ErrDigestMismatch, err)
	case errors.Is(err, graph.ErrMalformed):
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return err
}

// Root returns the one index.json entry that is an airlock package root.
func (r *Reader) Root() (ocispec.Descriptor, error) {
	var roots []ocispec.Descriptor
	for _, d := range r.index.Manifests {
		if d.ArtifactType == spec.ArtifactTypePackage {
			roots = append(roots, d)
		}
	}
	if len(roots) != 1 {
		return ocispec.Descriptor{}, fmt.Errorf("%w: index.json: expected one manifest with artifactType %s, found %d", ErrMalformed, spec.ArtifactTypePackage, len(roots))
	}
	if roots[0].MediaType != ocispec.MediaTypeImageIndex {
		return ocispec.Descriptor{}, fmt.Errorf("%w: index.json: expected the package root to be an %s, found %s", ErrMalformed, ocispec.MediaTypeImageIndex, roots[0].MediaType)
	}
	return roots[0], nil
}

// checkRoot makes sure the root's content says what index.json's descriptor
// claims: an index whose own artifactType is the package's.
func (r *Reader) checkRoot(ctx context.Context, g *graph.Graph, root ocispec.Descriptor) error {
	data, err := g.Read(ctx, root)
	if err != nil {
		return wrapGraph(err)
	}
	var index ocispec.Index
	if err := json.Unmarshal(data, &index); err != nil {
		return fmt.Errorf("%w: package root %s: %v", ErrMalformed, root.Digest, err)
	}
	if index.ArtifactType != spec.ArtifactTypePackage {
		return fmt.Errorf("%w: package root %s: expected artifactType %s, found %q", ErrMalformed, root.Digest, spec.ArtifactTypePackage, index.ArtifactType)
	}
	return nil
}

// Hash checks each blob's content against its digest, largest first, on
// concurrency cores at once (default GOMAXPROCS).
func (r *Reader) Hash(ctx context.Context, blobs []ocispec.Descriptor, concurrency int) error {
	return forEach(ctx, blobs, concurrency, func(ctx context.Context, d ocispec.Descriptor) error { return r.hashBlob(ctx, d, nil) })
}

// forEach runs do on each blob, largest first, concurrency at once.
func forEach(ctx context.Context, blobs []ocispec.Descriptor, concurrency int, do func(context.Context, ocispec.Descriptor) error) error {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	todo := append([]ocispec.Descriptor(nil), blobs...)
	sort.Slice(todo, func(i, j int) bool { return todo[i].Size > todo[j].Size })
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(concurrency)
	for _, d := range todo {
		eg.Go(func() error { return do(ctx, d) })
	}
	return eg.Wait()
}

// hashChunk is the read size when hashing: large enough to amortise system
// calls, small enough that memory stays flat.
const hashChunk = 1 << 20

func (r *Reader) hashBlob(ctx context.Context, d ocispec.Descriptor, p Progress) error {
	sr, err := r.section(d)
	if err != nil {
		return err
	}
	if p != nil {
		p.Started(d)
		defer p.Finished(d)
	}
	v := d.Digest.Verifier()
	buf := make([]byte, hashChunk)
	for off := int64(0); off < d.Size; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := sr.ReadAt(buf[:min(int64(len(buf)), d.Size-off)], off)
		v.Write(buf[:n])
		off += int64(n)
		if p != nil && n > 0 {
			p.Moved(d, n)
		}
		if err != nil && (err != io.EOF || off < d.Size) {
			return fmt.Errorf("read blob %s: %w", d.Digest, err)
		}
	}
	if !v.Verified() {
		found, _ := d.Digest.Algorithm().FromReader(io.NewSectionReader(sr, 0, d.Size))
		e := r.blobs[d.Digest]
		return fmt.Errorf("blob %s%s: %w: expected content hashing to %s, found content hashing to %s", d.Digest, r.f.where(e.offset, e.size), ErrDigestMismatch, d.Digest, found)
	}
	return nil
}
