// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package airlock carries software into air-gapped networks without losing
// supply-chain integrity. Its functions are the verbs of the airlock command:
// [Create] builds a package from a definition, [Sign] and [Attest] sign it
// and attest to it, [Push], [Pull] and [Mirror] move it through registries,
// [Verify] checks it against a policy, and [Inspect] shows what is inside.
// Each takes a context first and an options struct whose zero value works;
// the command line only maps flags onto these options.
//
// A TARGET is a package archive's path or oci://REGISTRY/REPO[:TAG|@DIGEST].
package airlock

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/verify"
)

// classify turns the archive package's integrity errors into verification
// failures with their reasons; other errors (I/O) stay as they are, meaning
// "could not verify".
func classify(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := verify.AsFailure(err); ok {
		return err
	}
	var reason verify.Reason
	switch {
	case errors.Is(err, archive.ErrDigestMismatch), errors.Is(err, registry.ErrDigestMismatch):
		reason = verify.ReasonDigestMismatch
	case errors.Is(err, archive.ErrMissingBlob):
		reason = verify.ReasonMissingBlob
	case errors.Is(err, archive.ErrMalformed):
		reason = verify.ReasonMalformedPackage
	default:
		return err
	}
	return &verify.Failure{Reason: reason, Message: err.Error()}
}

// overlay serves blobs held in memory on top of a base store: the archive
// being rewritten plus the few small blobs a signature adds.
type overlay struct {
	base  content.ReadOnlyStorage
	extra map[digest.Digest][]byte
}

func (o overlay) Exists(ctx context.Context, desc ocispec.Descriptor) (bool, error) {
	if _, ok := o.extra[desc.Digest]; ok {
		return true, nil
	}
	return o.base.Exists(ctx, desc)
}

func (o overlay) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	if b, ok := o.extra[desc.Digest]; ok {
		return io.NopCloser(strings.NewReader(string(b))), nil
	}
	return o.base.Fetch(ctx, desc)
}
