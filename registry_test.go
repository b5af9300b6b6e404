// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/verify"
)

// published creates a signed package with a 1 MiB file, pushes it to a new
// in-process registry, and returns the registry's host and the policy.
func published(t *testing.T) (string, policy.Policy) {
	t.Helper()
	dir := airlocktest.WritePackage(t)
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	os.WriteFile(filepath.Join(dir, "files", "hello.txt"), big, 0o644)
	out := create(t, dir)
	key, p := newKey(t, "team.pub")
	if _, err := airlock.Sign(context.Background(), out, key, airlock.SignOptions{AllStatements: true}); err != nil {
		t.Fatal(err)
	}
	host := airlocktest.NewRegistry(t)
	res, err := airlock.Push(context.Background(), out, "oci://"+host+"/team/hello", airlock.PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The signature, and the provenance and SBOM that sign signed along with it.
	if res.Tag != "1.0.0" || !res.ReferrersAPI || len(res.Referrers) != 3 {
		t.Fatalf("unexpected push result %+v", res)
	}
	return host, p
}

func TestPushVerifyPullRoundTrip(t *testing.T) {
	ctx := context.Background()
	host, p := published(t)
	target := "oci://" + host + "/team/hello:1.0.0"
	res, err := airlock.Verify(ctx, target, airlock.VerifyOptions{Policy: p})
	if err != nil || !res.Verified {
		t.Fatalf("verify in the registry: %v %+v", err, res)
	}
	out := filepath.Join(t.TempDir(), "pulled.tar")
	if _, err := airlock.Pull(ctx, target, out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}}); err != nil {
		t.Fatal(err)
	}
	// What was pulled verifies offline, as an archive.
	if res, err := airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: p}); err != nil || !res.Verified {
		t.Fatalf("verify the pulled archive: %v", err)
	}
	ins, err := airlock.Inspect(ctx, target, airlock.InspectOptions{})
	if err != nil || len(ins.Referrers) != 3 || ins.Package.Name != "hello" {
		t.Fatalf("inspect in the registry: %v %+v", err, ins)
	}
}

func TestPushRefusesUnsigned(t *testing.T) {
	out := create(t, airlocktest.WritePackage(t))
	host := airlocktest.NewRegistry(t)
	_, err := airlock.Push(context.Background(), out, "oci://"+host+"/team/hello:candidate", airlock.PushOptions{})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonNoSignature || !strings.Contains(f.Message, "InsecureUnsigned") {
		t.Fatalf("expected NO_SIGNATURE saying how to proceed, got %v", err)
	}
	// Nothing was tagged.
	if _, err := airlock.Inspect(context.Background(), "oci://"+host+"/team/hello:candidate", airlock.InspectOptions{}); err == nil {
		t.Fatal("a refused push left a tag")
	}
	key, p := newKey(t, "team.pub")
	if _, err := airlock.Push(context.Background(), out, "oci://"+host+"/team/hello:candidate", airlock.PushOptions{Key: key, AllStatements: true}); err != nil {
		t.Fatal(err)
	}
	// push --key --all-statements signs the package and the provenance and SBOM create wrote.
	if _, err := airlock.Verify(context.Background(), "oci://"+host+"/team/hello:candidate", airlock.VerifyOptions{Policy: requiring(p, "https://slsa.dev/provenance/v1", "https://spdx.dev/Document")}); err != nil {
		t.Fatalf("push --key must sign: %v", err)
	}
}

func TestPullWithWrongKeyWritesNothing(t *testing.T) {
	host, _ := published(t)
	_, other := newKey(t, "other.pub")
	var blobGets atomic.Int32
	proxy := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, _ *http.Response) bool {
		if airlocktest.IsBlobGet(r) && !strings.Contains(r.URL.Path, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a") {
			blobGets.Add(1)
		}
		return false
	})
	dir := t.TempDir()
	_, err := airlock.Pull(context.Background(), "oci://"+proxy+"/team/hello:1.0.0", filepath.Join(dir, "out.tar"), airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: other}})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonKeyMismatch {
		t.Fatalf("expected KEY_MISMATCH, got %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed pull left %v", entries)
	}
	// Only the signature bundle was downloaded: no package content before verification.
	if n := blobGets.Load(); n != 1 {
		t.Fatalf("expected only the bundle blob to be fetched before the signature failed, found %d blob downloads", n)
	}
}

