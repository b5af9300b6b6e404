// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/internal/progress"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
	"github.com/airlock-dev/airlock/zarf"
)

// zarfPublished is a Zarf package in a registry as `zarf package publish`
// lays it out: the reference names an index with one manifest per
// architecture (platform os "multi"), or one such manifest; its config is
// the definition as JSON (derived, never trusted), its layers the
// package's files, each titled with its path.
type zarfPublished struct {
	b      *remoteBackend
	target string
	// tag is the tag the target named ("" when pinned by digest); root
	// what it resolved to, once.
	tag  string
	root ocispec.Descriptor
	// index is the root as an index (nil when the root is the manifest).
	index    *ocispec.Index
	manifest ocispec.Descriptor
	man      ocispec.Manifest
	// layers are the manifest's layers by title.
	layers map[string]ocispec.Descriptor
}

// errNotZarf says a registry target is not a published Zarf package.
var errNotZarf = errors.New("not a published Zarf package")

// openZarfPublished resolves target once and reads the manifests it names.
// It returns errNotZarf when they are not a Zarf package's.
func openZarfPublished(ctx context.Context, target string, opts registry.Options) (*zarfPublished, error) {
	ref, err := registry.ParseTarget(target)
	if err != nil || ref.Reference == "" {
		return nil, errNotZarf // Open says what is wrong with it
	}
	b, err := newRemote(ref.Registry+"/"+ref.Repository, opts)
	if err != nil {
		return nil, err
	}
	root, err := resolveOnce(ctx, target, func() (ocispec.Descriptor, error) { return b.store.Repository().Resolve(ctx, ref.Reference) })
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", target, registry.Explain(ref.Registry, err))
	}
	zp := &zarfPublished{b: b, target: target, tag: ref.Reference, root: plain(root)}
	if d, err := digest.Parse(ref.Reference); err == nil {
		if root.Digest != d {
			return nil, verify.Fail(verify.ReasonDigestMismatch, "expected %s to resolve to %s, found %s", target, d, root.Digest)
		}
		zp.tag = ""
	}
	if err := zp.readManifests(ctx, opts.Architecture); err != nil {
		return nil, err
	}
	return zp, zp.readLayers()
}

// readManifests reads the root and, for an index, the manifest of the
// architecture chosen.
func (zp *zarfPublished) readManifests(ctx context.Context, arch string) error {
	if !spec.IsManifest(zp.root.MediaType) {
		return errNotZarf
	}
	data, err := readRoot(ctx, zp.b, zp.root)
	if err != nil {
		return classify(err)
	}
	zp.manifest = zp.root
	if zp.root.MediaType == ocispec.MediaTypeImageIndex {
		var idx ocispec.Index
		if err := json.Unmarshal(data, &idx); err != nil {
			return verify.Fail(verify.ReasonMalformedPackage, "index %s: %v", zp.root.Digest, err)
		}
		if zp.manifest, err = chooseArchitecture(idx, arch); err != nil {
			return err
		}
		zp.index = &idx
		if data, err = graph.ReadBounded(ctx, zp.b, zp.manifest, spec.MaxManifestSize); err != nil {
			return classify(err)
		}
	}
	if zp.manifest.MediaType != ocispec.MediaTypeImageManifest {
		return errNotZarf
	}
	if err := json.Unmarshal(data, &zp.man); err != nil {
		return verify.Fail(verify.ReasonMalformedPackage, "manifest %s: %v", zp.manifest.Digest, err)
	}
	if zp.man.Config.MediaType != zarf.MediaTypeConfig {
		if zp.index != nil {
			return verify.Fail(verify.ReasonMalformedPackage, "manifest %s: expected a Zarf package's config (%s), found %q", zp.manifest.Digest, zarf.MediaTypeConfig, zp.man.Config.MediaType)
		}
		return errNotZarf
	}
	return nil
}

// chooseArchitecture picks, from an index Zarf published, the manifest of
// arch (default: the only one, else this machine's). An index without
// Zarf's platforms is not a Zarf package.
func chooseArchitecture(idx ocispec.Index, arch string) (ocispec.Descriptor, error) {
	var found []ocispec.Descriptor
	var archs []string
	for _, m := range idx.Manifests {
		if m.Platform == nil || m.Platform.OS != "multi" {
			continue
		}
		found, archs = append(found, m), append(archs, m.Platform.Architecture)
	}
	if len(found) == 0 {
		return ocispec.Descriptor{}, errNotZarf
	}
	if arch == "" && len(found) == 1 {
		return plain(found[0]), nil
	}
	if arch == "" {
		arch = runtime.GOARCH
	}
	var match []ocispec.Descriptor
	for _, m := range found {
		if m.Platform.Architecture == arch {
			match = append(match, m)
		}
	}
	switch len(match) {
	case 0:
		sort.Strings(archs)
		return ocispec.Descriptor{}, fmt.Errorf("the Zarf package holds no %s package (it has %s): choose one with --architecture (registry.Options.Architecture)", arch, strings.Join(archs, ", "))
	case 1:
		return plain(match[0]), nil
	}
	return ocispec.Descriptor{}, verify.Fail(verify.ReasonMalformedPackage, "the index names %d %s packages: expected one", len(match), arch)
}

