// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/verify"
)

// newKey returns a signing key and a policy accepting it.
func newKey(t testing.TB, name string) (*sign.Key, policy.Policy) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, err := sign.NewKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return key, policy.Policy{Signers: []policy.Signer{{Name: name, PublicKey: k.Public()}}, InsecureIgnoreTlog: true}
}

func create(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "hello.tar")
	if _, err := airlock.Create(context.Background(), dir, out, airlock.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCreateSignVerifyWithImages(t *testing.T) {
	ctx := context.Background()
	host := airlocktest.NewRegistry(t)
	multi := airlocktest.PushImage(t, host, "team/multi", "1.0", "linux/amd64", "linux/arm64", "linux/arm/v7")
	airlocktest.PushImage(t, host, "team/narrow", "1.0", "linux/amd64", "linux/arm64", "linux/s390x")
	single := airlocktest.PushImage(t, host, "team/single", "2.0")
	dir := airlocktest.WritePackage(t,
		"- ref: "+host+"/team/multi:1.0",
		"- ref: "+host+"/team/narrow:1.0\nplatforms: [linux/arm64]",
		"- ref: "+host+"/team/single:2.0@"+single.Digest.String(),
	)
	out := create(t, dir)
	ins, err := airlock.Inspect(ctx, out, airlock.InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins.Images) != 3 {
		t.Fatalf("expected 3 images, found %+v", ins.Images)
	}
	if ins.Images[0].Digest != multi.Digest.String() || ins.Images[0].MediaType != ocispec.MediaTypeImageIndex {
		t.Errorf("a multi-platform index must be kept whole: %+v", ins.Images[0])
	}
	if ins.Images[1].MediaType != ocispec.MediaTypeImageManifest {
		t.Errorf("one platform out of an index must keep that platform's manifest: %+v", ins.Images[1])
	}
	if ins.Images[2].Digest != single.Digest.String() || ins.Images[2].Ref != host+"/team/single:2.0@"+single.Digest.String() {
		t.Errorf("unexpected single image: %+v", ins.Images[2])
	}
	key, p := newKey(t, "team.pub")
	if _, err := airlock.Sign(ctx, out, key, airlock.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Verified || res.Package.Name != "hello" || res.Signatures[0].Signer != "team.pub" {
		t.Fatalf("unexpected result %+v", res)
	}
}

// With a fixed creation time (SOURCE_DATE_EPOCH), the same input gives a
// byte-identical archive, provenance included; without one, the package root
// is still the same and only the provenance's build times differ.
func TestCreateIsReproducible(t *testing.T) {
	dir := airlocktest.WritePackage(t)
	fixed := airlock.CreateOptions{Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	paths := [2]string{filepath.Join(t.TempDir(), "a.tar"), filepath.Join(t.TempDir(), "b.tar")}
	var roots [2]string
	for i, p := range paths {
		res, err := airlock.Create(context.Background(), dir, p, fixed)
		if err != nil {
			t.Fatal(err)
		}
		roots[i] = res.Root.Digest.String()
	}
	a, _ := os.ReadFile(paths[0])
	b, _ := os.ReadFile(paths[1])
	if !bytes.Equal(a, b) || roots[0] != roots[1] {
		t.Fatal("the same input and creation time gave two different archives")
	}
	res, err := airlock.Create(context.Background(), dir, filepath.Join(t.TempDir(), "c.tar"), airlock.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := airlock.Create(context.Background(), dir, filepath.Join(t.TempDir(), "d.tar"), airlock.CreateOptions{})
	if res.Root.Digest != again.Root.Digest {
		t.Fatal("the package root must not depend on when it was built")
	}
}

func TestCreateFailureLeavesNothing(t *testing.T) {
	host := airlocktest.NewRegistry(t)
	dir := airlocktest.WritePackage(t, "- ref: "+host+"/team/absent:1.0")
	outDir := t.TempDir()
	out := filepath.Join(outDir, "hello.tar")
	_, err := airlock.Create(context.Background(), dir, out, airlock.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "team/absent:1.0") {
		t.Fatalf("expected an error naming the image, got %v", err)
	}
	if left, _ := os.ReadDir(outDir); len(left) != 0 {
		t.Fatalf("create left %v behind", left)
	}
}

func TestVerifyFailures(t *testing.T) {
	ctx := context.Background()
	dir := airlocktest.WritePackage(t)
	key, p := newKey(t, "team.pub")
	_, other := newKey(t, "other.pub")
	signed := create(t, dir)
	if _, err := airlock.Sign(ctx, signed, key, airlock.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	tampered := filepath.Join(t.TempDir(), "tampered.tar")
	data, _ := os.ReadFile(signed)
	i := bytes.Index(data, []byte("Hello from the other side"))
	data[i] = 'J'
	os.WriteFile(tampered, data, 0o600)
	tests := []struct {
		name   string
		target string
		policy policy.Policy
		reason verify.Reason
	}{
		{"unsigned", create(t, dir), p, verify.ReasonNoSignature},
		{"wrong key", signed, other, verify.ReasonKeyMismatch},
		{"tampered file", tampered, p, verify.ReasonDigestMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := airlock.Verify(ctx, tt.target, airlock.VerifyOptions{Policy: tt.policy})
			f, ok := verify.AsFailure(err)
			if !ok || f.Reason != tt.reason {
				t.Fatalf("expected %s, got %v", tt.reason, err)
			}
			if res.Verified || res.Failure == nil || res.Failure.Reason != tt.reason {
				t.Fatalf("the result must say %s: %+v", tt.reason, res)
			}
		})
	}
}

func TestSignRefusesTamperedArchive(t *testing.T) {
	out := create(t, airlocktest.WritePackage(t))
	data, _ := os.ReadFile(out)
	data[bytes.Index(data, []byte("Hello from"))] = 'J'
	os.WriteFile(out, data, 0o600)
	key, _ := newKey(t, "k")
	_, err := airlock.Sign(context.Background(), out, key, airlock.SignOptions{})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonDigestMismatch {
		t.Fatalf("expected DIGEST_MISMATCH, got %v", err)
	}
	after, _ := os.ReadFile(out)
	if !bytes.Equal(after, data) {
		t.Fatal("a refused sign changed the archive")
	}
}

func TestVerifyWithoutPolicyIsUsageError(t *testing.T) {
	_, err := airlock.Verify(context.Background(), "whatever.tar", airlock.VerifyOptions{})
	if err == nil || !strings.Contains(err.Error(), "--key") {
		t.Fatalf("expected an error saying what to pass, got %v", err)
	}
	if _, ok := verify.AsFailure(err); ok {
		t.Fatal("a missing policy is not a verification failure")
	}
}

func TestCreatedDefaultsToNewestInput(t *testing.T) {
	dir := airlocktest.WritePackage(t)
	when := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Chtimes(p, when, when) })
	ins, err := airlock.Inspect(context.Background(), create(t, dir), airlock.InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ins.Created != "2025-03-04T05:06:07Z" {
		t.Fatalf("expected the newest input's time, found %q", ins.Created)
	}
}

// Images behind a login are pulled with the Docker config's credentials.
func TestCreatePullsWithDockerCredentials(t *testing.T) {
	host := airlocktest.NewLoginRegistry(t, "ci", "s3cret")
	airlocktest.PushImage(t, host, "private/app", "1.0")
	dir := airlocktest.WritePackage(t, "- ref: "+host+"/private/app:1.0")
	out := filepath.Join(t.TempDir(), "hello.tar")

	t.Setenv("DOCKER_CONFIG", t.TempDir())
	_, err := airlock.Create(context.Background(), dir, out, airlock.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "credential not found") {
		t.Fatalf("without credentials: expected a refusal, got %v", err)
	}

	cfg := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte("ci:s3cret"))
	os.WriteFile(filepath.Join(cfg, "config.json"), []byte(`{"auths":{"`+host+`":{"auth":"`+auth+`"}}}`), 0o600)
	t.Setenv("DOCKER_CONFIG", cfg)
	if _, err := airlock.Create(context.Background(), dir, out, airlock.CreateOptions{}); err != nil {
		t.Fatalf("with the Docker config's credentials: %v", err)
	}
}