func TestPullFromHostileRegistry(t *testing.T) {
	host, p := published(t)
	const fileBlob = 1 << 20
	tests := []struct {
		name   string
		fault  airlocktest.Fault
		reason verify.Reason // "" means: a plain error
		says   string
	}{
		{"corrupted blob", func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
			if !airlocktest.IsBlobGet(r) || up.ContentLength != fileBlob {
				return false
			}
			body, _ := io.ReadAll(up.Body)
			body[1000] ^= 0xff
			up.Body = io.NopCloser(strings.NewReader(string(body)))
			airlocktest.Relay(w, up)
			return true
		}, verify.ReasonDigestMismatch, "expected content hashing to"},
		{"manifest over 4 MiB", func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
			if !strings.Contains(r.URL.Path, "/manifests/1.0.0") {
				return false
			}
			up.Header.Set("Content-Length", "5000000")
			for k, v := range up.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(up.StatusCode)
			return true
		}, "", "4194304"},
		{"referrers index naming a missing manifest", func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
			if !strings.Contains(r.URL.Path, "/referrers/") || strings.Contains(r.URL.Path, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") {
				return false
			}
			body, _ := io.ReadAll(up.Body)
			fake := strings.Replace(string(body), `"digest":"sha256:`, `"digest":"sha256:0000`, 1)
			fake = strings.Replace(fake, `"digest":"sha256:0000`+"", `"digest":"sha256:`+strings.Repeat("0", 64)+`","x":"`, 1)
			up.Body = io.NopCloser(strings.NewReader(fake))
			up.Header.Del("Content-Length")
			airlocktest.Relay(w, up)
			return true
		}, "", "not found"},
		{"referrers index naming a huge manifest", func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
			if !strings.Contains(r.URL.Path, "/referrers/") || strings.Contains(r.URL.Path, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") {
				return false
			}
			body, _ := io.ReadAll(up.Body)
			huge := regexp.MustCompile(`"size":\d+`).ReplaceAllString(string(body), `"size":5000000`)
			up.Body = io.NopCloser(strings.NewReader(huge))
			up.Header.Del("Content-Length")
			airlocktest.Relay(w, up)
			return true
		}, verify.ReasonMalformedPackage, "is 5000000 bytes, more than the 4194304 allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := airlocktest.NewFaultProxy(t, host, tt.fault)
			dir := t.TempDir()
			_, err := airlock.Pull(context.Background(), "oci://"+proxy+"/team/hello:1.0.0", filepath.Join(dir, "out.tar"), airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
			if err == nil {
				t.Fatal("expected an error")
			}
			f, isFailure := verify.AsFailure(err)
			if tt.reason != "" && (!isFailure || f.Reason != tt.reason) {
				t.Fatalf("expected %s, got %v", tt.reason, err)
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("error %q does not say %q", err, tt.says)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("a failed pull left %v", entries)
			}
		})
	}
}

