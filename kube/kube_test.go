// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package kube_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

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

// The rewrite changes the bytes of the image values and nothing else,
// whatever else the manifest holds: block scalars that keep their trailing
// lines, comments between a key and its value, explicit keys, CRLF line
// ends, flow mappings on one line, JSON.
func TestRewriteChangesOnlyTheImages(t *testing.T) {
	const from, to = "ghcr.io/org/app:1.2", "registry.internal/m/org/app:1.2@sha256:00"
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: web\n    image: ghcr.io/org/app:1.2   # keep\n"
	for name, in := range map[string]string{
		"keep chomping":           pod + "---\nkind: ConfigMap\ndata:\n  script: |+\n    echo hi\n\n\n",
		"comment before value":    pod + "---\nkind: ConfigMap\ndata:\n  mode: # the mode\n    strict\n  other: x\n",
		"explicit key":            pod + "---\nkind: ConfigMap\ndata:\n  ? key\n  : value\n",
		"crlf":                    strings.ReplaceAll(pod, "\n", "\r\n") + "---\r\nkind: ConfigMap\r\n",
		"flow, several on a line": "kind: Pod\nmetadata: {name: ünï}\nspec: {containers: [{name: a, image: 'ghcr.io/org/app:1.2'}, {name: b, image: \"ghcr.io/org/app:1.2\"}]}\n",
		"json":                    `{"kind": "Pod", "spec": {"containers": [{"name": "a", "image": "ghcr.io/org/app:1.2"}]}}`,
		"no final newline":        strings.TrimSuffix(pod, "   # keep\n"),
	} {
		t.Run(name, func(t *testing.T) {
			out, images, err := kube.RewriteImages([]byte(in), func(ref string) (string, bool) { return to, ref == from })
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.ReplaceAll(in, from, to); string(out) != want || len(images) == 0 {
				t.Fatalf("expected only the images changed (%d found):\n%q\ngot:\n%q", len(images), want, out)
			}
		})
	}
}

// What cannot be rewritten alone is refused, not rewritten around: an
// anchored image (its aliases would change too), an aliased one (it would
// be missed), one written with escapes, and a replacement that is not an
// image reference.
func TestRewriteRefuses(t *testing.T) {
	for name, c := range map[string]struct{ in, to, why string }{
		"anchored image":  {"kind: Pod\nspec:\n  containers:\n  - image: &img ghcr.io/org/app:1.2\n    env: [{name: UP, value: *img}]\n", "r/app:1", "anchor or alias"},
		"aliased image":   {"kind: Pod\nmetadata:\n  annotations:\n    up: &img ghcr.io/org/app:1.2\nspec:\n  containers:\n  - image: *img\n", "r/app:1", "anchor or alias"},
		"aliased spec":    {"kind: Deployment\nx: &t {spec: {containers: [{image: ghcr.io/org/app:1.2}]}}\nspec:\n  template: *t\n", "r/app:1", "anchor or alias"},
		"escapes":         {`{"kind": "Pod", "spec": {"containers": [{"image": "ghcr.io\u002forg/app:1.2"}]}}`, "r/app:1", "escapes"},
		"not a reference": {"kind: Pod\nspec: {containers: [{image: ghcr.io/org/app:1.2}]}\n", "r/app:1\nkind: Secret", "plain image reference"},
	} {
		t.Run(name, func(t *testing.T) {
			out, _, err := kube.RewriteImages([]byte(c.in), func(string) (string, bool) { return c.to, true })
			if err == nil || !strings.Contains(err.Error(), c.why) {
				t.Fatalf("expected a refusal for %q, got %v:\n%s", c.why, err, out)
			}
		})
	}
}

// A manifest nested deeper than any real one is refused before the
// parser, whose time grows much faster than the input, sees it.
func TestRewriteRefusesDeepNesting(t *testing.T) {
	n := 100000
	in := "kind: ConfigMap\ndata: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n"
	done := make(chan error, 1)
	go func() {
		_, _, err := kube.RewriteImages([]byte(in), func(string) (string, bool) { return "", false })
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, kube.ErrInvalid) {
			t.Fatalf("expected ErrInvalid, got %v", err)
		}
	case <-time.After(20 * time.Second): // seconds where it took the parser minutes
		t.Fatal("RewriteImages is still parsing a deeply nested manifest")
	}
}

