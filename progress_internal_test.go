// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/airlocktest"
)

// recorder remembers the names progress was given.
type recorder struct {
	mu    sync.Mutex
	names map[string]bool
}

func (r *recorder) Started(d ocispec.Descriptor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names[d.Annotations[ocispec.AnnotationTitle]] = true
}
func (r *recorder) Moved(ocispec.Descriptor, int) {}
func (r *recorder) Finished(ocispec.Descriptor)   {}

// Progress names blobs as people know them: files by component and path,
// images' blobs by the image's reference.
func TestProgressNamesBlobs(t *testing.T) {
	ctx := context.Background()
	reg := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, reg, "team/app", "1.0")
	out := filepath.Join(t.TempDir(), "hello.tar")
	if _, err := Create(ctx, airlocktest.WritePackage(t, "- ref: "+reg+"/team/app:1.0"), out, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pkg, err := Open(ctx, out, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pkg.Close()
	h, err := pkg.CheckDigestsOnly(ctx, CheckOptions{HashAsRead: true})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{names: map[string]bool{}}
	if err := h.CheckBlobs(ctx, 1, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"app/files/hello.txt", "app/manifests/deploy.yaml", reg + "/team/app:1.0"} {
		if !r.names[want] {
			t.Errorf("no blob named %q among %v", want, r.names)
		}
	}
}
