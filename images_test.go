// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/verify"
)

// publisherPackage pushes two images upstream, signs the first with the
// publisher's key, and writes a package whose first image requires that key
// (the second has no policy). It returns the folder and the upstream host.
func publisherPackage(t *testing.T, publisherPub []byte, signWith func(host string)) (string, string) {
	t.Helper()
	host := airlocktest.NewRegistry(t)
	signWith(host)
	dir := airlocktest.WritePackage(t,
		"- ref: "+host+"/vendor/app:1.0\nverify:\n  key: keys/vendor.pub\n  insecureIgnoreTlog: true",
		"- ref: "+host+"/team/tool:2.0")
	os.MkdirAll(filepath.Join(dir, "keys"), 0o755)
	os.WriteFile(filepath.Join(dir, "keys", "vendor.pub"), publisherPub, 0o644)
	return dir, host
}

func TestImagesVerifiedUpstreamAndOffline(t *testing.T) {
	ctx := context.Background()
	vendorKey, _ := newKey(t, "vendor.pub")
	vendorPub, _ := cryptoutils.MarshalPublicKeyToPEM(vendorKey.GetPublicKey())
	dir, upstream := publisherPackage(t, vendorPub, func(host string) {
		img := airlocktest.PushImage(t, host, "vendor/app", "1.0", "linux/amd64", "linux/arm64")
		airlocktest.SignImage(t, host, "vendor/app", img, vendorKey)
		airlocktest.PushImage(t, host, "team/tool", "2.0")
	})
	out := create(t, dir)
	key, p := newKey(t, "team.pub")
	if _, err := airlock.Sign(ctx, out, key, airlock.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: p, Registry: registry.Options{Offline: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 2 || !res.Images[0].Verified || !strings.HasPrefix(res.Images[0].Signer, "key ") {
		t.Fatalf("the vendor image must verify offline against its recorded policy: %+v", res.Images)
	}
	if res.Images[1].Verified || !strings.Contains(res.Images[1].Note, "not verified upstream") {
		t.Fatalf("an image without a policy is carried and reported: %+v", res.Images[1])
	}
	_, err = airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: p, RequireImageSignatures: true})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonImageUnverified || !strings.Contains(f.Message, "team/tool:2.0") {
		t.Fatalf("--require-image-signatures: expected IMAGE_UNVERIFIED naming the image, got %v", err)
	}
	// The verifier may replace the recorded policy: another key does not verify.
	otherKey, _ := newKey(t, "other.pub")
	otherPub, _ := cryptoutils.MarshalPublicKeyToPEM(otherKey.GetPublicKey())
	override := &policy.ImagePolicy{Signers: []policy.SignerSpec{{PublicKey: string(otherPub)}}, InsecureIgnoreTlog: true}
	_, err = airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: p, ImagePolicy: override})
	// It replaces every image's policy, so both now fail; whichever is reported, it is named.
	if f, ok := verify.AsFailure(err); !ok || !strings.Contains(f.Message, "image "+upstream+"/") {
		t.Fatalf("expected the override to fail naming an image, got %v", err)
	}

	// Mirrored with its signature, which the internal registry then serves.
	internal := airlocktest.NewRegistry(t)
	mres, err := airlock.Mirror(ctx, out, "oci://"+internal+"/apps", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if err != nil {
		t.Fatal(err)
	}
	if mres.Images[0].Referrers != 1 {
		t.Fatalf("expected the vendor's signature to travel with the image: %+v", mres.Images)
	}
}

func TestCreateRefusesImageSignedByAnotherKey(t *testing.T) {
	vendorKey, _ := newKey(t, "vendor.pub")
	impostor, _ := newKey(t, "impostor.pub")
	vendorPub, _ := cryptoutils.MarshalPublicKeyToPEM(vendorKey.GetPublicKey())
	dir, host := publisherPackage(t, vendorPub, func(host string) {
		img := airlocktest.PushImage(t, host, "vendor/app", "1.0")
		airlocktest.SignImage(t, host, "vendor/app", img, impostor)
		airlocktest.PushImage(t, host, "team/tool", "2.0")
	})
	outDir := t.TempDir()
	_, err := airlock.Create(context.Background(), dir, filepath.Join(outDir, "hello.tar"), airlock.CreateOptions{})
	f, ok := verify.AsFailure(err)
	if !ok || f.Reason != verify.ReasonKeyMismatch || !strings.Contains(f.Message, "image "+host+"/vendor/app:1.0") {
		t.Fatalf("expected KEY_MISMATCH naming the image, got %v", err)
	}
	if left, _ := os.ReadDir(outDir); len(left) != 0 {
		t.Fatalf("a refused create left %v", left)
	}
	_, err = airlock.Create(context.Background(), airlocktest.WritePackage(t, "- ref: "+host+"/team/tool:2.0"), filepath.Join(outDir, "x.tar"), airlock.CreateOptions{RequireImageSignatures: true})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonImageUnverified {
		t.Fatalf("expected IMAGE_UNVERIFIED, got %v", err)
	}
}

// A publisher that signs each platform manifest instead of the index.
func TestImageSignedPerPlatform(t *testing.T) {
	ctx := context.Background()
	vendorKey, _ := newKey(t, "vendor.pub")
	vendorPub, _ := cryptoutils.MarshalPublicKeyToPEM(vendorKey.GetPublicKey())
	dir, _ := publisherPackage(t, vendorPub, func(host string) {
		img := airlocktest.PushImage(t, host, "vendor/app", "1.0", "linux/amd64", "linux/arm64")
		for _, child := range airlocktest.Children(t, host, "vendor/app", img) {
			airlocktest.SignImage(t, host, "vendor/app", child, vendorKey)
		}
		airlocktest.PushImage(t, host, "team/tool", "2.0")
	})
	out := create(t, dir)
	key, p := newKey(t, "team.pub")
	airlock.Sign(ctx, out, key, airlock.SignOptions{})
	res, err := airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	if im := res.Images[0]; !im.Verified || im.Note != "signed per platform" || len(im.Signatures) != 2 {
		t.Fatalf("expected both platform signatures verified: %+v", im)
	}
}
