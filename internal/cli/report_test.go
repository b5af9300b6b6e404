// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"oras.land/oras-go/v2/content/memory"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/internal/cli"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
)

// run runs the command line in dir and returns its exit code and output.
func run(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	wd, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(wd)
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// hostilePackage writes, signed by a new key, a package whose name and
// description hold terminal escape sequences that would repaint a report
// into a green VERIFIED line. It returns the folder, holding hostile.tar
// and team.pub.
func hostilePackage(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	s := memory.New()
	push := func(mediaType string, data []byte) ocispec.Descriptor {
		d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
		s.Push(ctx, d, bytes.NewReader(data))
		return d
	}
	file := push(spec.MediaTypeFile, []byte("hi\n"))
	file.Annotations = map[string]string{spec.AnnotationTitle: "files/\x1b]0;owned\x07hi.txt"}
	config := push(spec.EmptyJSON.MediaType, spec.EmptyJSON.Data)
	m, _ := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		ArtifactType: spec.ArtifactTypeComponent, Config: config, Layers: []ocispec.Descriptor{file}, Annotations: map[string]string{spec.AnnotationTitle: "app"}})
	comp := push(ocispec.MediaTypeImageManifest, m)
	comp.ArtifactType = spec.ArtifactTypeComponent
	idx, _ := json.Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex,
		ArtifactType: spec.ArtifactTypePackage, Manifests: []ocispec.Descriptor{comp}, Annotations: map[string]string{
			spec.AnnotationTitle:       "evil\x1b[2K\r\x1b[32mVERIFIED: trusted 9.9.9\x1b[0m",
			spec.AnnotationVersion:     "1.0.0\u202e",
			spec.AnnotationDescription: "line\nVERIFIED: forged\u009b",
		}})
	root := push(ocispec.MediaTypeImageIndex, idx)
	root.ArtifactType = spec.ArtifactTypePackage
	dir := t.TempDir()
	path := filepath.Join(dir, "hostile.tar")
	if err := archive.WriteFile(ctx, path, s, []ocispec.Descriptor{root}); err != nil {
		t.Fatal(err)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := sign.NewKey(k)
	if _, err := airlock.Sign(ctx, path, key, airlock.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	pub, _ := cryptoutils.MarshalPublicKeyToPEM(k.Public())
	os.WriteFile(filepath.Join(dir, "team.pub"), pub, 0o644)
	return dir
}

// Every string from a package is printed with control characters escaped,
// on stdout and stderr, in text and in JSON.
func TestReportsEscapeWhatPackagesSay(t *testing.T) {
	dir := hostilePackage(t)
	for _, args := range [][]string{
		{"verify", "hostile.tar", "--key", "team.pub", "--insecure-ignore-tlog"},
		{"verify", "hostile.tar", "--key", "team.pub", "--insecure-ignore-tlog", "--format", "json"},
		{"verify", "hostile.tar", "--key", "team.pub", "--insecure-ignore-tlog", "--expect-name", "hello"},
		{"inspect", "hostile.tar"},
		{"inspect", "hostile.tar", "--format", "json"},
	} {
		code, stdout, stderr := run(t, dir, args...)
		for _, out := range []string{stdout, stderr} {
			for _, bad := range []string{"\x1b", "\x07", "\u202e", "\u009b", "\nVERIFIED: forged"} {
				if strings.Contains(out, bad) {
					t.Errorf("%v (exit %d) printed %q raw:\n%s", args, code, bad, out)
				}
			}
		}
		if !strings.Contains(stdout+stderr, `\x1b`) && !strings.Contains(stdout+stderr, `\u001b`) {
			t.Errorf("%v: expected the escape sequence shown escaped:\n%s%s", args, stdout, stderr)
		}
	}
}

// --insecure never ends in VERIFIED: the text says NOT VERIFIED (--insecure)
// and the JSON "verified": false; a skipped image is not counted as checked.
func TestInsecureAndSkippedChecksAreSaid(t *testing.T) {
	ctx := context.Background()
	host := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, host, "team/app", "1.0")
	dir := t.TempDir()
	out := filepath.Join(dir, "hello.tar")
	if _, err := airlock.Create(ctx, airlocktest.WritePackage(t, "- ref: "+host+"/team/app:1.0"), out, airlock.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := airlock.Push(ctx, out, "oci://"+host+"/team/hello:1.0.0", airlock.PushOptions{InsecureUnsigned: true}); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, dir, "pull", "oci://"+host+"/team/hello:1.0.0", "-o", "pulled.tar", "--insecure")
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if code != 0 || !strings.HasPrefix(lines[len(lines)-1], "NOT VERIFIED (--insecure)") || strings.Contains(stdout, "VERIFIED: hello") || !strings.Contains(stderr, "WARNING: --insecure") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, dir, "pull", "oci://"+host+"/team/hello:1.0.0", "-o", "again.tar", "--insecure", "--format", "json")
	var res struct {
		Verified *bool `json:"verified"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); code != 0 || err != nil || res.Verified == nil || *res.Verified {
		t.Fatalf("expected \"verified\": false, exit %d:\n%s", code, stdout)
	}
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := sign.NewKey(k)
	airlock.Sign(ctx, filepath.Join(dir, "pulled.tar"), key, airlock.SignOptions{})
	pub, _ := cryptoutils.MarshalPublicKeyToPEM(k.Public())
	os.WriteFile(filepath.Join(dir, "team.pub"), pub, 0o644)
	code, stdout, _ = run(t, dir, "verify", "pulled.tar", "--key", "team.pub", "--insecure-ignore-tlog")
	if code != 0 || !strings.Contains(stdout, "images            skipped  1 images not verified upstream") || strings.Contains(stdout, "checked against") {
		t.Fatalf("a skipped image must be said skipped, not checked (exit %d):\n%s", code, stdout)
	}
}