// readLayers indexes the manifest's layers by title: each a Zarf layer,
// at a clean relative path, once.
func (zp *zarfPublished) readLayers() error {
	if len(zp.man.Layers) > zarf.MaxFiles {
		return verify.Fail(verify.ReasonMalformedPackage, "manifest %s: more than %d layers", zp.manifest.Digest, zarf.MaxFiles)
	}
	zp.layers = map[string]ocispec.Descriptor{}
	for _, l := range zp.man.Layers {
		title := l.Annotations[ocispec.AnnotationTitle]
		switch {
		case l.MediaType != zarf.MediaTypeLayer:
			return verify.Fail(verify.ReasonMalformedPackage, "layer %s (%s): expected a %s, found %q", l.Digest, title, zarf.MediaTypeLayer, l.MediaType)
		case zarf.SafePath(title) != nil:
			return verify.Fail(verify.ReasonMalformedPackage, "layer %s: its title: %v", l.Digest, zarf.SafePath(title))
		case l.Size < 0 || l.Digest.Validate() != nil || l.Digest.Algorithm() != digest.SHA256:
			return verify.Fail(verify.ReasonMalformedPackage, "layer %s: expected a sha256 digest and a size", title)
		}
		if _, dup := zp.layers[title]; dup {
			return verify.Fail(verify.ReasonMalformedPackage, "manifest %s: two layers are titled %s", zp.manifest.Digest, title)
		}
		zp.layers[title] = plain(l)
	}
	return nil
}

// read fetches the small files the checks need, each checked against its
// layer's digest, and takes every file's digest from its layer.
func (zp *zarfPublished) read(ctx context.Context) (*zarfContent, error) {
	z := &zarfContent{files: map[string]digest.Digest{}}
	for title, d := range zp.layers {
		z.files[title] = d.Digest
	}
	for name, k := range z.kept() {
		d, ok := zp.layers[name]
		if !ok {
			continue
		}
		if d.Size > k.limit {
			return nil, verify.Fail(verify.ReasonMalformedPackage, "%s is %d bytes, more than the %d allowed", name, d.Size, k.limit)
		}
		data, err := graph.ReadBounded(ctx, zp.b, d, k.limit)
		if err != nil {
			return nil, classify(err)
		}
		*k.into = data
	}
	return z, z.parse()
}

// hashLayers downloads every layer and checks it against its digest,
// concurrency at a time, storing nothing.
func (zp *zarfPublished) hashLayers(ctx context.Context, concurrency int, p Progress) error {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(concurrency)
	for title, d := range zp.layers {
		eg.Go(func() error {
			rc, err := zp.b.Fetch(gctx, d)
			if err != nil {
				return fmt.Errorf("%s: %w", title, err)
			}
			if p != nil {
				named := d
				named.Annotations = map[string]string{ocispec.AnnotationTitle: title}
				rc = progress.Reader(rc, named, p)
			}
			defer rc.Close()
			if _, err := io.Copy(io.Discard, rc); err != nil {
				return fmt.Errorf("%s: %w", title, err)
			}
			return nil
		})
	}
	return classify(eg.Wait())
}

// verifyZarfPublished verifies a published Zarf package: the files' checks
// of a tarball, on the layers' digests, then every layer downloaded and
// hashed (unless opts.HashAsRead: then the result is not yet Verified).
func verifyZarfPublished(ctx context.Context, zp *zarfPublished, opts VerifyOptions) (*zarfContent, *verify.Result, error) {
	res := newResult(zp.target)
	if err := opts.validate(); err != nil {
		return nil, res, err
	}
	v, err := verifier(opts.Trust)
	if err != nil {
		return nil, res, err
	}
	z, err := zp.read(ctx)
	if err != nil {
		return nil, res, finish(res, err, "layout")
	}
	if err := z.check(v, opts, res); err != nil {
		return nil, res, err
	}
	if opts.HashAsRead {
		return z, res, nil // the caller checks what it reads, and says so
	}
	if err := zp.hashLayers(ctx, opts.Concurrency, opts.Progress); err != nil {
		return nil, res, finish(res, err, "layers")
	}
	res.AddCheck("layers", verify.StatusPassed, fmt.Sprintf("%d layers downloaded, each hashing to its digest", len(zp.layers)))
	res.Verified = true
	return z, res, nil
}
