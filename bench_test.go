// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
)

// BenchmarkVerifyManyImages verifies, offline, a signed package carrying
// 500 images (issue [transfer]: under 2 s), every blob hashed.
func BenchmarkVerifyManyImages(b *testing.B) {
	for _, n := range []int{50, 500} {
		b.Run(fmt.Sprintf("%d images", n), func(b *testing.B) {
			host := airlocktest.NewRegistry(b)
			refs := make([]string, n)
			for i := range refs {
				repo := fmt.Sprintf("team/app%03d", i)
				airlocktest.PushImage(b, host, repo, "1.0")
				refs[i] = "- ref: " + host + "/" + repo + ":1.0"
			}
			dir := airlocktest.WritePackage(b, refs...)
			key, p := newKey(b, "team.pub")
			pkg := filepath.Join(b.TempDir(), "many.tar")
			if _, err := airlock.Create(context.Background(), dir, pkg, airlock.CreateOptions{Key: key}); err != nil {
				b.Fatal(err)
			}
			opts := airlock.VerifyOptions{Policy: p}
			opts.Registry.Offline = true
			b.ResetTimer()
			for b.Loop() {
				res, err := airlock.Verify(context.Background(), pkg, opts)
				if err != nil || len(res.Images) != n {
					b.Fatalf("%v %d", err, len(res.Images))
				}
			}
		})
	}
}
