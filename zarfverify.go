// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/verify"
	"github.com/airlock-dev/airlock/zarf"
)

// zarfContent is what a Zarf package holds, read: the bytes of its
// definition, checksums and signatures, and every file's digest.
type zarfContent struct {
	def                                   *zarf.Definition
	definition, checksums, bundle, legacy []byte
	// images is images/index.json, the images the package carries.
	images []byte
	files  map[string]digest.Digest
}

// kept is where each file the checks read goes, and its bound.
type kept struct {
	into  *[]byte
	limit int64
}

// kept lists the files the checks read whole.
func (z *zarfContent) kept() map[string]kept {
	return map[string]kept{
		zarf.DefinitionFile: {&z.definition, zarf.MaxDefinitionSize},
		zarf.ChecksumsFile:  {&z.checksums, zarf.MaxChecksumsSize},
		zarf.BundleFile:     {&z.bundle, zarf.MaxSignatureSize},
		zarf.LegacySigFile:  {&z.legacy, zarf.MaxSignatureSize},
		zarf.ImageIndexFile: {&z.images, zarf.MaxDefinitionSize},
	}
}

// readZarfTarball reads a Zarf tarball once, hashing every file and
// keeping the small ones the checks need.
func readZarfTarball(ctx context.Context, t *zarf.Tarball) (*zarfContent, error) {
	z := &zarfContent{}
	keep := z.kept()
	files, err := t.Walk(ctx, func(name string, r io.Reader) error {
		k, ok := keep[name]
		if ok {
			data, err := readKept(name, r, k.limit)
			if err != nil {
				return err
			}
			*k.into = data
		}
		return nil
	})
	if err != nil {
		return nil, classifyZarf(err)
	}
	z.files = files
	return z, z.parse()
}

// readKept reads a file the checks need, up to its bound.
func readKept(name string, r io.Reader, limit int64) ([]byte, error) {
	data, err := limited.ReadAll(r, limit)
	if errors.Is(err, limited.ErrTooLarge) {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "%s is more than the %d bytes allowed", name, limit)
	}
	return data, err
}

// parse reads the definition.
func (z *zarfContent) parse() error {
	if z.definition == nil {
		return verify.Fail(verify.ReasonMalformedPackage, "no %s: not a Zarf package", zarf.DefinitionFile)
	}
	def, err := zarf.ParseDefinition(z.definition)
	if err != nil {
		return verify.Fail(verify.ReasonMalformedPackage, "%v", err)
	}
	z.def = def
	return nil
}

// info names the package as its definition does; its digest is the
// definition's, what the signature is over.
func (z *zarfContent) info() verify.PackageInfo {
	return verify.PackageInfo{Name: z.def.Metadata.Name, Version: z.def.Metadata.Version, Format: "zarf",
		Architecture: z.def.Architecture(), Digest: digest.FromBytes(z.definition).String()}
}

// check verifies the package strictly, in Zarf's order: the signature over
// zarf.yaml under the policy, then the expected name and version, then
// aggregateChecksum against checksums.txt, then every file against
// checksums.txt, with no file it does not list. The caller says when
// everything it checks passed (res.Verified).
func (z *zarfContent) check(v *verify.Verifier, opts VerifyOptions, res *verify.Result) error {
	res.Package = z.info()
	if err := z.checkSignature(v, opts, res); err != nil {
		return finish(res, err, "signature")
	}
	if err := checkExpectations(res.Package, "", opts); err != nil {
		return finish(res, err, "package")
	}
	res.AddCheck("package", verify.StatusPassed, fmt.Sprintf("%s %s (%s), Zarf package", res.Package.Name, res.Package.Version, res.Package.Architecture))
	if check, err := z.checkIntegrity(res); err != nil {
		return finish(res, err, check)
	}
	return nil
}

