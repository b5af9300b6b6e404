// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package airlock carries software into air-gapped networks without losing
// supply-chain integrity. Its functions are the verbs of the airlock command:
// [Create] builds a package from a definition, [Sign] and [Attest] sign it
// and attest to it, [Push], [Pull] and [Mirror] move it through registries,
// [Verify] checks it against a policy, [Inspect] shows what is inside,
// [ListAttestations], [VerifyAttestations] and [DownloadAttestation] work
// with its attestations, and inside the gap [Extract] writes what verified
// into a folder (image references pointed at the mirror) and [Serve] serves
// it as a read-only registry. Each takes a context first and an options
// struct; the command line only maps flags onto these options.
//
// The verbs are compositions of one rule: what is used is what was
// verified, read once. [Open] opens a package once (an archive file once, a
// registry tag resolved once to a digest); [Package.Verify] checks it and
// returns a [Handle] that pins the root and everything that verified; pull,
// mirror, extract, serve and attestation download read only through that
// handle, each blob checked against its pinned digest as it streams.
//
// A TARGET is a package archive's path or oci://REGISTRY/REPO[:TAG|@DIGEST].
package airlock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	orasregistry "oras.land/oras-go/v2/registry"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// classify turns integrity errors into verification failures with their
// reasons, by their sentinels; other errors (I/O, network) stay as they
// are, meaning "could not verify". Only bytes that arrived and do not hash
// are DIGEST_MISMATCH.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := verify.AsFailure(err); ok {
		return err
	}
	var reason verify.Reason
	switch {
	case errors.Is(err, archive.ErrDigestMismatch), errors.Is(err, registry.ErrDigestMismatch), errors.Is(err, graph.ErrMismatch):
		reason = verify.ReasonDigestMismatch
	case errors.Is(err, archive.ErrMissingBlob):
		reason = verify.ReasonMissingBlob
	case errors.Is(err, archive.ErrMalformed), errors.Is(err, graph.ErrMalformed):
		reason = verify.ReasonMalformedPackage
	default:
		return err
	}
	return &verify.Failure{Reason: reason, Message: err.Error(), Err: err}
}

// overlay serves a few small blobs held in memory (what signing adds) on
// top of a base store.
type overlay struct {
	base  content.ReadOnlyStorage
	extra map[digest.Digest][]byte
}

func newOverlay(base content.ReadOnlyStorage) overlay {
	return overlay{base: base, extra: map[digest.Digest][]byte{spec.EmptyJSON.Digest: spec.EmptyJSON.Data}}
}

func (o overlay) put(d digest.Digest, data []byte) { o.extra[d] = data }

func (o overlay) Exists(ctx context.Context, desc ocispec.Descriptor) (bool, error) {
	if _, ok := o.extra[desc.Digest]; ok {
		return true, nil
	}
	return o.base.Exists(ctx, desc)
}

func (o overlay) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	if b, ok := o.extra[desc.Digest]; ok {
		if int64(len(b)) != desc.Size {
			return nil, fmt.Errorf("%s: %w", desc.Digest, errdef.ErrNotFound)
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	return o.base.Fetch(ctx, desc)
}

// rewrite writes the package's archive again, atomically, with root and
// refs read through src, in the form it had: in parts of the same size
// when it was split, without its base's blobs when it is differential.
func (p *Package) rewrite(ctx context.Context, src content.ReadOnlyStorage, root ocispec.Descriptor, refs []*referrer) error {
	a, ok := p.src.(*archiveBackend)
	if !ok {
		return fmt.Errorf("%s is not an archive", p.target)
	}
	_, err := archive.WriteFileWith(ctx, a.r.Path(), src, append([]ocispec.Descriptor{root}, descriptors(refs)...), p.archiveFormat())
	return err
}

// plain strips a descriptor to what identifies content.
func plain(d ocispec.Descriptor) ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}

// orasReference names a repository.
func orasReference(host, repo string) orasregistry.Reference {
	return orasregistry.Reference{Registry: host, Repository: repo}
}
