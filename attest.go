// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
)

// AttestOptions tunes [Attest]. The zero value is valid.
type AttestOptions struct {
	// Now is the clock for the attestation's creation annotation. Default: time.Now.
	Now func() time.Time
	// Sign says how the bundle is signed. Default: with the key alone, offline.
	Sign sign.Options
	// Registry says how registries are reached, for oci:// targets.
	Registry registry.Options
}

// Attest adds a signed attestation of the author's own to the package at
// target: an in-toto statement about the package root with the given
// predicate type and predicate (a JSON object), signed with key or keylessly
// (key nil). An archive is rewritten in place; an oci:// package gets the
// attestation pushed as a referrer. It returns the attestation's referrer.
func Attest(ctx context.Context, target, predicateType string, predicate []byte, key *sign.Key, opts AttestOptions) (ocispec.Descriptor, error) {
	src, err := openSource(ctx, target, opts.Registry)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	defer src.Close()
	if src.archive != nil {
		if _, err := src.archive.Check(ctx, archive.CheckOptions{}); err != nil {
			return ocispec.Descriptor{}, classify(err)
		}
		src.store = src.archive.Checked()
	}
	st, err := attest.Statement(src.root.Digest, predicateType, predicate)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	bundle, err := signStatement(ctx, src.root.Digest, st, key, opts.Sign)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	ref, err := spec.NewBundleReferrer(src.root, bundle, predicateType, now())
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	store := overlay{base: src.store, extra: map[digest.Digest][]byte{
		ref.Descriptor.Digest: ref.Manifest, ref.Bundle.Digest: bundle, spec.EmptyJSON.Digest: spec.EmptyJSON.Data,
	}}
	added := registry.Referrer{Descriptor: ref.Descriptor}
	if src.archive == nil {
		err = pushGraph(ctx, store, src.remote.Repository(), src.root, []registry.Referrer{added}, PushOptions{}, &PushResult{})
	} else {
		err = archive.WriteFile(ctx, target, store, append(slices.Clone(src.archive.Index().Manifests), ref.Descriptor))
	}
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("attest %s: %w", target, err)
	}
	return ref.Descriptor, nil
}
