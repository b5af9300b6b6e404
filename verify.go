// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/trust"
	"github.com/airlock-dev/airlock/verify"
)

// Verify opens the package at target (an archive path or an oci://
// reference) once and verifies it as [Package.Verify] says; for a registry
// package every blob is then downloaded and hashed, never stored.
//
// It always returns a Result saying what was checked. The error is a
// *verify.Failure when the package is not trustworthy under the policy,
// another error when verification could not be attempted.
func Verify(ctx context.Context, target string, opts VerifyOptions) (*verify.Result, error) {
	ctx = resolvingOnce(ctx)
	zopts := opts
	zopts.HashAsRead = false // a Zarf package's layers are hashed here, whatever the options say
	if zv, ok, err := verifyZarf(ctx, target, zopts); ok {
		return zv.res, err
	}
	pkg, h, err := openChecked(ctx, target, opts, false)
	if err != nil {
		return h.Result(), err
	}
	defer pkg.Close()
	err = h.CheckBlobs(ctx, opts.Concurrency, opts.Progress)
	return h.Result(), err
}

// VerifyAndRecord verifies the package at target as [Verify] does and,
// only once that passed, signs a verification summary of it with the
// gate's key and writes the Sigstore bundle to out (default for an
// archive: ARCHIVE.vsa.sigstore.json beside it; an oci:// target needs
// out). A verification that fails writes nothing.
func VerifyAndRecord(ctx context.Context, target, out string, opts VerifyOptions, rec RecordOptions) (*verify.Result, error) {
	if out == "" && registry.IsTarget(target) {
		return newResult(target), fmt.Errorf("record the verification of %s: say where to write it (--record-out)", target)
	}
	if out == "" {
		out = target + ".vsa.sigstore.json"
	}
	if rec.Key == nil {
		return newResult(target), errors.New("record: expected the gate's key")
	}
	pkg, h, err := openChecked(ctx, target, opts, false)
	if err != nil {
		return h.Result(), err
	}
	defer pkg.Close()
	if err := h.CheckBlobs(ctx, opts.Concurrency, nil); err != nil {
		return h.Result(), err
	}
	r, err := h.Record(ctx, pkg.resourceURI(), rec)
	if err == nil {
		err = archive.Atomic(out, func(f *os.File) error {
			_, err := f.Write(r.Bundle)
			return err
		})
	}
	if err != nil {
		return h.Result(), h.fail(err, "record")
	}
	h.recorded(r, out)
	return h.Result(), nil
}

// PullOptions tunes [Pull]. The zero value is not enough: the policy must
// name a signer, unless InsecureSkipVerify is set.
type PullOptions struct {
	// VerifyOptions say what the package must satisfy.
	VerifyOptions
	// InsecureSkipVerify writes the package without checking its signature.
	// Digests are still checked: content is never written unverified
	// against them. The result says "verified": false.
	InsecureSkipVerify bool
	// Progress receives transfer progress. Default: none.
	Progress Progress
	// Record, if set, adds the gate's signed verification summary to the
	// archive, as a referrer of the root, once everything verified.
	// Refused with InsecureSkipVerify. Default: none.
	Record *RecordOptions
	// NoCache writes into a temporary file beside output instead of the
	// resumable state under the user's cache folder ([PullCacheDir]), from
	// which a pull that was interrupted resumes. Default: resumable.
	NoCache bool
}

// Pull fetches the package at target (oci://REGISTRY/REPO:TAG or @DIGEST)
// into an archive at output: the tag is resolved once; the signatures and
// required attestations are verified before any package content is
// downloaded; then the root's graph and the signatures and attestations
// that verified (with descriptors airlock writes itself) stream, each blob
// checked against its pinned digest, into a temporary file beside output
// that is renamed into place only when all of it verified and the tag still
// names the same root. On any failure nothing is left at output.
func Pull(ctx context.Context, target, output string, opts PullOptions) (*verify.Result, error) {
	if !registry.IsTarget(target) {
		return newResult(target), fmt.Errorf("pull %s: expected an oci:// target", target)
	}
	if opts.Record != nil && opts.InsecureSkipVerify {
		return newResult(target), errRecordInsecure
	}
	pkg, h, err := openChecked(ctx, target, opts.VerifyOptions, opts.InsecureSkipVerify)
	if err != nil {
		return h.Result(), err
	}
	defer pkg.Close()
	err = h.WriteArchive(ctx, output, WriteOptions{Progress: opts.Progress, Record: opts.Record, Resumable: !opts.NoCache})
	return h.Result(), err
}

// openChecked opens target and verifies it under opts, or with insecure
// only checks its digests. The handle is never nil; the package is nil on
// error (and closed).
func openChecked(ctx context.Context, target string, opts VerifyOptions, insecure bool) (*Package, *Handle, error) {
	failed := &Handle{res: newResult(target)}
	validate := opts.validate
	if insecure {
		validate = func() error { return validateExpectations(opts) }
	}
	if err := validate(); err != nil {
		return nil, failed, err
	}
	pkg, err := Open(ctx, target, OpenOptions{Registry: opts.Registry, Base: opts.Base})
	if err != nil {
		return nil, failed, finish(failed.res, err, "layout")
	}
	var h *Handle
	if insecure {
		// What was asked for still binds: only the signature is skipped.
		h, err = pkg.CheckDigestsOnly(ctx, CheckOptions{Concurrency: opts.Concurrency, HashAsRead: opts.HashAsRead})
		if err == nil {
			err = h.fail(checkExpectations(pkg.Info(), pkg.tag, opts), "package")
		}
	} else {
		h, err = pkg.Verify(ctx, opts)
	}
	if err != nil {
		pkg.Close()
		return nil, h, err
	}
	return pkg, h, nil
}

func newResult(target string) *verify.Result {
	return &verify.Result{APIVersion: verify.ResultAPIVersion, Target: target, Checks: []verify.Check{}, Signatures: []verify.SignatureResult{}, Attestations: []verify.AttestationResult{}, Images: []verify.ImageResult{}}
}

// verifier returns a verifier trusting tm, or the embedded public-good root.
func verifier(tm *trust.Material) (*verify.Verifier, error) {
	if tm == nil {
		var err error
		if tm, err = trust.Load(trust.Options{}); err != nil {
			return nil, err
		}
	}
	return verify.New(verify.WithTrustedMaterial(tm)), nil
}

// addSignatureChecks records what a verified signature proved, and what was
// not checked.
func addSignatureChecks(res *verify.Result, s verify.SignatureResult) {
	who := s.Signer
	if s.KeyFingerprint != "" {
		who += ", key " + s.KeyFingerprint
	}
	if s.Identity != "" {
		who = fmt.Sprintf("%s (issuer %s)", s.Identity, s.Issuer)
	}
	res.AddCheck("signature", verify.StatusPassed, fmt.Sprintf("signed by %s (%s)", who, s.Source))
	for _, c := range [][2]string{{"transparency-log", s.TransparencyLog}, {"timestamp", s.Timestamp}} {
		status := verify.StatusPassed
		if c[1] != "verified" {
			status = verify.StatusSkipped
		}
		res.AddCheck(c[0], status, c[1])
	}
}

func signerOf(s verify.SignatureResult) string {
	if s.Identity != "" {
		return s.Identity
	}
	return s.Signer
}