// A connection dropped in the middle of a blob resumes with a range request.
func TestPullResumesBrokenDownload(t *testing.T) {
	host, p := published(t)
	var dropped, ranged atomic.Int32
	proxy := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
		if !airlocktest.IsBlobGet(r) {
			return false
		}
		if r.Header.Get("Range") != "" {
			ranged.Add(1)
			return false
		}
		if up.ContentLength != 1<<20 || !dropped.CompareAndSwap(0, 1) {
			return false
		}
		for k, v := range up.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(http.StatusOK)
		io.CopyN(w, up.Body, 300000)
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
		return true
	})
	out := filepath.Join(t.TempDir(), "out.tar")
	if _, err := airlock.Pull(context.Background(), "oci://"+proxy+"/team/hello:1.0.0", out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}}); err != nil {
		t.Fatal(err)
	}
	if dropped.Load() != 1 || ranged.Load() < 1 {
		t.Fatalf("expected one dropped download resumed by a range request, found %d drops and %d range requests", dropped.Load(), ranged.Load())
	}
	if _, err := airlock.Verify(context.Background(), out, airlock.VerifyOptions{Policy: p}); err != nil {
		t.Fatalf("the resumed download is not the package: %v", err)
	}
}

// A tag that moves while a pull runs fails it, and nothing is written.
func TestPullTagMoved(t *testing.T) {
	host, p := published(t)
	other := airlocktest.PushImage(t, host, "team/hello", "scratch")
	var moved atomic.Bool
	proxy := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
		if airlocktest.IsBlobGet(r) && up.ContentLength == 1<<20 && moved.CompareAndSwap(false, true) {
			airlocktest.Tag(t, host, "team/hello", other, "1.0.0")
		}
		return false
	})
	dir := t.TempDir()
	_, err := airlock.Pull(context.Background(), "oci://"+proxy+"/team/hello:1.0.0", filepath.Join(dir, "out.tar"), airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonTagMoved {
		t.Fatalf("expected TAG_MOVED, got %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("a failed pull left %v", entries)
	}
}

func TestMirrorCopiesImages(t *testing.T) {
	ctx := context.Background()
	upstream := airlocktest.NewRegistry(t)
	multi := airlocktest.PushImage(t, upstream, "library/app", "1.0", "linux/amd64", "linux/arm64")
	single := airlocktest.PushImage(t, upstream, "team/tool", "2.0")
	dir := airlocktest.WritePackage(t, "- ref: "+upstream+"/library/app:1.0", "- ref: "+upstream+"/team/tool@"+single.Digest.String())
	out := create(t, dir)
	key, p := newKey(t, "team.pub")
	if _, err := airlock.Sign(ctx, out, key, airlock.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	internal := airlocktest.NewRegistry(t)
	res, err := airlock.Mirror(ctx, out, "oci://"+internal+"/apps", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 2 || res.Images[0].Destination != internal+"/apps/library/app:1.0" || res.Images[0].Digest != multi.Digest.String() {
		t.Fatalf("unexpected mirror result %+v", res.Images)
	}
	if res.Images[1].Destination != internal+"/apps/team/tool@"+single.Digest.String() {
		t.Fatalf("a digest-only image keeps no tag: %+v", res.Images[1])
	}
	got := airlocktest.Resolve(t, internal, "apps/library/app", "1.0")
	if got.Digest != multi.Digest {
		t.Fatalf("mirrored image has digest %s, want %s", got.Digest, multi.Digest)
	}
	// A package in a registry mirrors the same way.
	pkgHost := airlocktest.NewRegistry(t)
	if _, err := airlock.Push(ctx, out, "oci://"+pkgHost+"/packages/hello", airlock.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	fromRegistry := airlocktest.NewRegistry(t)
	res, err = airlock.Mirror(ctx, "oci://"+pkgHost+"/packages/hello:1.0.0", "oci://"+fromRegistry, airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if err != nil {
		t.Fatal(err)
	}
	if got := airlocktest.Resolve(t, fromRegistry, "library/app", "1.0"); got.Digest != multi.Digest {
		t.Fatalf("mirrored from a registry: digest %s, want %s", got.Digest, multi.Digest)
	}
	// A package that does not verify is not mirrored.
	_, other := newKey(t, "other.pub")
	if _, err := airlock.Mirror(ctx, out, "oci://"+internal+"/elsewhere", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: other}}); !errors.As(err, new(*verify.Failure)) {
		t.Fatalf("expected a verification failure, got %v", err)
	}
}
