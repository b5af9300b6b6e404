// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/internal/limited"
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

// SignResult describes what [Sign] added.
type SignResult struct {
	// Root is the signed package root.
	Root ocispec.Descriptor
	// Signature is the referrer manifest holding the package's signature.
	Signature ocispec.Descriptor
	// Attestations are the referrers holding the statements signed with it.
	Attestations []ocispec.Descriptor
}

// Sign signs the package at target with key, or keylessly (key nil, with
// opts.Sign naming Fulcio and the identity token), and signs the unsigned
// statements `create` wrote beside it (provenance, SBOM), replacing them with
// signed attestations. An archive is signed in place (an oci:// package gets
// its new referrers pushed). It first checks the archive's integrity (a
// package whose blobs do not match their digests is never signed) and checks
// each bundle it made before writing.
func Sign(ctx context.Context, target string, key *sign.Key, opts SignOptions) (*SignResult, error) {
	if registry.IsTarget(target) {
		return signRemote(ctx, target, key, opts)
	}
	src, err := openSource(ctx, target, opts.Registry)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if _, err := src.archive.Check(ctx, archive.CheckOptions{}); err != nil {
		return nil, classify(err)
	}
	src.store = src.archive.Checked() // checked once: the rewrite need not hash again
	added, kept, res, err := signAll(ctx, src, key, opts)
	if err != nil {
		return nil, err
	}
	// Keep every index.json entry (the images' referrers too) but the
	// statements just signed.
	keep := map[digest.Digest]bool{}
	for _, r := range kept {
		keep[r.Digest] = true
	}
	var manifests []ocispec.Descriptor
	for _, d := range src.archive.Index().Manifests {
		if d.ArtifactType != spec.MediaTypeInToto || keep[d.Digest] {
			manifests = append(manifests, d)
		}
	}
	manifests = append(manifests, indexEntries(added.refs)...)
	if err := archive.WriteFile(ctx, target, added.store, manifests); err != nil {
		return nil, fmt.Errorf("sign %s: %w", target, err)
	}
	return res, nil
}

// signed holds what signing added: referrers and a store serving their blobs.
type signed struct {
	refs  []registry.Referrer
	store overlay
}

// signAll signs the root and every unsigned statement about it. It returns
// what it added, the existing referrers to keep (all but the statements it
// signed), and the result.
func signAll(ctx context.Context, src *source, key *sign.Key, opts SignOptions) (*signed, []registry.Referrer, *SignResult, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	out := &signed{store: overlay{base: src.store, extra: map[digest.Digest][]byte{spec.EmptyJSON.Digest: spec.EmptyJSON.Data}}}
	add := func(bundle []byte, predicateType string) (ocispec.Descriptor, error) {
		ref, err := spec.NewBundleReferrer(src.root, bundle, predicateType, now())
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		out.store.extra[ref.Descriptor.Digest], out.store.extra[ref.Bundle.Digest] = ref.Manifest, bundle
		out.refs = append(out.refs, registry.Referrer{Descriptor: ref.Descriptor})
		return ref.Descriptor, nil
	}
	bundle, err := signRoot(ctx, src.root.Digest, key, opts.Sign)
	if err != nil {
		return nil, nil, nil, err
	}
	res := &SignResult{Root: src.root}
	if res.Signature, err = add(bundle, spec.PredicateTypeCosignSign); err != nil {
		return nil, nil, nil, err
	}
	var kept []registry.Referrer
	for _, r := range src.referrers {
		if r.ArtifactType != spec.MediaTypeInToto || r.LegacyTag != "" {
			kept = append(kept, r)
			continue
		}
		st, err := src.statement(ctx, r.Descriptor)
		if err != nil {
			return nil, nil, nil, err
		}
		b, err := signStatement(ctx, src.root.Digest, st, key, opts.Sign)
		if err != nil {
			return nil, nil, nil, err
		}
		d, err := add(b, r.Annotations[spec.AnnotationStatementPredicateType])
		if err != nil {
			return nil, nil, nil, err
		}
		res.Attestations = append(res.Attestations, d)
	}
	return out, kept, res, nil
}

// statement reads an unsigned statement referrer and checks it is about the root.
func (s *source) statement(ctx context.Context, ref ocispec.Descriptor) ([]byte, error) {
	m, err := s.manifest(ctx, ref)
	if err != nil {
		return nil, err
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != spec.MediaTypeInToto {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "statement %s: expected one layer of type %s", ref.Digest, spec.MediaTypeInToto)
	}
	st, err := readBounded(ctx, s.store, m.Layers[0], spec.MaxStatementSize)
	if err != nil {
		return nil, err
	}
	parsed, err := attest.Parse(st)
	if err != nil {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "statement %s: %v", ref.Digest, err)
	}
	if !parsed.About(s.root.Digest) {
		return nil, verify.Fail(verify.ReasonSubjectMismatch, "statement %s: expected a statement about %s, found one about another subject", ref.Digest, s.root.Digest)
	}
	return st, nil
}

// signStatement signs an in-toto statement about root and checks the bundle:
// against the key (offline signing), or against the trust root sigstore-go
// was given (signing with services).
func signStatement(ctx context.Context, root digest.Digest, statement []byte, key *sign.Key, opts sign.Options) ([]byte, error) {
	bundle, err := sign.DSSE(ctx, statement, key, opts)
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

// signRemote signs a package in a registry: the new signature and
// attestations are pushed as referrers of the root (or into the referrers tag
// schema). Unsigned statements, which only archives carry, are left as they are.
func signRemote(ctx context.Context, target string, key *sign.Key, opts SignOptions) (*SignResult, error) {
	src, err := openSource(ctx, target, opts.Registry)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	added, _, res, err := signAll(ctx, src, key, opts)
	if err != nil {
		return nil, err
	}
	if err := pushGraph(ctx, added.store, src.remote.Repository(), src.root, added.refs, PushOptions{}, &PushResult{}); err != nil {
		return nil, fmt.Errorf("sign %s: %w", target, err)
	}
	return res, nil
}

// signRoot signs a package root as cosign signs an image, with key or
// keylessly when key is nil.
func signRoot(ctx context.Context, root digest.Digest, key *sign.Key, opts sign.Options) ([]byte, error) {
	st, err := attest.Statement(root, spec.PredicateTypeCosignSign, nil)
	if err != nil {
		return nil, err
	}
	return signStatement(ctx, root, st, key, opts)
}

// selfCheck verifies a freshly made bundle about subject against the signing
// key, so a broken signer never writes a signature nobody can verify.
func selfCheck(subject digest.Digest, bundle []byte, key *sign.Key) error {
	p := policy.Policy{Signers: []policy.Signer{{Name: "signing key", PublicKey: key.GetPublicKey()}}, InsecureIgnoreTlog: true}
	art, err := verify.DigestArtifact(subject)
	if err != nil {
		return err
	}
	if _, err := verify.New().Bundle("new signature", bundle, art, p); err != nil {
		return fmt.Errorf("check new signature: %w", err)
	}
	return nil
}

// LoadKey reads a private key file (cosign's encrypted format, airlock's, or
// unencrypted PEM) and returns a signing key. password is called only for an
// encrypted key.
func LoadKey(path string, password sign.PasswordFunc) (*sign.Key, error) {
	data, err := limited.ReadFile(path, policy.MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	signer, err := sign.LoadPrivateKey(data, password)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sign.NewKey(signer)
}
