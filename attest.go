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
//
// A Zarf package is attested too: a published one gets the attestation as a
// referrer of its manifest (the statement about the manifest, as cosign
// attest makes them), a tarball gets it beside it as
// [ZarfAttestationPath] (the statement about its zarf.yaml, which binds
// every file through checksums.txt). Its checksums are checked first.
func Attest(ctx context.Context, target, predicateType string, predicate []byte, key *sign.Key, opts AttestOptions) (ocispec.Descriptor, error) {
	ctx = resolvingOnce(ctx)
	if zt, ok, err := openZarfTarget(ctx, target, opts.Registry); ok {
		if err == nil {
			err = zt.checked(target)
		}
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		st, err := attest.Statement(zt.subject.Digest, predicateType, predicate)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		return zt.attest(ctx, st, predicateType, key, opts)
	}
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

// AttestGenerated attests the Zarf package at target with a statement
// airlock makes from its contents, as `airlock create` makes them for its
// own packages: predicateType [attest.PredicateSLSAProvenance] (the
// definition, every file and image as resolved dependencies) or
// [attest.PredicateSPDX] (every file and image with its checksum). Its
// checksums are checked first, so the statement names what the package
// holds. It is attached as [Attest] attaches one.
func AttestGenerated(ctx context.Context, target, predicateType string, key *sign.Key, opts AttestOptions) (ocispec.Descriptor, error) {
	ctx = resolvingOnce(ctx)
	makers := map[string]func(attest.Build) ([]byte, error){attest.PredicateSLSAProvenance: attest.Provenance, attest.PredicateSPDX: attest.SPDX}
	mk, known := makers[predicateType]
	if !known {
		return ocispec.Descriptor{}, fmt.Errorf("attest: airlock generates %s and %s statements, not %q", attest.PredicateSLSAProvenance, attest.PredicateSPDX, predicateType)
	}
	zt, ok, err := openZarfTarget(ctx, target, opts.Registry)
	if !ok {
		return ocispec.Descriptor{}, fmt.Errorf("attest %s: airlock generates provenance and SBOM for Zarf packages; its own packages get them from airlock create", target)
	}
	if err == nil {
		err = zt.checked(target)
	}
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	b, err := zt.build()
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	st, err := mk(b)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return zt.attest(ctx, st, predicateType, key, opts)
}
