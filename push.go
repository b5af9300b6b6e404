// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// PushOptions tunes [Push]. The zero value pushes a package that is already
// signed, and refuses an unsigned one.
type PushOptions struct {
	// Key, when set, signs the package before it is pushed (adding a
	// signature; the archive file itself is not changed).
	Key *sign.Key
	// Sign says how that signature is made. Default: with the key alone,
	// offline. With Sign.FulcioURL set and no Key, the package is signed
	// keylessly before it is pushed.
	Sign sign.Options
	// InsecureUnsigned pushes a package that carries no signature. Default:
	// refuse it (a *verify.Failure with reason NO_SIGNATURE).
	InsecureUnsigned bool
	// Registry says how the registry is reached.
	Registry registry.Options
	// Concurrency is how many blobs are uploaded at once. Default: 4.
	Concurrency int
	// Progress receives transfer progress. Default: none.
	Progress Progress
	// Now is the clock for a new signature's creation annotation. Default: time.Now.
	Now func() time.Time
}

// PushResult says what [Push] published.
type PushResult struct {
	// Reference is the package in the registry, by digest.
	Reference string
	// Tag is the tag the root was given.
	Tag string
	// Root is the package root.
	Root ocispec.Descriptor
	// Referrers are the signatures and attestations pushed with it.
	Referrers []ocispec.Descriptor
	// ReferrersAPI says whether the registry serves the referrers API; when
	// it does not, the "sha256-<hex>" referrers tag index was maintained.
	ReferrersAPI bool
}

// Push publishes the package archive at file to target
// (oci://REGISTRY/REPO[:TAG], the tag defaulting to the package's version).
// Blobs go first, several at once, skipping those the registry has; then the
// manifests; then the signatures and attestations as OCI 1.1 referrers of the
// root (or in the referrers tag schema); the tag is set last, so a failed push
// never leaves a tag behind. Every blob is checked against its digest as it is
// read from the archive.
func Push(ctx context.Context, file, target string, opts PushOptions) (*PushResult, error) {
	src, err := openSource(ctx, file, opts.Registry)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if src.archive == nil {
		return nil, fmt.Errorf("push %s: expected an archive, found a registry target (use mirror to copy between registries)", file)
	}
	ref, err := registry.ParseTarget(target)
	if err != nil {
		return nil, err
	}
	tag := ref.Reference
	if tag == "" {
		tag = src.index.Annotations[spec.AnnotationVersion]
	}
	if d, err := digest.Parse(tag); err == nil {
		if d != src.root.Digest {
			return nil, fmt.Errorf("push %s: the target names digest %s, the package root is %s", target, d, src.root.Digest)
		}
		tag = ""
	}
	store, referrers, err := pushContent(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	imageRefs, err := src.imageReferrers(ctx)
	if err != nil {
		return nil, err
	}
	referrers = append(referrers, imageRefs...)
	repo, err := registry.Repository(ref, opts.Registry)
	if err != nil {
		return nil, err
	}
	res := &PushResult{Root: src.root, Tag: tag, Reference: fmt.Sprintf("%s/%s@%s", ref.Registry, ref.Repository, src.root.Digest)}
	if err := pushGraph(ctx, store, repo, src.root, referrers, opts, res); err != nil {
		return nil, fmt.Errorf("push %s: %w", target, err)
	}
	if tag != "" {
		if err := repo.Tag(ctx, src.root, tag); err != nil {
			return nil, fmt.Errorf("push %s: tag %s: %w", target, tag, err)
		}
	}
	return res, nil
}

// pushContent decides what is pushed: the archive's content plus, when
// signing, a new signature; and refuses an unsigned package.
func pushContent(ctx context.Context, src *source, opts PushOptions) (content.ReadOnlyStorage, []registry.Referrer, error) {
	referrers := src.referrers
	if opts.Key == nil && opts.Sign.FulcioURL == "" {
		sigs, err := src.signatures(ctx)
		if err != nil {
			return nil, nil, err
		}
		if len(sigs) == 0 && !opts.InsecureUnsigned {
			return nil, nil, verify.Fail(verify.ReasonNoSignature, "expected a signed package, found no signature on %s: sign it (--key) or push it unsigned with --insecure", src.root.Digest)
		}
		return src.store, referrers, nil
	}
	added, kept, _, err := signAll(ctx, src, opts.Key, SignOptions{Sign: opts.Sign, Now: opts.Now})
	if err != nil {
		return nil, nil, err
	}
	return added.store, append(kept, added.refs...), nil
}

// pushGraph uploads the root's graph, probes the referrers API, then uploads
// the referrers (tagging cosign's legacy ones with their tags).
func pushGraph(ctx context.Context, src content.ReadOnlyStorage, repo *remote.Repository, root ocispec.Descriptor, referrers []registry.Referrer, opts PushOptions, res *PushResult) error {
	copyOpts := oras.CopyGraphOptions{Concurrency: opts.Concurrency}
	if copyOpts.Concurrency <= 0 {
		copyOpts.Concurrency = 4
	}
	src = withProgress(src, opts.Progress)
	if err := oras.CopyGraph(ctx, src, repo, plain(root), copyOpts); err != nil {
		return err
	}
	supported, err := registry.ProbeReferrers(ctx, repo)
	if err != nil {
		return err
	}
	res.ReferrersAPI = supported
	for _, r := range referrers {
		if err := oras.CopyGraph(ctx, src, repo, plain(r.Descriptor), copyOpts); err != nil {
			return fmt.Errorf("referrer %s: %w", r.Digest, err)
		}
		if r.LegacyTag != "" {
			if err := repo.Tag(ctx, plain(r.Descriptor), r.LegacyTag); err != nil {
				return err
			}
		}
		res.Referrers = append(res.Referrers, r.Descriptor)
	}
	return nil
}

// plain strips a descriptor to what identifies content.
func plain(d ocispec.Descriptor) ocispec.Descriptor {
	return ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
}
