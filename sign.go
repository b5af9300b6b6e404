// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
	"github.com/airlock-dev/airlock/zarf"
)

// SignOptions tunes [Sign]. The zero value signs the package root alone,
// with the key, offline.
type SignOptions struct {
	// Now is the clock for the signature's creation annotation. Default: time.Now.
	Now func() time.Time
	// Sign says how the bundle is signed. Default: with the key alone, offline.
	Sign sign.Options
	// Base is the package a differential archive was made against (an
	// archive or oci:// reference; see [OpenOptions]). Default: none.
	Base string
	// Registry says how registries are reached, for oci:// targets.
	Registry registry.Options
	// Statements names, by predicate type, the unsigned statements to sign
	// along with the root (each type must match exactly one statement about
	// the root). Default: none: a statement is signed only when named,
	// because a signature vouches for what it signs and a statement may
	// have been put beside the package by anyone who handled it.
	Statements []string
	// AllStatements signs every unsigned statement about the root.
	AllStatements bool
	// Show, if set, is called with every unsigned statement (saying whether
	// it will be signed) before anything is signed; an error stops signing.
	Show func(Statement) error
	// Overwrite signs a Zarf package that is already signed again, as
	// `zarf package sign --overwrite` does. Default: refused.
	Overwrite bool
}

// Statement is an unsigned in-toto statement about a package root, as a
// signer is shown it.
type Statement struct {
	// PredicateType is the statement's predicate type.
	PredicateType string `json:"predicateType"`
	// Digest is the statement's own digest: what is signed when it is.
	Digest string `json:"digest"`
	// Summary says what the statement claims, in one line (unverified).
	Summary string `json:"summary"`
	// Signed says whether it was (or will be) signed with the root.
	Signed bool `json:"signed"`
}

// SignResult describes what [Sign] added.
type SignResult struct {
	// Root is the signed package root.
	Root ocispec.Descriptor
	// Signature is the referrer manifest holding the package's signature.
	Signature ocispec.Descriptor
	// Attestations are the referrers holding the statements signed with it.
	Attestations []ocispec.Descriptor
	// Statements lists every unsigned statement about the root, signed or left.
	Statements []Statement
}

// Sign signs the package at target with key, or keylessly (key nil, with
// opts.Sign naming Fulcio and the identity token): a signature over the
// package root, plus the unsigned statements opts names, which become signed
// attestations. Statements it is not told to sign stay as they are and are
// listed in the result. An archive is signed in place (rewritten through
// the checked handle, every blob checked again as it is copied); an oci://
// package gets its new referrers pushed. A package whose content does not
// match its digests is never signed, and each bundle is checked before it
// is written.
func Sign(ctx context.Context, target string, key *sign.Key, opts SignOptions) (*SignResult, error) {
	ctx = resolvingOnce(ctx)
	if !registry.IsTarget(target) && zarf.IsTarball(target) {
		return signZarfTarball(ctx, target, key, opts)
	}
	if registry.IsTarget(target) {
		zp, err := openZarfPublished(ctx, target, opts.Registry)
		if err == nil {
			return signZarfPublished(ctx, zp, key, opts)
		}
		if !errors.Is(err, errNotZarf) {
			return nil, err
		}
	}
	pkg, err := Open(ctx, target, OpenOptions{Registry: opts.Registry, Base: opts.Base})
	if err != nil {
		return nil, err
	}
	defer pkg.Close()
	h, err := pkg.CheckDigestsOnly(ctx, CheckOptions{})
	if err != nil {
		return nil, err
	}
	s, err := h.sign(ctx, key, opts)
	if err != nil {
		return nil, err
	}
	if err := h.commit(ctx, s, TransferOptions{Registry: opts.Registry}); err != nil {
		return nil, fmt.Errorf("sign %s: %w", target, err)
	}
	return s.result, nil
}

// signed is what signing adds to a handle's content.
type signed struct {
	// added are the new referrers; replaced the statements they sign.
	added    []*referrer
	replaced map[*referrer]bool
	// extra serves the new blobs.
	extra  overlay
	result *SignResult
}

// kept lists the handle's carried referrers that signing did not replace,
// then the new ones.
func (s *signed) referrers(h *Handle) []*referrer {
	var out []*referrer
	for _, r := range h.carried {
		if !s.replaced[r] {
			out = append(out, r)
		}
	}
	return append(out, s.added...)
}

// sign signs the handle's root and the statements opts names.
func (h *Handle) sign(ctx context.Context, key *sign.Key, opts SignOptions) (*signed, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	chosen, shown, err := h.chooseStatements(ctx, opts)
	if err != nil {
		return nil, err
	}
	s := &signed{replaced: map[*referrer]bool{}, extra: newOverlay(h), result: &SignResult{Root: h.pkg.root, Statements: shown}}
	bundle, err := signRoot(ctx, h.pkg.root.Digest, key, opts.Sign)
	if err != nil {
		return nil, err
	}
	if s.result.Signature, err = s.add(h.pkg.root, bundle, spec.PredicateTypeCosignSign, now()); err != nil {
		return nil, err
	}
	for _, c := range chosen {
		b, err := signStatement(ctx, h.pkg.root.Digest, c.statement, key, opts.Sign)
		if err != nil {
			return nil, err
		}
		d, err := s.add(h.pkg.root, b, c.ref.predicateType, now())
		if err != nil {
			return nil, err
		}
		s.replaced[c.ref] = true
		s.result.Attestations = append(s.result.Attestations, d)
	}
	return s, nil
}