// What Kubernetes reads as an image must be found, or the manifest
// refused: block scalars, a byte order mark, tags, merge keys.
func TestRewriteSeesWhatKubernetesRuns(t *testing.T) {
	const want = "evil.example/x:1"
	for name, in := range map[string]string{
		"folded block scalar":  "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: >-\n      evil.example/x:1\n",
		"literal block scalar": "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: |-\n      evil.example/x:1\n",
		"byte order mark":      "\ufeffkind: Pod\nspec:\n  containers:\n  - name: a\n    image: evil.example/x:1\n",
		"!!binary":             "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: !!binary ZXZpbC5leGFtcGxlL3g6MQ==\n",
		"!!str":                "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: !!str evil.example/x:1\n",
		"merge key spec":       "kind: Pod\nspec:\n  <<: {containers: [{name: a, image: evil.example/x:1}]}\n",
		"merge key container":  "kind: Pod\nspec:\n  containers:\n  - name: a\n    <<: {image: evil.example/x:1}\n",
		"merge alias":          "kind: Pod\nx: &s {containers: [{name: a, image: evil.example/x:1}]}\nspec:\n  <<: *s\n",
		"number":               "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: 123\n",
	} {
		t.Run(name, func(t *testing.T) {
			out, images, err := kube.RewriteImages([]byte(in), func(ref string) (string, bool) { return "mirror.internal/x:1", true })
			if err != nil {
				return
			}
			for _, img := range images {
				if img.Ref == want && img.NewRef != "" && strings.Contains(string(out), "mirror.internal/x:1") {
					return
				}
			}
			t.Fatalf("Kubernetes runs an image RewriteImages neither rewrote nor refused (%+v):\n%s", images, out)
		})
	}
}

// The parser's time grows with the input, not faster: many keys, many
// documents.
func TestRewriteIsLinear(t *testing.T) {
	var keys strings.Builder
	keys.WriteString("kind: ConfigMap\ndata:\n")
	for i := 0; i < 200000; i++ {
		fmt.Fprintf(&keys, "  k%d: v\n", i)
	}
	for name, in := range map[string]string{"keys": keys.String(), "documents": strings.Repeat("---\nkind: A\n", 200000)} {
		done := make(chan error, 1)
		go func() {
			_, _, err := kube.RewriteImages([]byte(in), func(string) (string, bool) { return "r/x:1", true })
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		case <-time.After(30 * time.Second): // a quadratic parser takes minutes here; a linear one a second
			t.Fatalf("%s: still parsing %d bytes", name, len(in))
		}
	}
}

// roundTrip checks the rewrite's promise on data: each image i rewritten
// to R<i>/x:1 reads back as that, and rewriting back gives data exactly.
func roundTrip(data []byte) error {
	var orig []string
	out, images, err := kube.RewriteImages(data, func(ref string) (string, bool) {
		orig = append(orig, ref)
		return fmt.Sprintf("R%d/x:1", len(orig)-1), true
	})
	if err != nil {
		return nil
	}
	for _, o := range orig {
		if !regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$`).MatchString(o) {
			return nil // not something a rewrite could write back
		}
	}
	_, again, err := kube.RewriteImages(out, nil)
	if err != nil || len(again) != len(images) {
		return fmt.Errorf("the output reads differently (%v): %d images, %d before\n%q", err, len(again), len(images), out)
	}
	for i, img := range again {
		if img.Ref != images[i].NewRef {
			return fmt.Errorf("image %d reads %q after, want %q\n%q", i, img.Ref, images[i].NewRef, out)
		}
	}
	back, _, err := kube.RewriteImages(out, func(ref string) (string, bool) {
		var i int
		if _, err := fmt.Sscanf(ref, "R%d/x:1", &i); err == nil && i < len(orig) {
			return orig[i], true
		}
		return "", false
	})
	if err != nil || string(back) != string(data) {
		return fmt.Errorf("rewriting back does not give the input (%v):\n%q\n%q\n%q", err, data, out, back)
	}
	return nil
}

// FuzzRewriteImages feeds hostile manifests: the rewrite must not panic,
// and must change exactly the values it reports, nothing else (rewritten
// and rewritten back, a manifest is byte for byte what it was).
func FuzzRewriteImages(f *testing.F) {
	f.Add([]byte(workloads))
	f.Add([]byte("kind: Pod\nspec: {containers: [{image: &a x}], initContainers: [{image: *a}]}"))
	f.Add([]byte(`{"kind":"Deployment","spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}`))
	f.Add([]byte("kind: Pod\r\nspec:\r\n  containers:\r\n  - {name: ü, image: 'a/b:1'}\r\n  - image: \"c\"   # c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := roundTrip(data); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRewriteObject(t *testing.T) {
	obj := map[string]any{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": map[string]any{"name": "c"},
		"spec": map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"initContainers": []any{map[string]any{"name": "i", "image": "a:1"}},
			"containers":     []any{map[string]any{"name": "m", "image": "b:1"}, map[string]any{"name": "n"}},
		}}}}}}
	images, err := kube.RewriteObject(obj, func(ref string) (string, bool) { return "mirror/" + ref, ref == "a:1" })
	if err != nil || len(images) != 2 || images[1].NewRef != "mirror/a:1" || images[0].NewRef != "" {
		t.Fatalf("%v %+v", err, images)
	}
	again, _ := kube.RewriteObject(obj, nil)
	if again[1].Ref != "mirror/a:1" || again[0].Ref != "b:1" {
		t.Fatalf("the object was not rewritten in place: %+v", again)
	}
	if _, err := kube.RewriteObject(obj, func(string) (string, bool) { return "a\nb", true }); err == nil || again[0].Ref != "b:1" {
		t.Fatal("a replacement that is not a plain reference was accepted")
	}
	pod := obj["spec"].(map[string]any)["jobTemplate"].(map[string]any)["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	pod["containers"] = []any{map[string]any{"image": []any{"x"}}}
	if _, err := kube.RewriteObject(obj, nil); err == nil {
		t.Fatal("an image that is not a string was accepted")
	}
}

