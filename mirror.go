// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
	orasregistry "oras.land/oras-go/v2/registry"

	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// MirrorOptions tunes [Mirror]. The zero value is not enough: the policy
// must name a signer, unless InsecureSkipVerify is set.
type MirrorOptions struct {
	// VerifyOptions say what the package must satisfy; their Registry also
	// reaches the destination.
	VerifyOptions
	// InsecureSkipVerify mirrors without checking the package's signature.
	// Digests are still checked; the result says it was not verified.
	InsecureSkipVerify bool
	// Transfers is how many blobs are uploaded at once. Default: 4.
	Transfers int
	// Progress receives transfer progress. Default: none.
	Progress Progress
}

// MirroredImage is one image [Mirror] copied.
type MirroredImage struct {
	// Source is the reference the package recorded for the image.
	Source string `json:"source"`
	// Destination is where it now is, by tag when it had one.
	Destination string `json:"destination"`
	// Digest is the image's digest, the same in both places.
	Digest string `json:"digest"`
	// Referrers is how many signatures and attestations came with it: those
	// that verified under its policy (none when mirroring without verification).
	Referrers int `json:"referrers"`
}

// MirrorResult is what [Mirror] did.
type MirrorResult struct {
	// Verification is the package's verification result.
	Verification *verify.Result `json:"verification"`
	// Images are the images copied.
	Images []MirroredImage `json:"images"`
}

// Mirror opens the package at target (an archive or oci:// reference) once,
// verifies it as [Verify] does, then copies each image it carries, with the
// publishers' signatures and attestations that verified, into dest
// (oci://REGISTRY[/PREFIX]) through the verified handle: image
// HOST/PATH:TAG lands at REGISTRY/PREFIX/PATH:TAG with the same digest.
// Nothing is pushed before verification passes, and no manifest or tag
// before every blob under it was uploaded and checked.
func Mirror(ctx context.Context, target, dest string, opts MirrorOptions) (*MirrorResult, error) {
	out := &MirrorResult{Images: []MirroredImage{}}
	if _, err := parsePrefix(dest); err != nil {
		return out, err
	}
	pkg, h, err := openChecked(ctx, target, opts.VerifyOptions, opts.InsecureSkipVerify)
	if h != nil {
		out.Verification = h.Result()
	}
	if err != nil {
		return out, err
	}
	defer pkg.Close()
	images, err := h.Mirror(ctx, dest, TransferOptions{Registry: opts.Registry, Transfers: opts.Transfers, Progress: opts.Progress})
	out.Images = append(out.Images, images...)
	return out, err
}

// Mirror copies each image the handle pins, with its carried referrers,
// into dest (oci://REGISTRY[/PREFIX]): image HOST/PATH:TAG lands at
// REGISTRY/PREFIX/PATH:TAG with the same digest; cosign's legacy signature
// tags travel as tags. Every blob is read through the handle and checked as
// it streams; manifests follow their blobs, tags come last.
func (h *Handle) Mirror(ctx context.Context, dest string, opts TransferOptions) ([]MirroredImage, error) {
	prefix, err := parsePrefix(dest)
	if err != nil {
		return nil, err
	}
	repos := map[string]*upload{}
	var uploads []*upload
	var out []MirroredImage
	for _, img := range h.pkg.Images() {
		source := img.Annotations[spec.AnnotationImageRef]
		dst, tag, err := destination(prefix, source)
		if err != nil {
			return nil, err
		}
		u := repos[dst.String()]
		if u == nil {
			repo, err := registry.Repository(dst, opts.Registry)
			if err != nil {
				return nil, err
			}
			u = newUpload(repo)
			repos[dst.String()] = u
			uploads = append(uploads, u)
		}
		n, err := h.addImage(ctx, u, img.Digest, tag)
		if err != nil {
			return nil, fmt.Errorf("mirror %s: %w", source, err)
		}
		where := dst.String() + "@" + img.Digest.String()
		if tag != "" {
			where = dst.String() + ":" + tag
		}
		out = append(out, MirroredImage{Source: source, Destination: where, Digest: img.Digest.String(), Referrers: n})
	}
	if err := transfer(ctx, withProgress(h, opts.Progress), uploads, opts); err != nil {
		return nil, h.fail(classify(err), "blobs")
	}
	if !h.hashed {
		h.res.AddCheck("blobs", verify.StatusPassed, "every mirrored blob hashed as it was copied (the package's other content was not read)")
		h.res.Verified = h.verified
	}
	return out, nil
}

// addImage adds an image and its carried referrers (of it and of its
// platforms) to u, and returns how many referrers came with it. A handle
// that did not verify carries none: nothing vouches for them, and an
// internal registry is where admission controllers look for signatures.
func (h *Handle) addImage(ctx context.Context, u *upload, img digest.Digest, tag string) (int, error) {
	node := h.g.Nodes[img]
	if err := u.add(ctx, h, node); err != nil {
		return 0, err
	}
	if tag != "" {
		u.tags = append(u.tags, tagging{node, tag})
	}
	if !h.verified {
		return 0, nil
	}
	subjects := []digest.Digest{img}
	if isIndex(node.MediaType) {
		children, err := h.pkg.platforms(ctx, node)
		if err != nil {
			return 0, err
		}
		for _, c := range children {
			subjects = append(subjects, c.Digest)
		}
	}
	n := 0
	for _, s := range subjects {
		for _, r := range h.byImage[s] {
			if err := u.add(ctx, h, r.desc); err != nil {
				return 0, err
			}
			if r.tag != "" {
				u.tags = append(u.tags, tagging{r.desc, r.tag})
			}
			n++
		}
	}
	return n, nil
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