// add makes a bundle referrer of subject and serves its blobs.
func (s *signed) add(subject ocispec.Descriptor, bundle []byte, predicateType string, created time.Time) (ocispec.Descriptor, error) {
	ref, err := spec.NewBundleReferrer(subject, bundle, predicateType, created)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	s.extra.put(ref.Descriptor.Digest, ref.Manifest)
	s.extra.put(ref.Bundle.Digest, bundle)
	s.added = append(s.added, &referrer{desc: ref.Descriptor, subject: subject.Digest, kind: kindBundle, predicateType: predicateType, layers: []ocispec.Descriptor{ref.Bundle}})
	return ref.Descriptor, nil
}

// choice is an unsigned statement chosen for signing.
type choice struct {
	ref       *referrer
	statement []byte
}

// chooseStatements reads every unsigned statement about the root, picks
// those opts names, and shows them all (opts.Show) before anything is signed.
func (h *Handle) chooseStatements(ctx context.Context, opts SignOptions) ([]choice, []Statement, error) {
	named := map[string]int{}
	for _, t := range opts.Statements {
		named[t] = 0
	}
	var chosen []choice
	shown := []Statement{}
	for _, r := range h.carried {
		if r.kind != kindStatement || r.subject != h.pkg.root.Digest {
			continue
		}
		st, err := h.pkg.refs.statement(ctx, r)
		if err != nil {
			return nil, nil, err
		}
		if err := statementAboutOnly(st, r.predicateType, h.pkg.root.Digest); err != nil {
			return nil, nil, verify.Fail(verify.ReasonMalformedPackage, "statement %s: %v", r.desc.Digest, err)
		}
		_, sign := named[r.predicateType]
		sign = sign || opts.AllStatements
		if sign {
			named[r.predicateType]++
			chosen = append(chosen, choice{r, st})
		}
		shown = append(shown, Statement{PredicateType: r.predicateType, Digest: digest.FromBytes(st).String(), Summary: attest.Summary(st), Signed: sign})
	}
	for t, n := range named {
		if n != 1 {
			return nil, shown, fmt.Errorf("sign: expected one unsigned statement of type %s about the package, found %d", t, n)
		}
	}
	for _, s := range shown {
		if opts.Show != nil {
			if err := opts.Show(s); err != nil {
				return nil, shown, err
			}
		}
	}
	return chosen, shown, nil
}

// statementAboutOnly checks that an unsigned statement is one a signer may
// be asked to sign: of the type its referrer names, about the root and
// nothing else (a second subject would make the signature vouch for another
// package the signer was never shown), and not a signature statement in
// disguise (signing one would sign the root again, for whoever wrote it).
func statementAboutOnly(statement []byte, predicateType string, root digest.Digest) error {
	parsed, err := attest.Parse(statement)
	switch {
	case err != nil:
		return err
	case parsed.PredicateType != predicateType:
		return fmt.Errorf("expected a statement of type %s, found one of type %s", predicateType, parsed.PredicateType)
	case parsed.PredicateType == spec.PredicateTypeCosignSign:
		return fmt.Errorf("expected an attestation, found an unsigned signature statement: signatures are made, never signed as found")
	case len(parsed.Subject) != 1 || !parsed.About(root):
		return fmt.Errorf("expected a statement about %s alone, found one about %d subjects", root, len(parsed.Subject))
	}
	return nil
}

// hasSignature reports whether refs hold a signature of the root: a
// well-formed bundle of cosign's signature statement about the root alone,
// or a legacy signature naming it. Nothing is verified (push has no
// policy), but junk shaped like a signature does not count.
func (h *Handle) hasSignature(ctx context.Context, refs []*referrer) (bool, error) {
	root := h.pkg.root.Digest
	for _, r := range refs {
		if r.subject != root {
			continue
		}
		switch {
		case r.kind == kindBundle && r.predicateType == spec.PredicateTypeCosignSign:
			b, err := h.pkg.refs.bundle(ctx, r)
			if err != nil {
				return false, err
			}
			if verify.ClaimsSignature(b, root) {
				return true, nil
			}
		case r.kind == kindLegacySig:
			sigs, err := h.pkg.refs.legacySignatures(ctx, r)
			if err != nil {
				return false, err
			}
			for _, s := range sigs {
				if verify.LegacyClaimsSignature(s.Legacy.Payload, root) {
					return true, nil
				}
			}
		}
	}
	return false, nil
}

// commit writes what signing added: an archive is rewritten in place
// through the handle; a registry package gets the new referrers pushed.
func (h *Handle) commit(ctx context.Context, s *signed, opts TransferOptions) error {
	refs := s.referrers(h)
	if b, ok := h.pkg.src.(*remoteBackend); ok {
		u := newUpload(b.repository())
		for _, r := range s.added {
			if err := u.add(ctx, s.extra, r.desc); err != nil {
				return err
			}
		}
		return transfer(ctx, s.extra, []*upload{u}, opts)
	}
	return h.pkg.rewrite(ctx, s.extra, h.Manifests()[0], refs)
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
