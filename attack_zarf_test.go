// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/verify"
)

// A zarf.yaml naming a component among its provenance files would let Zarf
// skip checking that component once signed: airlock never signs it, and
// never verifies it.
func TestZarfProvenanceFilesAreOnlySignatures(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	f := airlocktest.NewZarfFiles(t, "demo")
	f["zarf.yaml"] = []byte(strings.Replace(string(f["zarf.yaml"]), "  - checksums.txt\n", "  - checksums.txt\n  - components/app.tar\n", 1))
	pkg := f.Write(t, t.TempDir(), false)
	if _, err := airlock.Sign(ctx, pkg, key, airlock.SignOptions{}); err == nil || !strings.Contains(err.Error(), "provenanceFiles") {
		t.Fatalf("signed: %v", err)
	}
	if _, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: p}); !isReason(err, verify.ReasonMalformedPackage) {
		t.Fatalf("expected MALFORMED_PACKAGE, got %v", err)
	}
}

// A v1beta1 zarf.yaml whose metadata and build name two checksums.txt is
// refused: Zarf reads one, a careless reader the other.
func TestZarfOneAggregateChecksum(t *testing.T) {
	ctx := context.Background()
	key, _ := newKey(t, "team.pub")
	f := airlocktest.NewZarfFiles(t, "demo")
	def := strings.Replace(string(f["zarf.yaml"]), "kind: ZarfPackageConfig\n", "apiVersion: zarf.dev/v1beta1\nkind: ZarfPackageConfig\n", 1)
	f["zarf.yaml"] = []byte(strings.Replace(def, "build:\n", "build:\n  aggregateChecksum: "+strings.Repeat("e", 64)+"\n", 1))
	if _, err := airlock.Sign(ctx, f.Write(t, t.TempDir(), false), key, airlock.SignOptions{}); err == nil || !strings.Contains(err.Error(), "aggregateChecksum") {
		t.Fatalf("signed: %v", err)
	}
}

// Bundles beside a tarball are bounded in number; links are not followed.
func TestZarfAttestationsBesideAreBounded(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	pkg := signedZarfFiles(t, airlocktest.NewZarfFiles(t, "demo"), key).Write(t, t.TempDir(), false)
	p.Attestations = []policy.AttestationRule{{PredicateType: attest.PredicateSLSAProvenance}}
	os.Symlink("/etc/passwd", pkg+".link.sigstore.json")
	if _, err := airlock.AttestGenerated(ctx, pkg, attest.PredicateSLSAProvenance, key, airlock.AttestOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := airlock.VerifyAttestations(ctx, pkg, airlock.VerifyOptions{Policy: p}); err != nil {
		t.Fatalf("a link beside the package: %v", err)
	}
	for i := 0; i < 70; i++ {
		os.WriteFile(fmt.Sprintf("%s.junk%d.sigstore.json", pkg, i), []byte("{}"), 0o644)
	}
	if _, err := airlock.VerifyAttestations(ctx, pkg, airlock.VerifyOptions{Policy: p}); err == nil || !strings.Contains(err.Error(), "more than 64") {
		t.Fatalf("70 bundles beside the package: %v", err)
	}
}

// An image whose reference pins another digest than its entry is refused,
// and nothing is pushed.
func TestZarfMirrorPinnedReference(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	f := airlocktest.NewZarfFiles(t, "demo")
	f.AddImage("ghcr.io/team/app:1.2@sha256:" + strings.Repeat("0", 64))
	f.Seal("demo")
	pkg := signedZarfFiles(t, f, key).Write(t, t.TempDir(), false)
	dest := airlocktest.NewRegistry(t)
	_, err := airlock.Mirror(ctx, pkg, "oci://"+dest+"/inside", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if !isReason(err, verify.ReasonMalformedPackage) {
		t.Fatalf("expected MALFORMED_PACKAGE, got %v", err)
	}
	if tags := airlocktest.Tags(t, dest, "inside/team/app"); len(tags) != 0 {
		t.Fatalf("pushed %v", tags)
	}
}

// A tarball truncated inside a file is MALFORMED_PACKAGE (exit 3), not an
// I/O error.
func TestZarfTruncatedIsMalformed(t *testing.T) {
	_, p := newKey(t, "team.pub")
	pkg := airlocktest.NewZarfFiles(t, "demo").Write(t, t.TempDir(), true)
	data, _ := os.ReadFile(pkg)
	os.WriteFile(pkg, data[:len(data)-3000], 0o644)
	if _, err := airlock.Verify(context.Background(), pkg, airlock.VerifyOptions{Policy: p}); !isReason(err, verify.ReasonMalformedPackage) {
		t.Fatalf("expected MALFORMED_PACKAGE, got %v", err)
	}
}
