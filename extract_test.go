// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/verify"
)

// workloadManifest is a manifest of several workload kinds naming image.
func workloadManifest(image string) string {
	return `# the app
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ` + image + `   # keep this comment
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers: [{name: init, image: "` + image + `"}]
          containers: [{name: job, image: busybox:1.36}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: notes}
data: {image: "` + image + `"}
`
}

// appPackage creates, signed, the sample package with an image and a
// manifest naming it; it returns the archive, the policy and the image.
func appPackage(t *testing.T, opts ...func(dir string)) (string, policy.Policy, string, ocispec.Descriptor) {
	t.Helper()
	host := airlocktest.NewRegistry(t)
	img := airlocktest.PushImage(t, host, "team/app", "1.0")
	ref := host + "/team/app:1.0"
	dir := airlocktest.WritePackage(t, "- ref: "+ref)
	os.WriteFile(filepath.Join(dir, "manifests", "deploy.yaml"), []byte(workloadManifest(ref)), 0o644)
	for _, o := range opts {
		o(dir)
	}
	key, p := newKey(t, "team.pub")
	out := filepath.Join(t.TempDir(), "app.tar")
	if _, err := airlock.Create(context.Background(), dir, out, airlock.CreateOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	return out, p, ref, img
}

func sha(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(s[:])
}

func TestExtractWritesWhatVerified(t *testing.T) {
	ctx := context.Background()
	pkg, p, ref, img := appPackage(t)
	out := filepath.Join(t.TempDir(), "app")
	res, err := airlock.Extract(ctx, pkg, out, airlock.ExtractOptions{VerifyOptions: airlock.VerifyOptions{Policy: p},
		FilesOptions: airlock.FilesOptions{Mirror: "oci://registry.internal:5000/mirror"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Verification.Verified {
		t.Fatalf("expected a verified result: %+v", res.Verification)
	}
	for _, f := range res.Files {
		if got := sha(t, f.Path); got != f.Digest {
			t.Errorf("%s: the result says %s, the file hashes to %s", f.Path, f.Digest, got)
		}
		if f.Kind == "file" || f.Kind == "chart" {
			if f.Digest != f.Layer {
				t.Errorf("%s: written bytes differ from the layer that verified", f.Path)
			}
		}
	}
	hello, _ := os.ReadFile(filepath.Join(out, "app", "files", "hello.txt"))
	if string(hello) != "Hello from the other side of the air gap.\n" {
		t.Fatalf("unexpected file content %q", hello)
	}
	if _, err := os.Stat(filepath.Join(out, "app", "charts", "hello-0.1.0.tgz")); err != nil {
		t.Fatal("the chart is not under charts/")
	}
	internal := "registry.internal:5000/mirror/team/app:1.0@" + img.Digest.String()
	deploy, _ := os.ReadFile(filepath.Join(out, "app", "manifests", "deploy.yaml"))
	if n := strings.Count(string(deploy), internal); n != 2 {
		t.Fatalf("expected the Deployment's and the CronJob's references rewritten, found %d:\n%s", n, deploy)
	}
	for _, keep := range []string{"# keep this comment", "image: busybox:1.36", `data: {image: "` + ref + `"}`} {
		if !strings.Contains(string(deploy), keep) {
			t.Errorf("the rewrite changed what it must keep (%q):\n%s", keep, deploy)
		}
	}
	imagesYAML, _ := os.ReadFile(filepath.Join(out, "app", "images.yaml"))
	for _, want := range []string{"newName: registry.internal:5000/mirror/team/app", "digest: " + img.Digest.String(), ref + ": " + internal} {
		if !strings.Contains(string(imagesYAML), want) {
			t.Errorf("images.yaml lacks %q:\n%s", want, imagesYAML)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
		t.Fatalf("extract left more than its folder: %v", entries)
	}
}

// Every failure leaves nothing: a folder that is not empty is untouched, a
// tampered or wrongly signed package writes nothing, and paths are confined
// to the folder whatever the package says, even without verification.
func TestExtractFailuresWriteNothing(t *testing.T) {
	ctx := context.Background()
	pkg, p, _, _ := appPackage(t)
	_, other := newKey(t, "other.pub")
	tampered := filepath.Join(t.TempDir(), "tampered.tar")
	data, _ := os.ReadFile(pkg)
	data[strings.Index(string(data), "Hello from the other side")] = 'J'
	os.WriteFile(tampered, data, 0o644)
	tests := []struct {
		name   string
		target string
		opts   airlock.ExtractOptions
		reason verify.Reason
	}{
		{"tampered", tampered, airlock.ExtractOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}}, verify.ReasonDigestMismatch},
		{"wrong key", pkg, airlock.ExtractOptions{VerifyOptions: airlock.VerifyOptions{Policy: other}}, verify.ReasonKeyMismatch},
		{"tampered, insecure", tampered, airlock.ExtractOptions{InsecureSkipVerify: true}, verify.ReasonDigestMismatch},
	}
	for _, title := range []string{"../../escaped.txt", "/etc/escaped.txt", "files/../../escaped.txt", "files/./x.txt", "files\\x.txt"} {
		tests = append(tests, struct {
			name   string
			target string
			opts   airlock.ExtractOptions
			reason verify.Reason
		}{"title " + title, retitled(t, pkg, title), airlock.ExtractOptions{InsecureSkipVerify: true}, verify.ReasonMalformedPackage})
	}
	tests = append(tests, struct {
		name   string
		target string
		opts   airlock.ExtractOptions
		reason verify.Reason
	}{"file as a link", linked(t, pkg, "/etc/passwd"), airlock.ExtractOptions{InsecureSkipVerify: true}, verify.ReasonMalformedPackage})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			_, err := airlock.Extract(ctx, tt.target, filepath.Join(parent, "deep", "out"), tt.opts)
			if f, ok := verify.AsFailure(err); !ok || f.Reason != tt.reason {
				t.Fatalf("expected %s, got %v", tt.reason, err)
			}
			filepath.Walk(filepath.Dir(parent), func(p string, info os.FileInfo, err error) error {
				if err == nil && !info.IsDir() && strings.Contains(p, "escaped") {
					t.Errorf("a file escaped the folder: %s", p)
				}
				return nil
			})
			if entries, _ := os.ReadDir(parent); len(entries) > 1 {
				t.Fatalf("a failed extract left %v", entries)
			}
		})
	}
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "mine.txt"), []byte("keep"), 0o644)
	if _, err := airlock.Extract(ctx, pkg, full, airlock.ExtractOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}}); err == nil || errors.As(err, new(*verify.Failure)) {
		t.Fatalf("a folder that is not empty is refused (exit 1), got %v", err)
	}
	if entries, _ := os.ReadDir(full); len(entries) != 1 {
		t.Fatalf("the folder was changed: %v", entries)
	}
}