// An attacker's package: a custom kind embedding a pod template, and an
// image volume, must not keep their images out of the rewrite.
func TestRewriteObjectFindsEveryImage(t *testing.T) {
	obj := map[string]any{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": map[string]any{"name": "r"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "c", "image": "up/x:1"}},
			"volumes":    []any{map[string]any{"name": "v", "image": map[string]any{"reference": "up/x:1"}}, map[string]any{"name": "e", "emptyDir": map[string]any{}}},
		}}}}
	images, err := kube.RewriteObject(obj, func(ref string) (string, bool) { return "mirror/x:1@sha256:0", ref == "up/x:1" })
	if err != nil || len(images) != 2 {
		t.Fatalf("%v %+v", err, images)
	}
	again, _ := kube.RewriteObject(obj, nil)
	for _, img := range again {
		if img.Ref != "mirror/x:1@sha256:0" {
			t.Fatalf("%s escaped the rewrite: %+v", img.Container, again)
		}
	}
	if again[0].Container != "c" || again[1].Container != "volume v" {
		t.Fatalf("images named %+v", again)
	}
}

// Custom kinds hold images in shapes of their own: none may hide one.
func TestRewriteObjectCustomShapes(t *testing.T) {
	for _, obj := range []map[string]any{
		{"kind": "Workflow", "spec": map[string]any{"templates": []any{map[string]any{"name": "t", "container": map[string]any{"image": "up/x:1"}},
			map[string]any{"name": "s", "script": map[string]any{"image": "up/x:1"}}}}},
		{"kind": "Task", "spec": map[string]any{"steps": []any{map[string]any{"name": "s", "image": "up/x:1"}}, "stepTemplate": map[string]any{"image": "up/x:1"}}},
		{"kind": "VirtualMachine", "spec": map[string]any{"volumes": []any{map[string]any{"name": "d", "containerDisk": map[string]any{"image": "up/x:1"}}}}},
		{"kind": "Odd", "spec": map[string]any{"Containers": []any{map[string]any{"Image": "up/x:1"}}}},
	} {
		images, err := kube.RewriteObject(obj, func(ref string) (string, bool) { return "mirror/x:1@sha256:0", ref == "up/x:1" })
		if err != nil || len(images) == 0 {
			t.Fatalf("%s: %v %+v", obj["kind"], err, images)
		}
		again, _ := kube.RewriteObject(obj, nil)
		for _, img := range again {
			if img.Ref != "mirror/x:1@sha256:0" {
				t.Fatalf("%s: %q escaped the rewrite", obj["kind"], img.Ref)
			}
		}
	}
}
