// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// PushOptions tunes [Push]. The zero value pushes a package that is already
// signed, and refuses an unsigned one.
type PushOptions struct {
	// Key, when set, signs the package root before it is pushed (adding a
	// signature; the archive file itself is not changed).
	Key *sign.Key
	// Base is the package a differential archive was made against (see
	// [OpenOptions]): what the archive omits is mounted from it when it is
	// in the same registry, else copied from it, each blob checked.
	Base string
	// Sign says how that signature is made. Default: with the key alone,
	// offline. With Sign.FulcioURL set and no Key, the package is signed
	// keylessly before it is pushed.
	Sign sign.Options
	// Statements, AllStatements and Show are as in [SignOptions]: unsigned
	// statements are signed only when named.
	Statements    []string
	AllStatements bool
	Show          func(Statement) error
	// OnlyIfUnsigned signs (with Key or Sign) only a package that carries no
	// signature yet; a signed one is pushed as it is.
	OnlyIfUnsigned bool
	// InsecureUnsigned pushes a package that carries no signature. Default:
	// refuse it (a *verify.Failure with reason NO_SIGNATURE).
	InsecureUnsigned bool
	// Registry says how the registry is reached.
	Registry registry.Options
	// Transfers is how many blobs are uploaded at once. Default: 4.
	Transfers int
	// Progress receives transfer progress. Default: none.
	Progress Progress
	// Now is the clock for a new signature's creation annotation. Default: time.Now.
	Now func() time.Time
}

// signing reports whether the options ask for a signature.
func (o PushOptions) signing() bool { return o.Key != nil || o.Sign.FulcioURL != "" }

// PushResult says what [Push] published.
type PushResult struct {
	// Reference is the package in the registry, by digest.
	Reference string
	// Tag is the tag the root was given.
	Tag string
	// Root is the package root.
	Root ocispec.Descriptor
	// Referrers are the referrers pushed with it: signatures, attestations
	// and unsigned statements (of the root and of its images).
	Referrers []ocispec.Descriptor
	// Signatures, Attestations and Unsigned count the root's signatures,
	// its signed attestations and its unsigned statements among them.
	Signatures, Attestations, Unsigned int
	// Statements lists the unsigned statements about the root when Push
	// signed, saying which it signed.
	Statements []Statement
	// ReferrersAPI says whether the registry serves the referrers API; when
	// it does not, the "sha256-<hex>" referrers tag index was maintained.
	ReferrersAPI bool
}

// Push publishes the package archive at file to target
// (oci://REGISTRY/REPO[:TAG], the tag defaulting to the package's version).
// The archive is opened once and read once: blobs go first, several at
// once, skipping those the registry has, each checked against its digest
// as it is read; then the manifests, the signatures and
// attestations as OCI 1.1 referrers of the root (or in the referrers tag
// schema); the tag is set last, so a failed push never leaves a tag behind.
func Push(ctx context.Context, file, target string, opts PushOptions) (*PushResult, error) {
	if registry.IsTarget(file) {
		return nil, fmt.Errorf("push %s: expected an archive, found a registry target (use mirror to copy between registries)", file)
	}
	ref, err := registry.ParseTarget(target)
	if err != nil {
		return nil, err
	}
	pkg, err := Open(ctx, file, OpenOptions{Registry: opts.Registry, Base: opts.Base})
	if err != nil {
		return nil, err
	}
	defer pkg.Close()
	tag := ref.Reference
	if tag == "" {
		tag = pkg.Info().Version
	}
	if d, err := digest.Parse(tag); err == nil {
		if d != pkg.root.Digest {
			return nil, fmt.Errorf("push %s: the target names digest %s, the package root is %s", target, d, pkg.root.Digest)
		}
		tag = ""
	}
	// Every blob is checked as it is uploaded, and no manifest or tag is
	// pushed before the last one passed: one read of the archive.
	h, err := pkg.CheckDigestsOnly(ctx, CheckOptions{HashAsRead: true})
	if err != nil {
		return nil, err
	}
	res := &PushResult{Root: pkg.root, Tag: tag, Reference: fmt.Sprintf("%s/%s@%s", ref.Registry, ref.Repository, pkg.root.Digest)}
	src, refs, err := h.forPush(ctx, opts, res)
	if err != nil {
		return nil, err
	}
	repo, err := registry.Repository(ref, opts.Registry)
	if err != nil {
		return nil, err
	}
	u := newUpload(repo)
	if err := u.add(ctx, src, pkg.root); err != nil {
		return nil, err
	}
	for _, r := range refs {
		if err := u.add(ctx, src, r.desc); err != nil {
			return nil, err
		}
		if r.tag != "" {
			u.tags = append(u.tags, tagging{r.desc, r.tag})
		}
		res.Referrers = append(res.Referrers, r.desc)
		res.count(pkg.root.Digest, r)
	}
	if tag != "" {
		u.tags = append(u.tags, tagging{pkg.root, tag})
	}
	t := TransferOptions{Registry: opts.Registry, Transfers: opts.Transfers, mountFrom: pkg.mountFrom(ref.Registry)}
	if err := transfer(ctx, h.progressOf(ctx, src, opts.Progress), []*upload{u}, t); err != nil {
		return nil, fmt.Errorf("push %s: %w", target, classify(err))
	}
	res.ReferrersAPI = u.referrersAPI
	return res, nil
}

// count adds a referrer of the root to the result's counts.
func (res *PushResult) count(root digest.Digest, r *referrer) {
	switch {
	case r.subject != root:
	case r.kind == kindLegacySig || r.kind == kindBundle && r.predicateType == spec.PredicateTypeCosignSign:
		res.Signatures++
	case r.kind == kindBundle:
		res.Attestations++
	case r.kind == kindStatement:
		res.Unsigned++
	}
}

// forPush decides what is pushed: the archive's content plus, when
// signing, a new signature (and the statements named); and refuses an
// unsigned package.
func (h *Handle) forPush(ctx context.Context, opts PushOptions, res *PushResult) (content.ReadOnlyStorage, []*referrer, error) {
	signed, err := h.hasSignature(ctx, h.carried)
	if err != nil {
		return nil, nil, err
	}
	if !opts.signing() || (opts.OnlyIfUnsigned && signed) {
		if !signed && !opts.InsecureUnsigned {
			return nil, nil, verify.Fail(verify.ReasonNoSignature, "expected a signed package, found no signature on %s: sign it (PushOptions.Key) or push it unsigned (PushOptions.InsecureUnsigned)", h.pkg.root.Digest)
		}
		return h, h.carried, nil
	}
	s, err := h.sign(ctx, opts.Key, SignOptions{Sign: opts.Sign, Now: opts.Now, Statements: opts.Statements, AllStatements: opts.AllStatements, Show: opts.Show})
	if err != nil {
		return nil, nil, err
	}
	res.Statements = s.result.Statements
	return s.extra, s.referrers(h), nil
}
