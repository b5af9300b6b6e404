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

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/verify"
	"github.com/airlock-dev/airlock/zarf"
)

// zarfContent is what a Zarf package holds, read: the bytes of its
// definition, checksums and signatures, and every file's digest.
type zarfContent struct {
	def                                   *zarf.Definition
	definition, checksums, bundle, legacy []byte
	files                                 map[string]digest.Digest
}

// readZarfTarball reads a Zarf tarball once, hashing every file and
// keeping the small ones the checks need.
func readZarfTarball(ctx context.Context, t *zarf.Tarball) (*zarfContent, error) {
	z := &zarfContent{}
	keep := map[string]struct {
		into  *[]byte
		limit int64
	}{
		zarf.DefinitionFile: {&z.definition, zarf.MaxDefinitionSize},
		zarf.ChecksumsFile:  {&z.checksums, zarf.MaxChecksumsSize},
		zarf.BundleFile:     {&z.bundle, zarf.MaxSignatureSize},
		zarf.LegacySigFile:  {&z.legacy, zarf.MaxSignatureSize},
	}
	files, err := t.Walk(ctx, func(name string, r io.Reader) error {
		k, ok := keep[name]
		if !ok {
			return nil
		}
		data, err := io.ReadAll(io.LimitReader(r, k.limit+1))
		if err != nil {
			return err
		}
		if int64(len(data)) > k.limit {
			return verify.Fail(verify.ReasonMalformedPackage, "%s is more than the %d bytes allowed", name, k.limit)
		}
		*k.into = data
		return nil
	})
	if err != nil {
		return nil, classifyZarf(err)
	}
	z.files = files
	return z, z.parse()
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
// checksums.txt, with no file it does not list.
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
	res.Verified = true
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
	res.AddCheck("files", verify.StatusPassed, fmt.Sprintf("%d files, each matching %s, none it does not list", len(z.files)-z.unlisted(), zarf.ChecksumsFile))
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
func verifyZarfTarball(ctx context.Context, path string, opts VerifyOptions) (*zarfContent, *verify.Result, error) {
	res := newResult(path)
	if err := opts.validate(); err != nil {
		return nil, res, err
	}
	v, err := verifier(opts.Trust)
	if err != nil {
		return nil, res, err
	}
	t, err := zarf.OpenTarball(path)
	if err != nil {
		return nil, res, finish(res, classifyZarf(err), "layout")
	}
	z, err := readZarfTarball(ctx, t)
	if err != nil {
		return nil, res, finish(res, err, "layout")
	}
	return z, res, z.check(v, opts, res)
}
