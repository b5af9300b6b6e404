// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	orasregistry "oras.land/oras-go/v2/registry"

	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/trust"
	"github.com/airlock-dev/airlock/verify"
)

// MirrorOptions tunes [Mirror]. The zero value is not enough: the policy must
// name a signer, unless InsecureSkipVerify is set.
type MirrorOptions struct {
	// Policy names the accepted signers of the package.
	Policy policy.Policy
	// InsecureSkipVerify mirrors without checking the package's signature.
	InsecureSkipVerify bool
	// Trust is the trust material for keyless signatures. Default: the embedded public-good root.
	Trust *trust.Material
	// Registry says how registries are reached (source and destination).
	Registry registry.Options
	// Concurrency is how many blobs are uploaded at once. Default: 4.
	Concurrency int
	// Progress receives transfer progress. Default: none.
	Progress Progress
	// ImagePolicy and RequireImageSignatures are as in VerifyOptions.
	ImagePolicy            *policy.ImagePolicy
	RequireImageSignatures bool
}

// MirroredImage is one image [Mirror] copied.
type MirroredImage struct {
	// Source is the reference the package recorded for the image.
	Source string `json:"source"`
	// Destination is where it now is, by tag when it had one.
	Destination string `json:"destination"`
	// Digest is the image's digest, the same in both places.
	Digest string `json:"digest"`
	// Referrers is how many signatures and attestations came with it.
	Referrers int `json:"referrers"`
}

// MirrorResult is what [Mirror] did.
type MirrorResult struct {
	// Verification is the package's verification result.
	Verification *verify.Result `json:"verification"`
	// Images are the images copied.
	Images []MirroredImage `json:"images"`
}

// Mirror verifies the package at target (an archive or oci:// reference) as
// [Verify] does, then copies each image it carries, with the signatures and
// attestations the package holds for it, into dest (oci://REGISTRY[/PREFIX]):
// image HOST/PATH:TAG lands at REGISTRY/PREFIX/PATH:TAG with the same digest.
// Cosign's legacy tags travel as tags.
func Mirror(ctx context.Context, target, dest string, opts MirrorOptions) (*MirrorResult, error) {
	prefix, err := parsePrefix(dest)
	if err != nil {
		return nil, err
	}
	out := &MirrorResult{Images: []MirroredImage{}}
	if opts.InsecureSkipVerify {
		out.Verification = newResult(target)
		out.Verification.AddCheck("signature", verify.StatusSkipped, "--insecure: the signature was not verified")
	} else {
		out.Verification, err = Verify(ctx, target, VerifyOptions{Policy: opts.Policy, Trust: opts.Trust, Registry: opts.Registry,
			ImagePolicy: opts.ImagePolicy, RequireImageSignatures: opts.RequireImageSignatures})
		if err != nil {
			return out, err
		}
	}
	src, err := openSource(ctx, target, opts.Registry)
	if err != nil {
		return out, err
	}
	defer src.Close()
	for _, img := range src.index.Manifests {
		if img.ArtifactType == spec.ArtifactTypeComponent {
			continue
		}
		m, err := mirrorImage(ctx, src, img, prefix, opts)
		if err != nil {
			return out, fmt.Errorf("mirror %s: %w", img.Annotations[spec.AnnotationImageRef], err)
		}
		out.Images = append(out.Images, *m)
	}
	return out, nil
}

// parsePrefix parses oci://REGISTRY[/PREFIX].
func parsePrefix(dest string) (orasregistry.Reference, error) {
	if !registry.IsTarget(dest) {
		return orasregistry.Reference{}, fmt.Errorf("%w: expected %sREGISTRY[/PREFIX], found %q", registry.ErrTarget, registry.Scheme, dest)
	}
	host, prefix, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(dest, registry.Scheme), "/"), "/")
	ref := orasregistry.Reference{Registry: host, Repository: prefix}
	if err := ref.ValidateRegistry(); err != nil {
		return ref, fmt.Errorf("%w: %q: %v", registry.ErrTarget, dest, err)
	}
	return ref, nil
}

// destination maps an image reference HOST/PATH[:TAG][@DIGEST] to
// REGISTRY/PREFIX/PATH and its tag ("" when it had none).
func destination(prefix orasregistry.Reference, source string) (orasregistry.Reference, string, error) {
	name, _, _ := strings.Cut(source, "@")
	src, err := orasregistry.ParseReference(name)
	if err != nil {
		return orasregistry.Reference{}, "", fmt.Errorf("image reference %q: %w", source, err)
	}
	tag := src.Reference
	if _, err := digest.Parse(tag); err == nil {
		tag = ""
	}
	repo := src.Repository
	if prefix.Repository != "" {
		repo = prefix.Repository + "/" + repo
	}
	dst := orasregistry.Reference{Registry: prefix.Registry, Repository: repo}
	return dst, tag, dst.ValidateRepository()
}

func mirrorImage(ctx context.Context, src *source, img ocispec.Descriptor, prefix orasregistry.Reference, opts MirrorOptions) (*MirroredImage, error) {
	sourceRef := img.Annotations[spec.AnnotationImageRef]
	dst, tag, err := destination(prefix, sourceRef)
	if err != nil {
		return nil, err
	}
	repo, err := registry.Repository(dst, opts.Registry)
	if err != nil {
		return nil, err
	}
	referrers, err := src.referrersOf(ctx, img)
	if err != nil {
		return nil, err
	}
	res := &PushResult{}
	pushOpts := PushOptions{Concurrency: opts.Concurrency, Progress: opts.Progress}
	if err := pushGraph(ctx, src.store, repo, img, referrers, pushOpts, res); err != nil {
		return nil, err
	}
	where := dst.String() + "@" + img.Digest.String()
	if tag != "" {
		if err := repo.Tag(ctx, plain(img), tag); err != nil {
			return nil, err
		}
		where = dst.String() + ":" + tag
	}
	return &MirroredImage{Source: sourceRef, Destination: where, Digest: img.Digest.String(), Referrers: len(referrers)}, nil
}
