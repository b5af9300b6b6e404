// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"strings"
	"testing"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/verify"
)

// A Zarf package verifies strictly once airlock signed it; each way of
// tampering with it, or stripping it, is refused with its reason.
func TestZarfTarball(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	_, other := newKey(t, "other.pub")
	for _, uncompressed := range []bool{false, true} {
		files := airlocktest.NewZarfFiles(t, "demo")
		pkg := files.Write(t, t.TempDir(), uncompressed)
		_, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: p})
		if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonNoSignature {
			t.Fatalf("unsigned: expected NO_SIGNATURE, got %v", err)
		}
		if _, err := airlock.Sign(ctx, pkg, key, airlock.SignOptions{}); err != nil {
			t.Fatal(err)
		}
		res, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: p})
		if err != nil || res.Package.Format != "zarf" || res.Package.Name != "demo" || res.Package.Architecture != "amd64" {
			t.Fatalf("signed by airlock: %v %+v", err, res.Package)
		}
		if _, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: other}); !isReason(err, verify.ReasonKeyMismatch) {
			t.Fatalf("another key: %v", err)
		}
		if _, err := airlock.Sign(ctx, pkg, key, airlock.SignOptions{}); err == nil || !strings.Contains(err.Error(), "already signed") {
			t.Fatalf("signing twice without overwrite: %v", err)
		}
		signed := readZarf(t, pkg)
		for name, c := range map[string]struct {
			tamper func(airlocktest.ZarfFiles)
			want   verify.Reason
		}{
			"component changed": {func(f airlocktest.ZarfFiles) { f["components/app.tar"][100] ^= 1 }, verify.ReasonDigestMismatch},
			"extra file":        {func(f airlocktest.ZarfFiles) { f["components/extra.tar"] = []byte("x") }, verify.ReasonMalformedPackage},
			"file removed":      {func(f airlocktest.ZarfFiles) { delete(f, "sboms.tar") }, verify.ReasonMissingBlob},
			"stripped":          {func(f airlocktest.ZarfFiles) { delete(f, "zarf.bundle.sig") }, verify.ReasonNoSignature},
			"re-checksummed":    {func(f airlocktest.ZarfFiles) { f["components/app.tar"][100] ^= 1; f.Reseal() }, verify.ReasonSubjectMismatch},
			"zarf.yaml changed": {func(f airlocktest.ZarfFiles) {
				f["zarf.yaml"] = []byte(strings.Replace(string(f["zarf.yaml"]), "version: 1.0.0", "version: 6.6.6", 1))
			}, verify.ReasonSubjectMismatch},
		} {
			t.Run(name, func(t *testing.T) {
				f := airlocktest.ZarfFiles{}
				for k, v := range signed {
					f[k] = append([]byte{}, v...)
				}
				c.tamper(f)
				_, err := airlock.Verify(ctx, f.Write(t, t.TempDir(), uncompressed), airlock.VerifyOptions{Policy: p})
				if !isReason(err, c.want) {
					t.Fatalf("expected %s, got %v", c.want, err)
				}
			})
		}
	}
}

func isReason(err error, r verify.Reason) bool {
	f, ok := verify.AsFailure(err)
	return ok && f.Reason == r
}

// readZarf reads a Zarf tarball's files back.
func readZarf(t *testing.T, path string) airlocktest.ZarfFiles {
	t.Helper()
	f, err := airlocktest.ReadZarfFiles(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
