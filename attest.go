// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/sign"
)

// AttestOptions tunes [Attest]. The zero value is valid.
type AttestOptions struct {
	// Now is the clock for the attestation's creation annotation. Default: time.Now.
	Now func() time.Time
	// Sign says how the bundle is signed. Default: with the key alone, offline.
	Sign sign.Options
	// Registry says how registries are reached, for oci:// targets.
	Registry registry.Options
	// Base is the package a differential archive was made against (an
	// archive or oci:// reference; see [OpenOptions]). Default: none.
	Base string
}

// Attest adds a signed attestation of the author's own to the package at
// target: an in-toto statement about the package root with the given
// predicate type and predicate (a JSON object), signed with key or keylessly
// (key nil). The signer signs exactly the statement built from what it was
// given. An archive is rewritten in place through the checked handle; an
// oci:// package gets the attestation pushed as a referrer. It returns the
// attestation's referrer.
func Attest(ctx context.Context, target, predicateType string, predicate []byte, key *sign.Key, opts AttestOptions) (ocispec.Descriptor, error) {
	pkg, err := Open(ctx, target, OpenOptions{Registry: opts.Registry, Base: opts.Base})
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	defer pkg.Close()
	h, err := pkg.CheckDigestsOnly(ctx, CheckOptions{})
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	st, err := attest.Statement(pkg.root.Digest, predicateType, predicate)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	bundle, err := signStatement(ctx, pkg.root.Digest, st, key, opts.Sign)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	s := &signed{replaced: map[*referrer]bool{}, extra: newOverlay(h)}
	d, err := s.add(pkg.root, bundle, predicateType, now())
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	if err := h.commit(ctx, s, TransferOptions{Registry: opts.Registry}); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("attest %s: %w", target, err)
	}
	return d, nil
}
