// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// VerifyBundle verifies a detached Sigstore bundle (the file at bundlePath)
// about artifact: a file's path, or its digest as "sha256:HEX" or
// "sha512:HEX". Any statement type is accepted; for an in-toto statement the
// artifact must be one of its subjects. It returns a Result as [Verify] does.
func VerifyBundle(ctx context.Context, bundlePath, artifact string, opts VerifyOptions) (*verify.Result, error) {
	res := newResult(artifact)
	if err := opts.Policy.Validate(); err != nil {
		return res, err
	}
	data, err := limited.ReadFile(bundlePath, spec.MaxBundleSize)
	if errors.Is(err, limited.ErrTooLarge) {
		err = verify.Fail(verify.ReasonMalformedBundle, "%v", err)
	}
	if err != nil {
		return res, finish(res, err, "bundle")
	}
	art, err := artifactOf(artifact)
	if err != nil {
		return res, err
	}
	res.Package.Digest = art.Digest.String()
	v, err := verifier(opts.Trust)
	if err != nil {
		return res, err
	}
	sig, err := v.Bundle(bundlePath, data, art, opts.Policy)
	res.Signatures = append(res.Signatures, sig)
	if err != nil {
		return res, finish(res, err, "signature")
	}
	addSignatureChecks(res, sig)
	res.Verified = true
	return res, nil
}

// artifactOf reads an artifact argument: a digest, or a file to hash.
func artifactOf(s string) (verify.Artifact, error) {
	if d, err := digest.Parse(s); err == nil {
		return verify.DigestArtifact(d)
	}
	f, err := os.Open(s)
	if err != nil {
		return verify.Artifact{}, fmt.Errorf("artifact: %w (expected a file or sha256:HEX)", err)
	}
	defer f.Close()
	d, err := digest.SHA256.FromReader(f)
	if err != nil {
		return verify.Artifact{}, fmt.Errorf("artifact %s: %w", s, err)
	}
	return verify.Artifact{Digest: d, Open: func() (io.ReadCloser, error) { return os.Open(s) }}, nil
}
