// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cluster_test

import (
	"testing"

	"github.com/airlock-dev/airlock/cluster"
	"github.com/airlock-dev/airlock/kube"
)

// FuzzDecode feeds hostile manifests to the decoder and the image rewrite
// that deploy runs on what a package carries: neither may panic, and what
// is rewritten must be what a second look at the object finds.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: c, image: x/y:1}\n"))
	f.Add([]byte(`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"image":"a"}]}}]}`))
	f.Add([]byte("a: &x [*x]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{image: 1}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := cluster.Decode(data)
		if err != nil {
			return
		}
		for _, obj := range objs {
			images, err := kube.RewriteObject(obj.Object, func(string) (string, bool) { return "mirror.internal/x@sha256:0", true })
			if err != nil {
				continue
			}
			again, err := kube.RewriteObject(obj.Object, nil)
			if err != nil || len(again) != len(images) {
				t.Fatalf("a second look found %d images (%v), the rewrite %d", len(again), err, len(images))
			}
			for _, img := range again {
				if img.Ref != "mirror.internal/x@sha256:0" {
					t.Fatalf("an image escaped the rewrite: %q", img.Ref)
				}
			}
		}
	})
}
