// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"

	"github.com/airlock-dev/airlock/verify"
	"github.com/airlock-dev/airlock/zarf"
)

// mirrorZarf mirrors a Zarf package's images when target is one (ok false
// when it is not): the package is verified first, as [Verify] does (a
// tarball's images/ written to a private folder as they are hashed, a
// published package's image blobs fetched from its layers and checked as
// they are copied); then each image images/index.json names goes, with its
// digest, to where airlock mirrors images: HOST/PATH:TAG to
// REGISTRY/PREFIX/PATH:TAG. Signatures Zarf carried as images (cosign's
// sha256-<hex>.sig tags listed among the package's images) travel as the
// tags they are. Nothing is pushed when verification fails.
func mirrorZarf(ctx context.Context, target, dest string, opts MirrorOptions) (out *MirrorResult, ok bool, err error) {
	out = &MirrorResult{Images: []MirroredImage{}, Charts: []MirroredChart{}}
	spool, err := os.MkdirTemp("", "airlock-zarf-*")
	if err != nil {
		return out, true, err
	}
	defer os.RemoveAll(spool)
	opts.HashAsRead = true
	zv, ok, err := verifyZarf(ctx, target, opts.VerifyOptions)
	if !ok {
		return out, false, nil
	}
	out.Verification = zv.res
	if err == nil && (opts.InsecureSkipVerify || opts.Record != nil) {
		err = errors.New("mirror: a Zarf package is mirrored verified, without a record (--insecure and --record-key are for airlock packages)")
	}
	if err == nil && zv.tarball != nil {
		err = spoolImages(ctx, zv.tarball, zv.z, spool)
	}
	if err != nil {
		return out, true, finish(zv.res, classifyZarf(err), "")
	}
	src := &zarfImages{z: zv.z, spool: spool, published: zv.published}
	if err := src.mirror(ctx, dest, opts, out); err != nil {
		return out, true, finish(zv.res, err, "blobs")
	}
	if zv.published != nil {
		zv.res.AddCheck("layers", verify.StatusPassed, "every mirrored layer hashed as it was copied (the package's other layers were not read)")
	}
	zv.res.Verified = true
	return out, true, nil
}

// zarfImages serves the image blobs of a verified Zarf package: only those
// its checksums list under images/blobs/, at their digests.
type zarfImages struct {
	z         *zarfContent
	spool     string
	published *zarfPublished
}

// mirror pushes every image the package carries under dest.
func (s *zarfImages) mirror(ctx context.Context, dest string, opts MirrorOptions, out *MirrorResult) error {
	prefix, err := parsePrefix(dest)
	if err != nil {
		return err
	}
	images, err := s.z.imageList()
	if err != nil {
		return err
	}
	repos := &uploads{byRepo: map[string]*upload{}, opts: opts.Registry}
	for _, img := range images {
		source := img.Annotations[ocispec.AnnotationRefName]
		if _, pinned, ok := strings.Cut(source, "@"); ok && pinned != img.Digest.String() {
			return verify.Fail(verify.ReasonMalformedPackage, "%s names %s by %s, its entry is %s", zarf.ImageIndexFile, source, pinned, img.Digest)
		}
		dst, tag, err := destination(prefix, source)
		if err != nil {
			return verify.Fail(verify.ReasonMalformedPackage, "%s: %v", zarf.ImageIndexFile, err)
		}
		u, err := repos.get(dst)
		if err != nil {
			return err
		}
		if err := u.add(ctx, s, plain(img)); err != nil {
			return fmt.Errorf("mirror %s: %w", source, classify(err))
		}
		where := dst.String() + "@" + img.Digest.String()
		if tag != "" {
			u.tags = append(u.tags, tagging{plain(img), tag})
			where = dst.String() + ":" + tag
		}
		out.Images = append(out.Images, MirroredImage{Source: source, Destination: where, Digest: img.Digest.String()})
	}
	t := TransferOptions{Registry: opts.Registry, Transfers: opts.Transfers, Progress: opts.Progress}
	return classify(transfer(ctx, withProgress(s, opts.Progress), repos.list, t))
}

// blobPath is where the package holds a blob of its image layout.
func blobPath(desc ocispec.Descriptor) string {
	return "images/blobs/" + desc.Digest.Algorithm().String() + "/" + desc.Digest.Encoded()
}

// Exists reports whether the package holds desc, as checksums.txt lists it.
func (s *zarfImages) Exists(_ context.Context, desc ocispec.Descriptor) (bool, error) {
	return desc.Digest.Validate() == nil && s.z.files[blobPath(desc)] == desc.Digest, nil
}

// Fetch serves a blob the package holds at its digest: from the spool,
// where it was written as it was hashed, or from the published package's
// layer, checked as it streams.
func (s *zarfImages) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	if ok, _ := s.Exists(ctx, desc); !ok {
		return nil, fmt.Errorf("%s: %w: the package's images/ do not hold it", desc.Digest, errdef.ErrNotFound)
	}
	if s.published != nil {
		layer, ok := s.published.layers[blobPath(desc)]
		if !ok || layer.Digest != desc.Digest || layer.Size != desc.Size {
			return nil, verify.Fail(verify.ReasonMalformedPackage, "%s: expected a layer of %d bytes at %s, found %d", blobPath(desc), desc.Size, desc.Digest, layer.Size)
		}
		return s.published.b.Fetch(ctx, layer)
	}
	f, err := os.Open(filepath.Join(s.spool, filepath.FromSlash(blobPath(desc))))
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err != nil || info.Size() != desc.Size {
		f.Close()
		return nil, verify.Fail(verify.ReasonMalformedPackage, "%s: expected %d bytes, as images/index.json or a manifest says", blobPath(desc), desc.Size)
	}
	return f, nil
}

// spoolImages reads the verified tarball again and writes into dir the
// files of its image layout that checksums.txt lists (index.json,
// oci-layout, blobs named by their digests), each checked, once read,
// against the digest that verified: a tarball changed since is refused.
func spoolImages(ctx context.Context, t *zarf.Tarball, z *zarfContent, dir string) error {
	_, err := t.Walk(ctx, func(name string, r io.Reader) error {
		if _, listed := z.files[name]; !listed || !spooled(name) {
			return nil
		}
		h := sha256.New()
		if err := spoolFile(dir, name, io.TeeReader(r, h)); err != nil {
			return err
		}
		if found := digest.NewDigest(digest.SHA256, h); found != z.files[name] {
			return verify.Fail(verify.ReasonDigestMismatch, "%s changed since it verified: expected %s, found %s", name, z.files[name], found)
		}
		return nil
	})
	return err
}

// spooled says whether mirror needs a file of the image layout.
func spooled(name string) bool {
	if name == zarf.ImageIndexFile || name == "images/oci-layout" {
		return true
	}
	hexpart, ok := strings.CutPrefix(name, "images/blobs/sha256/")
	return ok && digest.NewDigestFromEncoded(digest.SHA256, hexpart).Validate() == nil
}

// spoolFile writes a file of the package under dir (a private folder the
// caller made), refusing to write over anything.
func spoolFile(dir, name string, r io.Reader) error {
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