// checkIntegrity checks aggregateChecksum against checksums.txt, then
// every file against checksums.txt, with no file it does not list; it
// returns the name of the check that failed.
func (z *zarfContent) checkIntegrity(res *verify.Result) (string, error) {
	sum := sha256.Sum256(z.checksums)
	if want, found := z.def.AggregateChecksum(), hex.EncodeToString(sum[:]); z.checksums == nil || want != found {
		return "checksums", verify.Fail(verify.ReasonDigestMismatch, "expected %s hashing to %q (zarf.yaml's aggregateChecksum), found %q", zarf.ChecksumsFile, want, found)
	}
	res.AddCheck("checksums", verify.StatusPassed, zarf.ChecksumsFile+" is the one zarf.yaml's aggregateChecksum names")
	if err := z.checkFiles(); err != nil {
		return "files", err
	}
	res.AddCheck("files", verify.StatusPassed, fmt.Sprintf("%s, each matching %s, none it does not list", plural(len(z.files)-z.unlisted(), "file"), zarf.ChecksumsFile))
	return "", nil
}

// checkSignature verifies zarf.bundle.sig over the bytes of zarf.yaml.
func (z *zarfContent) checkSignature(v *verify.Verifier, opts VerifyOptions, res *verify.Result) error {
	switch {
	case z.bundle == nil && z.legacy != nil:
		return verify.Fail(verify.ReasonNoSignature, "only a legacy %s (Zarf before v0.71): airlock verifies %s bundles; sign the package again", zarf.LegacySigFile, zarf.BundleFile)
	case z.bundle == nil:
		return verify.Fail(verify.ReasonNoSignature, "expected a %s, found none: the package is not signed", zarf.BundleFile)
	case !z.def.Signed():
		return verify.Fail(verify.ReasonNoSignature, "%s does not say build.signed: true, so Zarf does not take the package as signed", zarf.DefinitionFile)
	case opts.Policy.Required() > 1:
		return verify.Fail(verify.ReasonThreshold, "expected %d distinct signers, found a Zarf package's one signature", opts.Policy.Required())
	}
	art := verify.Artifact{Digest: digest.FromBytes(z.definition), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(z.definition)), nil
	}}
	sig, err := v.Bundle(zarf.BundleFile, z.bundle, art, opts.Policy)
	res.Signatures = append(res.Signatures, sig)
	if err != nil {
		return err
	}
	addSignatureChecks(res, sig)
	return nil
}

// checkFiles checks every file against checksums.txt.
func (z *zarfContent) checkFiles() error {
	sums, err := zarf.ParseChecksums(z.checksums)
	if err != nil {
		return verify.Fail(verify.ReasonMalformedPackage, "%v", err)
	}
	for _, path := range sums.Paths() {
		found, ok := z.files[path]
		switch {
		case !ok:
			return verify.Fail(verify.ReasonMissingBlob, "%s lists %s, which the package does not hold", zarf.ChecksumsFile, path)
		case found != sums[path]:
			return verify.Fail(verify.ReasonDigestMismatch, "%s: expected content hashing to %s (%s), found content hashing to %s", path, sums[path], zarf.ChecksumsFile, found)
		}
	}
	for path := range z.files {
		if _, listed := sums[path]; !listed && !zarf.Unlisted(path) {
			return verify.Fail(verify.ReasonMalformedPackage, "the package holds %s, which %s does not list", path, zarf.ChecksumsFile)
		}
	}
	return nil
}

// unlisted counts the files checksums.txt rightly does not list.
func (z *zarfContent) unlisted() int {
	n := 0
	for path := range z.files {
		if zarf.Unlisted(path) {
			n++
		}
	}
	return n
}

// classifyZarf maps the zarf package's errors onto reasons.
func classifyZarf(err error) error {
	if _, ok := verify.AsFailure(err); ok {
		return err
	}
	switch {
	case errors.Is(err, zarf.ErrDigestMismatch):
		return verify.Fail(verify.ReasonDigestMismatch, "%v", err)
	case errors.Is(err, zarf.ErrInvalid):
		return verify.Fail(verify.ReasonMalformedPackage, "%v", err)
	}
	return err
}