// retitled copies the archive with its first file layer's title changed
// (unsigned: extracts run with InsecureSkipVerify).
func retitled(t *testing.T, path, title string) string { return retitleAll(t, path, title) }

// linked copies the archive with its first file's blob stored as a
// symbolic link to to.
func linked(t *testing.T, path, to string) string {
	t.Helper()
	l := readLayout(t, path)
	_, root := l.root(t)
	var m ocispec.Manifest
	json.Unmarshal(l.blobs[root.Manifests[0].Digest], &m)
	l.links = map[digest.Digest]string{m.Layers[0].Digest: to}
	out := filepath.Join(t.TempDir(), "linked.tar")
	l.write(t, out)
	return out
}

// Files with a target are installed there only when asked, refusing to
// replace different content unless forced, and never through a link.
func TestExtractInstallsTargets(t *testing.T) {
	ctx := context.Background()
	targets := t.TempDir()
	target := filepath.Join(targets, "opt", "hello.txt")
	pkg, p, _, _ := appPackage(t, func(dir string) {
		def, _ := os.ReadFile(filepath.Join(dir, "airlock.yaml"))
		os.WriteFile(filepath.Join(dir, "airlock.yaml"), []byte(strings.Replace(string(def), "target: /opt/hello/hello.txt", "target: "+target, 1)), 0o644)
	})
	opts := airlock.ExtractOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}}
	extract := func(o airlock.ExtractOptions) (*airlock.ExtractResult, error) {
		return airlock.Extract(ctx, pkg, filepath.Join(t.TempDir(), "out"), o)
	}
	if _, err := extract(opts); err != nil || exists(target) {
		t.Fatalf("without InstallTargets nothing is installed: %v", err)
	}
	opts.InstallTargets = true
	if _, err := extract(opts); err != nil || sha(t, target) == "" {
		t.Fatalf("install: %v", err)
	}
	want := sha(t, target)
	os.WriteFile(target, []byte("changed by someone"), 0o644)
	if _, err := extract(opts); err == nil || !strings.Contains(err.Error(), "other content") {
		t.Fatalf("expected a refusal to replace different content, got %v", err)
	}
	if data, _ := os.ReadFile(target); string(data) != "changed by someone" {
		t.Fatal("a refused install changed the target")
	}
	opts.Force = true
	if _, err := extract(opts); err != nil || sha(t, target) != want {
		t.Fatalf("a forced install must replace the target: %v", err)
	}
	os.Remove(target)
	os.Symlink(filepath.Join(targets, "elsewhere"), target)
	if _, err := extract(opts); err == nil || !strings.Contains(err.Error(), "not a regular file") || exists(filepath.Join(targets, "elsewhere")) {
		t.Fatalf("a target that is a link must be refused, even forced: %v", err)
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
