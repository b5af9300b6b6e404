// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
)

// FuzzVerify opens and verifies hostile archives end to end, under a policy
// accepting a real key that signed exactly one package root. Whatever
// verifies must be that root with its name and version; every refusal must
// be an error (a verification failure for content that is wrong); nothing
// may panic or hang.
func FuzzVerify(f *testing.F) {
	ctx := context.Background()
	key, p := newKey(&testing.T{}, "team.pub")
	seed := filepath.Join(f.TempDir(), "seed.tar")
	created, err := airlock.Create(ctx, airlocktest.WritePackage(f), seed, airlock.CreateOptions{
		Key: key, NoSBOM: true, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		f.Fatal(err)
	}
	data, _ := os.ReadFile(seed)
	f.Add(data)
	f.Add(data[:len(data)/2])
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := os.CreateTemp(dir, "fuzz-*.tar")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(file.Name())
		file.Write(data)
		file.Close()
		res, err := airlock.Verify(ctx, file.Name(), airlock.VerifyOptions{Policy: p})
		if err != nil {
			if res == nil || res.Verified {
				t.Fatalf("a refusal must come with a result that says not verified: %v %+v", err, res)
			}
			return
		}
		if !res.Verified || res.Package.Digest != created.Root.Digest.String() || res.Package.Name != "hello" || res.Package.Version != "1.0.0" {
			t.Fatalf("verified something the key never signed: %+v", res.Package)
		}
		if res.Failure != nil {
			t.Fatalf("a verified result with a failure: %+v", res.Failure)
		}
	})
}
