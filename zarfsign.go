// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"os"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/verify"
	"github.com/airlock-dev/airlock/zarf"
)

// MediaTypeZarfBundle describes a Zarf package's zarf.bundle.sig in results.
const MediaTypeZarfBundle = "application/vnd.dev.sigstore.bundle.v0.3+json"

// signZarfTarball signs the Zarf tarball at path as `zarf package sign`
// does, so that `zarf package verify` accepts it: zarf.yaml marked signed
// (zarf.MarkSigned), a message signature over its bytes in
// zarf.bundle.sig, the tarball written again atomically with the same
// compression. The package's integrity is checked first, and every file
// copied is checked again against what was checked, so only what was
// shown is signed. A package already signed is signed again only with
// Overwrite.
func signZarfTarball(ctx context.Context, path string, key *sign.Key, opts SignOptions) (*SignResult, error) {
	t, err := zarf.OpenTarball(path)
	if err != nil {
		return nil, classifyZarf(err)
	}
	if len(t.Parts) > 1 || t.Parts[0] != path {
		return nil, fmt.Errorf("sign %s: a split Zarf package is signed whole: join its parts first", path)
	}
	z, err := readZarfTarball(ctx, t)
	if err != nil {
		return nil, err
	}
	if check, err := z.checkIntegrity(newResult(path)); err != nil {
		return nil, fmt.Errorf("sign %s: %s: %w", path, check, err)
	}
	if (z.bundle != nil || z.legacy != nil || z.def.Signed()) && !opts.Overwrite {
		return nil, fmt.Errorf("sign %s: the Zarf package is already signed: sign it again with SignOptions.Overwrite (--overwrite)", path)
	}
	definition, err := zarf.MarkSigned(z.definition)
	if err != nil {
		return nil, err
	}
	bundle, err := sign.Message(ctx, definition, key, opts.Sign)
	if err != nil {
		return nil, err
	}
	if key != nil && opts.Sign.RekorURL == "" {
		if err := selfCheck(digest.FromBytes(definition), bundle, key); err != nil {
			return nil, err
		}
	}
	replace := map[string][]byte{zarf.DefinitionFile: definition, zarf.BundleFile: bundle}
	drop := map[string]bool{zarf.LegacySigFile: true}
	err = archive.Atomic(path, func(f *os.File) error {
		copied := map[string]bool{}
		err := t.Rewrite(ctx, f, replace, drop, func(name string, d digest.Digest) error {
			if want, ok := z.files[name]; !ok || want != d {
				return verify.Fail(verify.ReasonDigestMismatch, "%s changed while it was signed: expected %s, found %s", name, want, d)
			}
			copied[name] = true
			return nil
		})
		for name := range z.files {
			if _, replaced := replace[name]; err == nil && !copied[name] && !replaced && !drop[name] {
				err = verify.Fail(verify.ReasonMissingBlob, "%s changed while it was signed: %s is gone", path, name)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &SignResult{
		Root:      ocispec.Descriptor{MediaType: "application/yaml", Digest: digest.FromBytes(definition), Size: int64(len(definition))},
		Signature: ocispec.Descriptor{MediaType: MediaTypeZarfBundle, Digest: digest.FromBytes(bundle), Size: int64(len(bundle))},
	}, nil
}
