// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sort"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/spec"
)

// CheckOptions tunes [Reader.Check]. The zero value is valid.
type CheckOptions struct {
	// Concurrency is how many blobs are hashed at once. Default: GOMAXPROCS.
	Concurrency int
}

// Graph is what [Reader.Check] found: a well-formed, complete graph.
type Graph struct {
	// Root is the package root named by index.json.
	Root ocispec.Descriptor
	// Referrers maps a subject's digest to the manifests index.json lists that
	// refer to it (signatures and attestations), in index.json order.
	Referrers map[digest.Digest][]ocispec.Descriptor
	// Blobs is the number of blobs checked; Bytes their total size.
	Blobs int
	Bytes int64
}

// Check verifies the archive's integrity: index.json names exactly one
// package root; every descriptor reachable from index.json names a blob the
// archive holds, with the stated size and digest; every referrer's subject
// is in the graph; and the archive holds nothing else. Each blob is hashed
// once. Errors wrap [ErrMalformed], [ErrMissingBlob] or [ErrDigestMismatch].
func (r *Reader) Check(ctx context.Context, opts CheckOptions) (*Graph, error) {
	g := &Graph{Referrers: map[digest.Digest][]ocispec.Descriptor{}}
	root, err := r.Root()
	if err != nil {
		return nil, err
	}
	g.Root = root
	reached := map[digest.Digest]ocispec.Descriptor{}
	for _, desc := range r.index.Manifests {
		if err := r.walk(ctx, desc, reached, g); err != nil {
			return nil, err
		}
	}
	if err := r.checkRoot(ctx, root); err != nil {
		return nil, err
	}
	for subject := range g.Referrers {
		if _, ok := reached[subject]; !ok {
			return nil, fmt.Errorf("%w: a referrer's subject %s is not in the archive", ErrMalformed, subject)
		}
	}
	for d := range r.blobs {
		if _, ok := reached[d]; !ok {
			return nil, fmt.Errorf("%w: blob %s is not referenced by index.json's graph", ErrMalformed, d)
		}
	}
	if err := r.hashAll(ctx, reached, opts.Concurrency); err != nil {
		return nil, err
	}
	g.Blobs = len(reached)
	for _, d := range reached {
		g.Bytes += d.Size
	}
	return g, nil
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
func (r *Reader) checkRoot(ctx context.Context, root ocispec.Descriptor) error {
	data, err := r.ReadManifest(ctx, root)
	if err != nil {
		return err
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

// walk visits desc and its descendants. Manifests are read (bounded) and
// digest-checked here; other blobs are only checked for presence and size,
// and hashed later in parallel.
func (r *Reader) walk(ctx context.Context, desc ocispec.Descriptor, reached map[digest.Digest]ocispec.Descriptor, g *Graph) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if prev, ok := reached[desc.Digest]; ok {
		if prev.Size != desc.Size {
			return fmt.Errorf("%s: %w: described with sizes %d and %d", desc.Digest, ErrDigestMismatch, prev.Size, desc.Size)
		}
		return nil
	}
	if err := desc.Digest.Validate(); err != nil {
		return fmt.Errorf("%w: descriptor digest %q: %v", ErrMalformed, desc.Digest, err)
	}
	if _, err := r.FetchUnverified(desc); err != nil {
		return err
	}
	reached[desc.Digest] = desc
	if !spec.IsManifest(desc.MediaType) {
		return nil
	}
	data, err := r.ReadManifest(ctx, desc)
	if err != nil {
		return err
	}
	children, err := spec.Children(desc.MediaType, data)
	if err != nil {
		return fmt.Errorf("%w: manifest %s: %v", ErrMalformed, desc.Digest, err)
	}
	subject, err := spec.Subject(desc.MediaType, data)
	if err != nil {
		return fmt.Errorf("%w: manifest %s: %v", ErrMalformed, desc.Digest, err)
	}
	if subject != nil {
		g.Referrers[subject.Digest] = append(g.Referrers[subject.Digest], desc)
	}
	for _, child := range children {
		if err := r.walk(ctx, child, reached, g); err != nil {
			return err
		}
	}
	return nil
}

// ReadManifest reads a manifest or other small document, at most
// spec.MaxManifestSize bytes, and checks its digest.
func (r *Reader) ReadManifest(ctx context.Context, desc ocispec.Descriptor) ([]byte, error) {
	if desc.Size > spec.MaxManifestSize {
		return nil, fmt.Errorf("%w: manifest %s is %d bytes, more than the %d allowed", ErrMalformed, desc.Digest, desc.Size, spec.MaxManifestSize)
	}
	rc, err := r.Fetch(ctx, desc)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := content.ReadAll(rc, desc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", desc.Digest, ErrDigestMismatch, err)
	}
	return data, nil
}

// hashAll hashes every non-manifest blob once, largest first, on several cores.
func (r *Reader) hashAll(ctx context.Context, reached map[digest.Digest]ocispec.Descriptor, concurrency int) error {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	var todo []ocispec.Descriptor
	for _, d := range reached {
		if !spec.IsManifest(d.MediaType) {
			todo = append(todo, d)
		}
	}
	sort.Slice(todo, func(i, j int) bool { return todo[i].Size > todo[j].Size })
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(concurrency)
	for _, d := range todo {
		eg.Go(func() error { return r.hashBlob(ctx, d) })
	}
	return eg.Wait()
}

// hashChunk is the read size when hashing: large enough to amortise system
// calls, small enough that memory stays flat.
const hashChunk = 1 << 20

func (r *Reader) hashBlob(ctx context.Context, d ocispec.Descriptor) error {
	sr, err := r.FetchUnverified(d)
	if err != nil {
		return err
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
		if err != nil && (err != io.EOF || off < d.Size) {
			return fmt.Errorf("read blob %s: %w", d.Digest, err)
		}
	}
	if !v.Verified() {
		found, _ := d.Digest.Algorithm().FromReader(io.NewSectionReader(sr, 0, d.Size))
		return fmt.Errorf("blob %s: %w: expected content hashing to %s, found content hashing to %s", d.Digest, ErrDigestMismatch, d.Digest, found)
	}
	return nil
}
