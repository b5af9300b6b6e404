// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/opencontainers/go-digest"
	"oras.land/oras-go/v2/content"
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
	// Record, if set, pushes the gate's signed verification summary of each
	// image beside it, once everything verified. Refused with
	// InsecureSkipVerify. Default: none.
	Record *RecordOptions
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
	// Record is the digest of the gate's verification summary pushed as a
	// referrer of it, when recording.
	Record string `json:"record,omitempty"`
}

// MirroredChart is one chart [Mirror] pushed as an OCI Helm chart.
type MirroredChart struct {
	// Name and Version are the chart's.
	Name    string `json:"name"`
	Version string `json:"version"`
	// Destination is where it now is: REGISTRY/PREFIX/charts/NAME:VERSION,
	// which `helm pull oci://` reads.
	Destination string `json:"destination"`
	// Digest is the chart manifest's digest; Chart the chart's own, as signed.
	Digest string `json:"digest"`
	Chart  string `json:"chart"`
}

// MirrorResult is what [Mirror] did.
type MirrorResult struct {
	// Verification is the package's verification result.
	Verification *verify.Result `json:"verification"`
	// Images are the images copied.
	Images []MirroredImage `json:"images"`
	// Charts are the charts pushed as OCI Helm charts.
	Charts []MirroredChart `json:"charts"`
	// at is each image's descriptor and destination, for records; by is
	// the handle that mirrored them, once every blob pushed was checked.
	at []mirroredAt
	by *Handle
}

// Mirror opens the package at target (an archive or oci:// reference) once,
// verifies it as [Verify] does, then copies each image it carries, with the
// publishers' signatures and attestations that verified, into dest
// (oci://REGISTRY[/PREFIX]) through the verified handle: image
// HOST/PATH:TAG lands at REGISTRY/PREFIX/PATH:TAG with the same digest.
// Nothing is pushed before verification passes, and no manifest or tag
// before every blob under it was uploaded and checked. A Zarf package's
// images are mirrored the same way (see docs/zarf.md).
func Mirror(ctx context.Context, target, dest string, opts MirrorOptions) (*MirrorResult, error) {
	ctx = resolvingOnce(ctx)
	out := &MirrorResult{Images: []MirroredImage{}, Charts: []MirroredChart{}}
	if _, err := parsePrefix(dest); err != nil {
		return out, err
	}
	if opts.Record != nil && opts.InsecureSkipVerify {
		return out, errRecordInsecure
	}
	if zout, ok, err := mirrorZarf(ctx, target, dest, opts); ok {
		return zout, err
	}
	opts.HashAsRead = true // every blob mirrored is checked as it is uploaded, once
	pkg, h, err := openChecked(ctx, target, opts.VerifyOptions, opts.InsecureSkipVerify)
	if h != nil {
		out.Verification = h.Result()
	}
	if err != nil {
		return out, err
	}
	defer pkg.Close()
	t := TransferOptions{Registry: opts.Registry, Transfers: opts.Transfers, Progress: opts.Progress}
	res, err := h.Mirror(ctx, dest, t)
	if err == nil && opts.Record != nil {
		err = h.RecordMirrored(ctx, res, *opts.Record, t)
	}
	if res != nil {
		out.Images, out.Charts = append(out.Images, res.Images...), append(out.Charts, res.Charts...)
	}
	return out, err
}

// Mirror copies each image the handle pins, with its carried referrers,
// into dest (oci://REGISTRY[/PREFIX]): image HOST/PATH:TAG lands at
// REGISTRY/PREFIX/PATH:TAG with the same digest; cosign's legacy signature
// tags travel as tags. Each chart goes as an OCI Helm chart to
// REGISTRY/PREFIX/charts/NAME:VERSION. Every blob is read through the
// handle and checked as it streams; manifests follow their blobs, tags
// come last.
func (h *Handle) Mirror(ctx context.Context, dest string, opts TransferOptions) (*MirrorResult, error) {
	prefix, err := parsePrefix(dest)
	if err != nil {
		return nil, err
	}
	out := &MirrorResult{Verification: h.res, Images: []MirroredImage{}, Charts: []MirroredChart{}}
	repos := &uploads{byRepo: map[string]*upload{}, opts: opts.Registry}
	for _, img := range h.pkg.Images() {
		source := img.Annotations[spec.AnnotationImageRef]
		dst, tag, err := destination(prefix, source)
		if err != nil {
			return nil, err
		}
		u, err := repos.get(dst)
		if err != nil {
			return nil, err
		}
		n, err := h.addImage(ctx, u, img.Digest, tag)
		if err != nil {
			return nil, fmt.Errorf("mirror %s: %w", source, err)
		}
		where := dst.String() + "@" + img.Digest.String()
		if tag != "" {
			where = dst.String() + ":" + tag
		}
		out.Images = append(out.Images, MirroredImage{Source: source, Destination: where, Digest: img.Digest.String(), Referrers: n})
		out.at = append(out.at, mirroredAt{img: plain(img), dst: dst})
	}
	src, err := h.addCharts(ctx, prefix, repos, out)
	if err != nil {
		return nil, h.fail(err, "charts")
	}
	if err := transfer(ctx, h.progressOf(ctx, src, opts.Progress), repos.list, opts); err != nil {
		return nil, h.fail(classify(err), "blobs")
	}
	if !h.hashed {
		h.res.AddCheck("blobs", verify.StatusPassed, "every mirrored blob hashed as it was copied (the package's other content was not read)")
		h.res.Verified = h.verified
	}
	out.by = h
	return out, nil
}

// uploads are the repositories a mirror writes to, each once.
type uploads struct {
	byRepo map[string]*upload
	list   []*upload
	opts   registry.Options
}

func (us *uploads) get(ref orasregistry.Reference) (*upload, error) {
	if u := us.byRepo[ref.String()]; u != nil {
		return u, nil
	}
	repo, err := registry.Repository(ref, us.opts)
	if err != nil {
		return nil, err
	}
	u := newUpload(repo)
	us.byRepo[ref.String()] = u
	us.list = append(us.list, u)
	return u, nil
}

// addCharts adds each chart, as an OCI Helm chart, to its repository
// PREFIX/charts/NAME, and returns the store serving the handle's content and
// the charts' manifests and configs.
func (h *Handle) addCharts(ctx context.Context, prefix orasregistry.Reference, repos *uploads, out *MirrorResult) (content.ReadOnlyStorage, error) {
	charts, err := h.charts(ctx)
	if err != nil {
		return nil, err
	}
	src := newOverlay(h)
	for _, c := range charts {
		for d, b := range c.blobs {
			src.put(d, b)
		}
		repo := path.Join(prefix.Repository, "charts", c.name)
		dst := orasregistry.Reference{Registry: prefix.Registry, Repository: repo}
		if err := dst.ValidateRepository(); err != nil {
			return nil, verify.Fail(verify.ReasonMalformedPackage, "chart %s: %v", c.name, err)
		}
		u, err := repos.get(dst)
		if err != nil {
			return nil, err
		}
		if err := u.add(ctx, src, c.manifest); err != nil {
			return nil, err
		}
		u.tags = append(u.tags, tagging{c.manifest, c.tag()})
		out.Charts = append(out.Charts, MirroredChart{Name: c.name, Version: c.version, Destination: dst.String() + ":" + c.tag(),
			Digest: c.manifest.Digest.String(), Chart: c.layer.Digest.String()})
	}
	return src, nil
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