// verifyZarfTarball verifies the Zarf tarball at path.
func verifyZarfTarball(ctx context.Context, path string, opts VerifyOptions) (*zarfContent, *verify.Result, *zarf.Tarball, error) {
	res := newResult(path)
	if err := opts.validate(); err != nil {
		return nil, res, nil, err
	}
	v, err := verifier(opts.Trust)
	if err != nil {
		return nil, res, nil, err
	}
	t, err := zarf.OpenTarball(path)
	if err != nil {
		return nil, res, nil, finish(res, classifyZarf(err), "layout")
	}
	if opts.Progress != nil {
		desc := ocispec.Descriptor{Digest: digest.FromString(path), Size: t.Size(), Annotations: map[string]string{ocispec.AnnotationTitle: filepath.Base(path)}}
		opts.Progress.Started(desc)
		defer opts.Progress.Finished(desc)
		t.Read = func(n int) { opts.Progress.Moved(desc, n) }
	}
	z, err := readZarfTarball(ctx, t)
	if err != nil {
		return nil, res, nil, finish(res, err, "layout")
	}
	if err := z.check(v, opts, res); err != nil {
		return nil, res, nil, err
	}
	res.Verified = true
	return z, res, t, nil
}

// plural says "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// zarfVerified is a Zarf package verify looked at, and where it is.
type zarfVerified struct {
	z   *zarfContent
	res *verify.Result
	// tarball or published is where the package is.
	tarball   *zarf.Tarball
	published *zarfPublished
}

// verifyZarf verifies target when it is a Zarf package (a tarball, its
// .part000, or a published one); ok is false when it is not one, and the
// caller reads it as an airlock package. The result is set whenever ok.
func verifyZarf(ctx context.Context, target string, opts VerifyOptions) (zv *zarfVerified, ok bool, err error) {
	zv = &zarfVerified{res: newResult(target)}
	if !registry.IsTarget(target) {
		if !zarf.IsTarball(target) {
			return nil, false, nil
		}
		if err := zarfOptions(opts); err != nil {
			return zv, true, err
		}
		zv.z, zv.res, zv.tarball, err = verifyZarfTarball(ctx, target, opts)
	} else {
		var zp *zarfPublished
		zp, err = openZarfPublished(ctx, target, opts.Registry)
		if errors.Is(err, errNotZarf) {
			return nil, false, nil
		}
		if err == nil {
			err = zarfOptions(opts)
		}
		if err != nil {
			return zv, true, finish(zv.res, err, "layout")
		}
		zv.published = zp
		zv.z, zv.res, err = verifyZarfPublished(ctx, zp, opts)
	}
	if err == nil && len(opts.Policy.Attestations) > 0 {
		err = zv.checkAttestations(ctx, opts)
	}
	return zv, true, err
}

// zarfOptions refuses the options a Zarf package cannot satisfy: it
// records no publisher's policy for its images.
func zarfOptions(opts VerifyOptions) error {
	if opts.ImagePolicy != nil || opts.RequireImageSignatures {
		return errors.New("image signature policies are for airlock packages: a Zarf package records no publisher's policy for its images")
	}
	return nil
}

// checkAttestations verifies the attestations the policy requires of a
// package that verified.
func (zv *zarfVerified) checkAttestations(ctx context.Context, opts VerifyOptions) error {
	zt := &zarfTarget{z: zv.z, published: zv.published}
	if zv.published != nil {
		zt.subject = zv.published.manifest
	} else {
		zt.path, zt.subject = zv.tarball.Path, zv.z.subject()
	}
	v, err := verifier(opts.Trust)
	if err == nil {
		_, err = zt.checkAttestations(ctx, v, opts, zv.res)
	}
	if err != nil {
		zv.res.Verified = false
	}
	return err
}
