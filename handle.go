// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// Handle is a package after verification: it pins the root digest and the
// set of descriptors that verified (the root's graph, the signatures and
// attestations that passed, the images' referrers that passed), and it is
// the only way to read them. Every read through it names a pinned digest
// and is checked against it as it streams, so what is written, pushed or
// served is what was verified, read once from the same opened package.
//
// An archive's blobs are all hashed before [Package.Verify] returns. A
// registry package's blobs are pinned, not yet downloaded: they are checked
// as they stream through the handle ([Handle.WriteArchive], [Handle.Mirror])
// or all at once by [Handle.CheckBlobs]. Nothing is renamed into place,
// tagged or reported verified before every blob it needs has been checked.
type Handle struct {
	pkg *Package
	res *verify.Result
	// g is everything that can be read: the root graph and the carried
	// referrers' graphs.
	g *graph.Graph
	// carried are the referrers written or pushed with the root, in order.
	carried []*referrer
	// byImage are the carried referrers of each image and its platforms.
	byImage map[digest.Digest][]*referrer
	// verified is false for a handle from [Package.CheckDigestsOnly].
	verified bool
	// hashed says every blob in g has been checked.
	hashed bool
}

var _ content.ReadOnlyStorage = (*Handle)(nil)

// Result is what was checked. It is final once the handle's content has
// been checked ([Handle.CheckBlobs], or writing or mirroring it).
func (h *Handle) Result() *verify.Result { return h.res }

// Verified reports whether the package verified under a policy; false for
// a handle whose signatures were not checked ([Package.CheckDigestsOnly]).
func (h *Handle) Verified() bool { return h.verified }

// Root is the pinned package root.
func (h *Handle) Root() ocispec.Descriptor { return h.pkg.root }

// Info names the package as its (verified) root says.
func (h *Handle) Info() verify.PackageInfo { return h.pkg.Info() }

// Exists reports whether desc is part of what the handle pins.
func (h *Handle) Exists(_ context.Context, desc ocispec.Descriptor) (bool, error) {
	return h.g.Has(desc), nil
}

// Fetch reads a pinned blob, checked against its digest as it streams.
// Anything the handle does not pin is not found, whatever the package holds.
func (h *Handle) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	node, ok := h.g.Nodes[desc.Digest]
	if !ok || node.Size != desc.Size {
		return nil, fmt.Errorf("%s: %w: not part of what was verified", desc.Digest, errdef.ErrNotFound)
	}
	if data, ok := h.pkg.refs.cached(node); ok { // a bundle or payload, read once and checked
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	if spec.IsManifest(node.MediaType) && node.Size <= spec.MaxManifestSize {
		data, err := h.g.Read(ctx, node)
		if err != nil {
			return nil, classify(err)
		}
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	return h.pkg.src.Fetch(ctx, node)
}

// FetchRaw is Fetch for a caller that hashes a blob's bytes itself as it
// uses them and lets nothing be used before they matched (the archive
// writer, which then discards an archive that does not end well): a pinned
// blob's bytes, unchecked, so that hashing and writing run on two cores.
// Manifests and what was read before are served checked.
func (h *Handle) FetchRaw(ctx context.Context, desc ocispec.Descriptor, offset int64) (io.ReadCloser, error) {
	node, ok := h.g.Nodes[desc.Digest]
	raw, isRaw := h.pkg.src.(archive.RawFetcher)
	_, cached := h.pkg.refs.cached(node)
	if !ok || node.Size != desc.Size || !isRaw || spec.IsManifest(node.MediaType) || cached {
		return archive.FetchFrom(ctx, h, desc, offset)
	}
	return raw.FetchRaw(ctx, node, offset)
}

// Manifests lists what an archive of the handle's content names in its
// index.json: the root, named by its version, then every carried referrer,
// described by airlock from its content (cosign's legacy ones named by
// their tags).
func (h *Handle) Manifests() []ocispec.Descriptor {
	root := h.pkg.root
	root.Annotations = map[string]string{spec.AnnotationRefName: h.pkg.index.Annotations[spec.AnnotationVersion]}
	return append([]ocispec.Descriptor{root}, descriptors(h.carried)...)
}

// descriptors lists referrers as an archive's index.json does.
func descriptors(refs []*referrer) []ocispec.Descriptor {
	out := make([]ocispec.Descriptor, 0, len(refs))
	for _, r := range refs {
		d := r.desc
		if r.tag != "" {
			d.Annotations = map[string]string{spec.AnnotationRefName: r.tag}
		}
		out = append(out, d)
	}
	return out
}

// CheckBlobs downloads and checks every blob of a registry package not yet
// checked, concurrency at a time (default GOMAXPROCS), keeping none of it;
// for an archive it does nothing more (Verify hashed it all). It records
// the "blobs" check in the result.
func (h *Handle) CheckBlobs(ctx context.Context, concurrency int, progress Progress) error {
	if h.hashed {
		return nil
	}
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	src := h.progressOf(ctx, h, progress)
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(concurrency)
	for _, d := range h.g.Nodes {
		if _, read := h.pkg.refs.cached(d); read || spec.IsManifest(d.MediaType) {
			continue // read and checked already
		}
		eg.Go(func() error {
			rc, err := src.Fetch(ctx, d)
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(io.Discard, rc)
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		return h.fail(classify(err), "blobs")
	}
	h.blobsChecked(blobsWritten)
	return nil
}

// blobsChecked records that every blob was checked, and the verdict.
func (h *Handle) blobsChecked(detail string) {
	if !h.hashed {
		h.res.AddCheck("blobs", verify.StatusPassed, detail)
	}
	h.hashed = true
	h.res.Verified = h.verified
}

// fail records err, classified, as the failed check and returns it.
func (h *Handle) fail(err error, check string) error {
	return finish(h.res, classify(err), check)
}

// tagUnmoved fails if the tag opened no longer names the root that was
// read: what was written is then not what the tag names.
func (p *Package) tagUnmoved(ctx context.Context) error {
	b, ok := p.src.(*remoteBackend)
	if !ok || p.tag == "" {
		return nil
	}
	now, err := b.repository().Resolve(ctx, p.tag)
	if err != nil {
		return fmt.Errorf("resolve %s again: %w", p.tag, err)
	}
	if now.Digest != p.root.Digest {
		return verify.Fail(verify.ReasonTagMoved, "expected tag %s to still name %s, found it moved to %s during the pull", p.tag, p.root.Digest, now.Digest)
	}
	return nil
}
