// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"os"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/trust"
	"github.com/airlock-dev/airlock/verify"
)

// PullOptions tunes [Pull]. The zero value is not enough: the policy must
// name a signer, unless InsecureSkipVerify is set.
type PullOptions struct {
	// Policy names the accepted signers.
	Policy policy.Policy
	// InsecureSkipVerify writes the package without checking its signature.
	// Digests are still checked: content is never written unverified against them.
	InsecureSkipVerify bool
	// Trust is the trust material for keyless signatures. Default: the embedded public-good root.
	Trust *trust.Material
	// Registry says how the registry is reached.
	Registry registry.Options
	// ImagePolicy and RequireImageSignatures are as in VerifyOptions.
	ImagePolicy            *policy.ImagePolicy
	RequireImageSignatures bool
	// Progress receives transfer progress. Default: none.
	Progress Progress
}

// Pull fetches the package at target (oci://REGISTRY/REPO:TAG or @DIGEST)
// into an archive at output. The tag is resolved once; the signature is
// verified before any package content is downloaded; blobs then stream, each
// checked against its digest, into a temporary file beside output that is
// renamed into place only when all of it verified and the tag still names
// the same root. On any failure nothing is left at output.
func Pull(ctx context.Context, target, output string, opts PullOptions) (*verify.Result, error) {
	res := newResult(target)
	if !registry.IsTarget(target) {
		return res, fmt.Errorf("pull %s: expected an oci:// target", target)
	}
	if !opts.InsecureSkipVerify {
		if err := opts.Policy.Validate(); err != nil {
			return res, err
		}
	}
	src, err := openSource(ctx, target, opts.Registry)
	if err != nil {
		return res, finish(res, err, "package")
	}
	defer src.Close()
	if opts.InsecureSkipVerify {
		res.Package = src.info()
		res.AddCheck("signature", verify.StatusSkipped, "--insecure: the signature was not verified")
	} else if check, err := checkPackage(ctx, src, VerifyOptions{Policy: opts.Policy, Trust: opts.Trust,
		ImagePolicy: opts.ImagePolicy, RequireImageSignatures: opts.RequireImageSignatures}, res); err != nil {
		return res, finish(res, err, check)
	}
	imageRefs, err := src.imageReferrers(ctx)
	if err != nil {
		return res, finish(res, err, "images")
	}
	store := withProgress(src.store, opts.Progress)
	err = archive.Atomic(output, func(f *os.File) error {
		if err := archive.Write(ctx, f, store, append(src.manifests(), indexEntries(imageRefs)...)); err != nil {
			return classify(err)
		}
		return tagUnmoved(ctx, src)
	})
	if err != nil {
		return res, finish(res, err, "blobs")
	}
	res.AddCheck("blobs", verify.StatusPassed, "every blob downloaded and hashed: sizes and digests match")
	return res, finish(res, nil, "")
}

// tagUnmoved fails if the tag pulled no longer names the root that was
// verified: what was written is then not what the tag names.
func tagUnmoved(ctx context.Context, src *source) error {
	if _, err := digest.Parse(src.ref.Reference); err == nil {
		return nil
	}
	now, err := src.remote.Repository().Resolve(ctx, src.ref.Reference)
	if err != nil {
		return fmt.Errorf("resolve %s again: %w", src.ref, err)
	}
	if now.Digest != src.root.Digest {
		return verify.Fail(verify.ReasonTagMoved, "expected tag %s to still name %s, found it moved to %s during the pull", src.ref.Reference, src.root.Digest, now.Digest)
	}
	return nil
}
