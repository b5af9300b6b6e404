// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/verify"
)

// versions creates, signed, version 1.0.0 of a package with a 2 MiB file,
// and 1.1.0 (one small file changed) as a differential archive against it.
func versions(t *testing.T) (v1, v2 string, key airlockKey) {
	t.Helper()
	ctx := context.Background()
	dir := airlocktest.WritePackage(t)
	big := make([]byte, 2<<20)
	for i := range big {
		big[i] = byte(i * 31)
	}
	os.WriteFile(filepath.Join(dir, "files", "big.bin"), big, 0o644)
	def, _ := os.ReadFile(filepath.Join(dir, "airlock.yaml"))
	os.WriteFile(filepath.Join(dir, "airlock.yaml"), []byte(strings.Replace(string(def), "    files:\n", "    files:\n      - path: files/big.bin\n", 1)), 0o644)
	k, p := newKey(t, "team.pub")
	key = airlockKey{k, p}
	out := t.TempDir()
	v1 = filepath.Join(out, "app-1.0.0.tar")
	if _, err := airlock.Create(ctx, dir, v1, airlock.CreateOptions{Key: k}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "files", "hello.txt"), []byte("Hello again, from 1.1.0.\n"), 0o644)
	def, _ = os.ReadFile(filepath.Join(dir, "airlock.yaml"))
	os.WriteFile(filepath.Join(dir, "airlock.yaml"), []byte(strings.Replace(string(def), "version: 1.0.0", "version: 1.1.0", 1)), 0o644)
	v2 = filepath.Join(out, "app-1.1.0.tar")
	res, err := airlock.Create(ctx, dir, v2, airlock.CreateOptions{Key: k, Base: v1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Omitted == 0 || res.OmittedBytes < 2<<20 {
		t.Fatalf("expected the unchanged 2 MiB file left to the base, omitted %d blobs, %d bytes", res.Omitted, res.OmittedBytes)
	}
	return v1, v2, key
}

// A one-file update moves kilobytes: the differential archive holds the
// new root and what changed; it verifies only with its base, is refused
// with another, and signs in place staying differential.
func TestDifferentialArchive(t *testing.T) {
	ctx := context.Background()
	v1, v2, key := versions(t)
	if info, _ := os.Stat(v2); info.Size() > 200<<10 {
		t.Fatalf("a one-file update is %d bytes", info.Size())
	}
	_, err := airlock.Verify(ctx, v2, airlock.VerifyOptions{Policy: key.policy})
	if !errors.Is(err, archive.ErrNeedsBase) || !strings.Contains(err.Error(), "hello 1.0.0") {
		t.Fatalf("without its base: expected an error naming the base, got %v", err)
	}
	if _, ok := verify.AsFailure(err); ok {
		t.Fatal("a missing base is not a verification failure")
	}
	res, err := airlock.Verify(ctx, v2, airlock.VerifyOptions{Policy: key.policy, Base: v1})
	if err != nil || !res.Verified || res.Package.Version != "1.1.0" {
		t.Fatalf("with its base: %v %+v", err, res)
	}
	other := create(t, airlocktest.WritePackage(t))
	if _, err := airlock.Verify(ctx, v2, airlock.VerifyOptions{Policy: key.policy, Base: other}); err == nil || !strings.Contains(err.Error(), "wrong base") {
		t.Fatalf("expected another base refused, got %v", err)
	}
	before, _ := os.Stat(v2)
	if _, err := airlock.Sign(ctx, v2, key.key, airlock.SignOptions{Base: v1}); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(v2)
	if after.Size() > before.Size()+64<<10 {
		t.Fatalf("signing made the differential archive complete: %d -> %d bytes", before.Size(), after.Size())
	}
	if _, err := airlock.Verify(ctx, v2, airlock.VerifyOptions{Policy: key.policy, Base: v1}); err != nil {
		t.Fatalf("after signing: %v", err)
	}
}

// A differential archive pushed against a base in the registry becomes a
// complete package there, which pulls and verifies with no base.
func TestDifferentialPush(t *testing.T) {
	ctx := context.Background()
	v1, v2, key := versions(t)
	host := airlocktest.NewRegistry(t)
	if _, err := airlock.Push(ctx, v1, "oci://"+host+"/apps/app", airlock.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := airlock.Push(ctx, v2, "oci://"+host+"/apps/app", airlock.PushOptions{Base: "oci://" + host + "/apps/app:1.0.0"}); err != nil {
		t.Fatal(err)
	}
	pulled := filepath.Join(t.TempDir(), "pulled.tar")
	res, err := airlock.Pull(ctx, "oci://"+host+"/apps/app:1.1.0", pulled, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: key.policy}})
	if err != nil || !res.Verified {
		t.Fatalf("pull of the pushed update: %v", err)
	}
	// Into another repository, the base's blobs are copied (or mounted).
	if _, err := airlock.Push(ctx, v2, "oci://"+host+"/other/app", airlock.PushOptions{Base: "oci://" + host + "/apps/app:1.0.0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := airlock.Verify(ctx, "oci://"+host+"/other/app:1.1.0", airlock.VerifyOptions{Policy: key.policy}); err != nil {
		t.Fatalf("the other repository holds a complete package: %v", err)
	}
}

// A base that lacks a blob the update needs is named as the place the
// blob was looked for.
func TestDifferentialBaseMissingBlob(t *testing.T) {
	ctx := context.Background()
	v1, v2, key := versions(t)
	l := readLayout(t, v1)
	for d, data := range l.blobs {
		if len(data) == 2<<20 {
			delete(l.blobs, d) // the big file, which the update left to the base
		}
	}
	broken := filepath.Join(t.TempDir(), "base.tar")
	l.write(t, broken)
	_, err := airlock.Verify(ctx, v2, airlock.VerifyOptions{Policy: key.policy, Base: broken})
	if err == nil || !strings.Contains(err.Error(), "from the base") {
		t.Fatalf("expected the blob missing from the base named, got %v", err)
	}
}

// airlockKey is a signing key and the policy accepting it.
type airlockKey struct {
	key    *sign.Key
	policy policy.Policy
}
