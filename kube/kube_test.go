// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package kube_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/airlock-dev/airlock/kube"
)

const workloads = `# The app, as a team writes it.
apiVersion: v1
kind: Pod
metadata: {name: pod}
spec:
  containers:
    - name: app
      image: ghcr.io/org/app:1.2   # pinned by the release
  ephemeralContainers:
    - {name: debug, image: "ghcr.io/org/app:1.2"}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: 'ghcr.io/org/app:1.2'
      containers:
      - name: web
        image: docker.io/library/nginx:1.25
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: job, image: ghcr.io/org/app:1.2}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: notes}
data:
  image: ghcr.io/org/app:1.2
---
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: StatefulSet
  metadata: {name: db}
  spec: {template: {spec: {containers: [{name: db, image: ghcr.io/org/app:1.2}]}}}
- {apiVersion: apps/v1, kind: DaemonSet, metadata: {name: agent}, spec: {template: {spec: {containers: [{name: a, image: other.example/agent:3}]}}}}
`

func TestRewriteImages(t *testing.T) {
	to := "registry.internal/mirror/org/app:1.2@sha256:0123"
	out, images, err := kube.RewriteImages([]byte(workloads), func(ref string) (string, bool) {
		return to, ref == "ghcr.io/org/app:1.2"
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ kind, container, ref string }{
		{"Pod", "app", "ghcr.io/org/app:1.2"}, {"Pod", "debug", "ghcr.io/org/app:1.2"},
		{"Deployment", "web", "docker.io/library/nginx:1.25"}, {"Deployment", "init", "ghcr.io/org/app:1.2"},
		{"CronJob", "job", "ghcr.io/org/app:1.2"}, {"StatefulSet", "db", "ghcr.io/org/app:1.2"},
		{"DaemonSet", "a", "other.example/agent:3"},
	}
	if len(images) != len(want) {
		t.Fatalf("expected %d image references, found %+v", len(want), images)
	}
	for _, w := range want {
		found := false
		for _, img := range images {
			if img.Kind == w.kind && img.Container == w.container && img.Ref == w.ref {
				found = true
			}
		}
		if !found {
			t.Errorf("%s %s %s was not found in %+v", w.kind, w.container, w.ref, images)
		}
	}
	got := string(out)
	if n := strings.Count(got, to); n != 5 {
		t.Fatalf("expected 5 references rewritten, found %d:\n%s", n, got)
	}
	for _, keep := range []string{
		"# The app, as a team writes it.", "# pinned by the release", // comments
		`image: "` + to + `"`, `image: '` + to + `'`, // quotes
		"image: docker.io/library/nginx:1.25", "image: other.example/agent:3", // images not mapped
		"data:\n  image: ghcr.io/org/app:1.2", // not a pod spec
	} {
		if !strings.Contains(got, keep) {
			t.Errorf("the rewrite lost %q:\n%s", keep, got)
		}
	}
}

func TestRewriteKeepsUntouchedManifests(t *testing.T) {
	in := []byte("kind: Service\nmetadata: {name: x}   # comment\n")
	out, images, err := kube.RewriteImages(in, func(string) (string, bool) { return "x", true })
	if err != nil || len(images) != 0 || string(out) != string(in) {
		t.Fatalf("a manifest with nothing to rewrite must come back byte for byte: %v %q", err, out)
	}
	if _, _, err := kube.RewriteImages([]byte("kind: Pod\nspec: [unclosed"), nil); !errors.Is(err, kube.ErrInvalid) {
		t.Fatalf("expected ErrInvalid, got %v", err)
	}
}

// FuzzRewriteImages feeds hostile manifests: the rewrite must not panic,
// and must replace only what it reports.
func FuzzRewriteImages(f *testing.F) {
	f.Add([]byte(workloads))
	f.Add([]byte("kind: Pod\nspec: {containers: [{image: &a x}], initContainers: [{image: *a}]}"))
	f.Add([]byte(`{"kind":"Deployment","spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, images, err := kube.RewriteImages(data, func(ref string) (string, bool) { return "REWRITTEN", true })
		if err != nil {
			return
		}
		if len(images) == 0 && string(out) != string(data) {
			t.Fatalf("nothing found, yet the manifest changed")
		}
	})
}
