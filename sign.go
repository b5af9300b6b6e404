// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// SignOptions tunes [Sign]. The zero value is valid.
type SignOptions struct {
	// Now is the clock for the signature's creation annotation. Default: time.Now.
	Now func() time.Time
	// Sign says how the bundle is signed. Default: with the key alone, offline.
	Sign sign.Options
	// Registry says how registries are reached, for oci:// targets.
	Registry registry.Options
}

// SignResult describes a signature [Sign] added.
type SignResult struct {
	// Root is the signed package root.
	Root ocispec.Descriptor
	// Signature is the referrer manifest holding the bundle.
	Signature ocispec.Descriptor
}

// Sign signs the package at target with key, or keylessly (key nil, with
// opts.Sign naming Fulcio and the identity token). An archive is signed in place
// (and an oci:// package gets the signature pushed as a referrer). It first checks
// the archive's integrity (a package whose blobs do not match their digests
// is never signed), then checks the bundle it made against the key before
// writing, and replaces the archive atomically.
func Sign(ctx context.Context, target string, key *sign.Key, opts SignOptions) (*SignResult, error) {
	if registry.IsTarget(target) {
		return signRemote(ctx, target, key, opts)
	}
	r, err := openArchive(target)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	g, err := r.Check(ctx, archive.CheckOptions{})
	if err != nil {
		return nil, classify(err)
	}
	bundle, err := signRoot(ctx, g.Root.Digest, key, opts.Sign)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	ref, err := spec.NewBundleReferrer(g.Root, bundle, spec.PredicateTypeCosignSign, now())
	if err != nil {
		return nil, err
	}
	src := overlay{base: r, extra: map[digest.Digest][]byte{
		ref.Descriptor.Digest: ref.Manifest,
		ref.Bundle.Digest:     bundle,
		spec.EmptyJSON.Digest: spec.EmptyJSON.Data,
	}}
	manifests := append(slices.Clone(r.Index().Manifests), ref.Descriptor)
	if err := archive.WriteFile(ctx, target, src, manifests); err != nil {
		return nil, fmt.Errorf("sign %s: %w", target, err)
	}
	return &SignResult{Root: g.Root, Signature: ref.Descriptor}, nil
}

// signRemote signs a package in a registry: the new signature is pushed as a
// referrer of the root (or into the referrers tag schema).
func signRemote(ctx context.Context, target string, key *sign.Key, opts SignOptions) (*SignResult, error) {
	src, err := openSource(ctx, target, opts.Registry)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	store, referrers, err := pushContent(ctx, src, PushOptions{Key: key, Sign: opts.Sign, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	added := referrers[len(referrers)-1]
	res := &PushResult{}
	if err := pushGraph(ctx, store, src.remote.Repository(), src.root, []registry.Referrer{added}, PushOptions{}, res); err != nil {
		return nil, fmt.Errorf("sign %s: %w", target, err)
	}
	return &SignResult{Root: src.root, Signature: added.Descriptor}, nil
}

// signRoot signs a package root with key, or keylessly when key is nil, and
// checks the result: against the key (offline signing), or against the trust
// root sigstore-go was given (signing with services).
func signRoot(ctx context.Context, root digest.Digest, key *sign.Key, opts sign.Options) ([]byte, error) {
	bundle, err := sign.Digest(ctx, root, key, opts)
	if err != nil {
		return nil, err
	}
	if key != nil && opts.RekorURL == "" {
		if err := selfCheck(root, bundle, key); err != nil {
			return nil, err
		}
	}
	return bundle, nil
}

// selfCheck verifies a freshly made bundle against the signing key, so a
// broken signer never writes a signature nobody can verify.
func selfCheck(subject digest.Digest, bundle []byte, key *sign.Key) error {
	p := policy.Policy{Signers: []policy.Signer{{Name: "signing key", PublicKey: key.GetPublicKey()}}, InsecureIgnoreTlog: true}
	if _, err := verify.New().Signatures(subject, []verify.Signature{{Source: "new signature", Bundle: bundle}}, p); err != nil {
		return fmt.Errorf("check new signature: %w", err)
	}
	return nil
}

// LoadKey reads a private key file (cosign's encrypted format, airlock's, or
// unencrypted PEM) and returns a signing key. password is called only for an
// encrypted key.
func LoadKey(path string, password sign.PasswordFunc) (*sign.Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	signer, err := sign.LoadPrivateKey(data, password)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sign.NewKey(signer)
}
