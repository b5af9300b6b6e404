// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

// Attacks by a registry, or by whoever controls what a registry serves:
// each test is a finding of the hardening review, tried as an outsider would.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// A registry that moves the tag between verification and use gets nothing
// of its unsigned package mirrored: the tag is resolved once, and every
// blob is downloaded once.
func TestMirrorResolvesTheTagOnce(t *testing.T) {
	ctx := context.Background()
	upstream := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, upstream, "team/signed", "1")
	airlocktest.PushImage(t, upstream, "team/evil", "1")
	key, p := newKey(t, "team.pub")
	signed := filepath.Join(t.TempDir(), "signed.tar")
	if _, err := airlock.Create(ctx, airlocktest.WritePackage(t, "- ref: "+upstream+"/team/signed:1"), signed, airlock.CreateOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	evil := create(t, airlocktest.WritePackage(t, "- ref: "+upstream+"/team/evil:1"))
	reg := airlocktest.NewRegistry(t)
	if _, err := airlock.Push(ctx, signed, "oci://"+reg+"/apps/hello:1.0.0", airlock.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	pushed, err := airlock.Push(ctx, evil, "oci://"+reg+"/apps/hello:evil", airlock.PushOptions{InsecureUnsigned: true})
	if err != nil {
		t.Fatal(err)
	}
	var resolved atomic.Int32
	var mu sync.Mutex
	gets := map[string]int{}
	proxy := airlocktest.NewFaultProxy(t, reg, func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
		if airlocktest.IsBlobGet(r) {
			mu.Lock()
			gets[r.URL.Path]++
			mu.Unlock()
		}
		if !strings.HasSuffix(r.URL.Path, "/manifests/1.0.0") || resolved.Add(1) == 1 {
			return false
		}
		// From the second look on, the tag names the unsigned package.
		req, _ := http.NewRequest(r.Method, "http://"+reg+"/v2/apps/hello/manifests/"+pushed.Root.Digest.String(), nil)
		req.Header = r.Header.Clone()
		moved, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			return false
		}
		defer moved.Body.Close()
		airlocktest.Relay(w, moved)
		return true
	})
	dest := airlocktest.NewRegistry(t)
	res, err := airlock.Mirror(ctx, "oci://"+proxy+"/apps/hello:1.0.0", "oci://"+dest+"/mirror", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if err != nil || len(res.Images) != 1 || !strings.HasSuffix(res.Images[0].Source, "/team/signed:1") {
		t.Fatalf("expected the signed package's image mirrored: %v %+v", err, res)
	}
	if _, err := airlock.Inspect(ctx, "oci://"+dest+"/mirror/team/evil:1", airlock.InspectOptions{}); err == nil {
		t.Fatal("the unsigned package's image was mirrored")
	}
	if n := resolved.Load(); n != 1 {
		t.Fatalf("the tag was resolved %d times", n)
	}
	for path, n := range gets {
		if n > 1 {
			t.Errorf("%s was downloaded %d times", path, n)
		}
	}
}

// A statement attached to a package in a registry is never signed by a
// signer who did not name it; push --key signs the root alone too.
func TestRegistrySigningSignsWhatItIsShown(t *testing.T) {
	ctx := context.Background()
	host, p := published(t)
	target := "oci://" + host + "/team/hello:1.0.0"
	root := airlocktest.Resolve(t, host, "team/hello", "1.0.0")
	forged, blobs := statement(t, root, scanType, `{"result":"PASSED"}`)
	pushBlobs(t, host, "team/hello", []ocispec.Descriptor{spec.EmptyJSON, statementLayer(t, blobs, forged), forged}, blobs)
	second, p2 := newKey(t, "second.pub")
	res, err := airlock.Sign(ctx, target, second, airlock.SignOptions{})
	if err != nil || len(res.Attestations) != 0 || len(res.Statements) != 1 || res.Statements[0].Signed {
		t.Fatalf("sign must sign the root only and list the statement unsigned: %v %+v", err, res)
	}
	_, err = airlock.Verify(ctx, target, airlock.VerifyOptions{Policy: requiring(p2, scanType)})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonPredicateUnsigned {
		t.Fatalf("the forged statement must stay unsigned, got %v", err)
	}
	if _, err := airlock.Verify(ctx, target, airlock.VerifyOptions{Policy: p}); err != nil {
		t.Fatal(err)
	}

	// push --key: the archive's own statements stay unsigned unless named.
	key, pk := newKey(t, "pusher.pub")
	out := create(t, airlocktest.WritePackage(t))
	if _, err := airlock.Push(ctx, out, "oci://"+host+"/team/other:1.0.0", airlock.PushOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	_, err = airlock.Verify(ctx, "oci://"+host+"/team/other:1.0.0", airlock.VerifyOptions{Policy: requiring(pk, attest.PredicateSLSAProvenance)})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonPredicateUnsigned {
		t.Fatalf("push --key must not sign statements it was not told to, got %v", err)
	}
}

// statementLayer finds the statement blob a statement referrer names.
func statementLayer(t *testing.T, blobs map[digest.Digest][]byte, ref ocispec.Descriptor) ocispec.Descriptor {
	t.Helper()
	var m ocispec.Manifest
	json.Unmarshal(blobs[ref.Digest], &m)
	return m.Layers[0]
}

// A pull carries what verified and nothing else: not a large junk
// referrer (never downloaded), not a signature by another key, not an
// unsigned statement, not a listing entry about another subject, and never
// the registry's annotations.
func TestPullWritesOnlyWhatVerified(t *testing.T) {
	ctx := context.Background()
	host, p := published(t)
	root := airlocktest.Resolve(t, host, "team/hello", "1.0.0")
	junkData := make([]byte, 8<<20)
	junk := ocispec.Descriptor{MediaType: "application/octet-stream", Digest: digest.FromBytes(junkData), Size: int64(len(junkData))}
	junkRef, junkManifest := manifest("application/vnd.example.junk", &root, junk)
	blobs := map[digest.Digest][]byte{junk.Digest: junkData, junkRef.Digest: junkManifest, spec.EmptyJSON.Digest: spec.EmptyJSON.Data}
	pushBlobs(t, host, "team/hello", []ocispec.Descriptor{spec.EmptyJSON, junk, junkRef}, blobs)
	unsigned, sblobs := statement(t, root, scanType, `{}`)
	pushBlobs(t, host, "team/hello", []ocispec.Descriptor{statementLayer(t, sblobs, unsigned), unsigned}, sblobs)
	other, _ := newKey(t, "other.pub")
	if _, err := airlock.Attest(ctx, "oci://"+host+"/team/hello:1.0.0", scanType, []byte(`{"by":"other"}`), other, airlock.AttestOptions{}); err != nil {
		t.Fatal(err)
	}
	elsewhere := airlocktest.PushImage(t, host, "team/hello", "elsewhere")
	stray, strayManifest := manifest(spec.MediaTypeBundle, &elsewhere)
	pushBlobs(t, host, "team/hello", []ocispec.Descriptor{stray}, map[digest.Digest][]byte{stray.Digest: strayManifest})

	var moved atomic.Int64
	proxy := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
		body, _ := io.ReadAll(up.Body)
		if strings.Contains(r.URL.Path, "/referrers/"+root.Digest.String()) {
			var idx ocispec.Index
			json.Unmarshal(body, &idx)
			for i := range idx.Manifests {
				idx.Manifests[i].Annotations = map[string]string{ocispec.AnnotationRefName: "1.0.0", "org.example.injected": "yes"}
			}
			idx.Manifests = append(idx.Manifests, stray)
			body, _ = json.Marshal(idx)
			up.Header.Del("Content-Length")
		}
		moved.Add(int64(len(body)))
		up.Body = io.NopCloser(strings.NewReader(string(body)))
		airlocktest.Relay(w, up)
		return true
	})
	target := "oci://" + proxy + "/team/hello:1.0.0"
	if _, err := airlock.Verify(ctx, target, airlock.VerifyOptions{Policy: p}); err != nil {
		t.Fatal(err)
	}
	if n := moved.Load(); n > 2<<20 {
		t.Fatalf("verify moved %d bytes for a 1 MiB package: it read what it does not use", n)
	}
	out := filepath.Join(t.TempDir(), "pulled.tar")
	if _, err := airlock.Pull(ctx, target, out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}}); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(out); info.Size() > 2<<20 {
		t.Fatalf("the pulled archive is %d bytes: it carries what did not verify", info.Size())
	}
	l := readLayout(t, out)
	if len(l.index.Manifests) != 4 {
		t.Fatalf("expected the root and its 3 verified referrers, found %d entries", len(l.index.Manifests))
	}
	for _, d := range l.index.Manifests[1:] {
		if _, ok := d.Annotations[ocispec.AnnotationRefName]; ok || d.Annotations["org.example.injected"] != "" || d.ArtifactType != spec.MediaTypeBundle {
			t.Fatalf("a registry's annotations were copied: %+v", d)
		}
	}
	if _, err := airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: requiring(p, attest.PredicateSLSAProvenance)}); err != nil {
		t.Fatalf("the pulled archive must verify: %v", err)
	}
}

// Mirror pushes only the image referrers that verified under the image's
// policy, and counts only those.
func TestMirrorCarriesOnlyVerifiedImageReferrers(t *testing.T) {
	ctx := context.Background()
	out, p := vendorSignedPackage(t)
	// Whoever carries the archive adds a referrer to each image: one signed
	// by another key, one nobody signed.
	l := readLayout(t, out)
	images := []ocispec.Descriptor{}
	for _, d := range mustPackage(t, ctx, out).Images() {
		images = append(images, ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size})
	}
	mallory, _ := newKey(t, "mallory.pub")
	for _, img := range images {
		st, blobs := statement(t, img, scanType, `{}`)
		for d, b := range blobs {
			l.blobs[d] = b
		}
		bundle := signedBundle(t, mallory, img.Digest)
		ref, _ := spec.NewBundleReferrer(img, bundle, spec.PredicateTypeCosignSign, fixedTime)
		l.blobs[ref.Descriptor.Digest], l.blobs[ref.Bundle.Digest] = ref.Manifest, bundle
		l.index.Manifests = append(l.index.Manifests, st, ref.Descriptor)
	}
	l.write(t, out)
	internal := airlocktest.NewRegistry(t)
	res, err := airlock.Mirror(ctx, out, "oci://"+internal+"/apps", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Images[0].Referrers != 1 || res.Images[1].Referrers != 0 {
		t.Fatalf("expected only the vendor's signature carried: %+v", res.Images)
	}
	for i, repo := range []string{"apps/vendor/app", "apps/team/tool"} {
		refs := referrersIn(t, internal, repo, images[i])
		if len(refs) != res.Images[i].Referrers {
			t.Fatalf("%s has %d referrers at the destination, expected %d", repo, len(refs), res.Images[i].Referrers)
		}
	}
}

// vendorSignedPackage creates, signed by a team key, a package of two
// images: the first signed by its vendor and required to be, the second
// with no policy. It returns the archive and the team's policy.
func vendorSignedPackage(t *testing.T) (string, policy.Policy) {
	t.Helper()
	vendorKey, _ := newKey(t, "vendor.pub")
	dir, _ := publisherPackage(t, pemOf(t, vendorKey), func(host string) {
		img := airlocktest.PushImage(t, host, "vendor/app", "1.0")
		airlocktest.SignImage(t, host, "vendor/app", img, vendorKey)
		airlocktest.PushImage(t, host, "team/tool", "2.0")
	})
	key, p := newKey(t, "team.pub")
	out := filepath.Join(t.TempDir(), "hello.tar")
	if _, err := airlock.Create(context.Background(), dir, out, airlock.CreateOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	return out, p
}

// referrersIn lists subject's referrers in host/repo through the API.
func referrersIn(t *testing.T, host, repo string, subject ocispec.Descriptor) []ocispec.Descriptor {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("http://%s/v2/%s/referrers/%s", host, repo, subject.Digest))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var idx ocispec.Index
	json.NewDecoder(resp.Body).Decode(&idx)
	return idx.Manifests
}

// A legacy cosign ".sig" manifest cannot multiply the work: each distinct
// layer is read once, and a manifest with more layers than any signer
// writes is refused.
func TestLegacySignatureLayersAreBounded(t *testing.T) {
	ctx := context.Background()
	out := create(t, airlocktest.WritePackage(t))
	host := airlocktest.NewRegistry(t)
	res, err := airlock.Push(ctx, out, "oci://"+host+"/team/hello:1.0.0", airlock.PushOptions{InsecureUnsigned: true})
	if err != nil {
		t.Fatal(err)
	}
	key, p := newKey(t, "team.pub")
	payload := []byte(`{"critical":{"identity":{"docker-reference":"x"},"image":{"docker-manifest-digest":"` + res.Root.Digest.String() + `"},"type":"cosign container image signature"},"optional":null}`)
	sig, _, err := key.SignData(ctx, payload)
	if err != nil {
		t.Fatal(err)
	}
	layer := ocispec.Descriptor{MediaType: "application/vnd.dev.cosign.simplesigning.v1+json", Digest: digest.FromBytes(payload), Size: int64(len(payload)),
		Annotations: map[string]string{"dev.cosignproject.cosign/signature": base64.StdEncoding.EncodeToString(sig)}}
	var payloadGets atomic.Int32
	proxy := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, _ *http.Response) bool {
		if strings.HasSuffix(r.URL.Path, layer.Digest.String()) {
			payloadGets.Add(1)
		}
		return false
	})
	tag := "sha256-" + res.Root.Digest.Encoded() + ".sig"
	for _, n := range []int{50, 1000} {
		layers := make([]ocispec.Descriptor, n)
		for i := range layers {
			layers[i] = layer
		}
		config := []byte(`{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}`)
		configDesc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(config), Size: int64(len(config))}
		m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: configDesc, Layers: layers}
		m.SchemaVersion = 2
		data, _ := json.Marshal(m) // as cosign writes a legacy .sig image
		sigManifest := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(data), Size: int64(len(data))}
		pushBlobs(t, host, "team/hello", []ocispec.Descriptor{configDesc, layer, sigManifest}, map[digest.Digest][]byte{
			configDesc.Digest: config, layer.Digest: payload, sigManifest.Digest: data})
		airlocktest.Tag(t, host, "team/hello", sigManifest, tag)
		payloadGets.Store(0)
		_, err := airlock.Verify(ctx, "oci://"+proxy+"/team/hello:1.0.0", airlock.VerifyOptions{Policy: p})
		switch {
		case n == 50 && (err != nil || payloadGets.Load() != 1):
			t.Fatalf("%d copies of one layer: expected it verified with one read, got %v after %d reads", n, err, payloadGets.Load())
		case n == 1000:
			if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonMalformedPackage {
				t.Fatalf("%d layers: expected MALFORMED_PACKAGE, got %v", n, err)
			}
		}
	}
}

// A registry that hangs, trickles or keeps breaking the link ends the
// operation as "could not verify" (exit 1) naming the registry, never as
// tampering, and leaves nothing behind.
func TestBrokenRegistriesAreNotTampering(t *testing.T) {
	host, p := published(t)
	const fileBlob = 1 << 20
	tests := []struct {
		name  string
		fault airlocktest.Fault
	}{
		{"never answers", func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
			if !airlocktest.IsBlobGet(r) || up.ContentLength != fileBlob && r.Header.Get("Range") == "" {
				return false
			}
			<-r.Context().Done()
			return true
		}},
		{"trickles", func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
			if !airlocktest.IsBlobGet(r) || up.ContentLength != fileBlob && r.Header.Get("Range") == "" {
				return false
			}
			w.WriteHeader(http.StatusOK)
			buf := make([]byte, 16)
			for {
				n, _ := up.Body.Read(buf)
				if _, err := w.Write(buf[:n]); err != nil || n == 0 {
					return true
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return true
				case <-time.After(100 * time.Millisecond):
				}
			}
		}},
		{"drops every connection", func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
			if !airlocktest.IsBlobGet(r) || up.ContentLength != fileBlob && r.Header.Get("Range") == "" {
				return false
			}
			w.WriteHeader(http.StatusOK)
			io.CopyN(w, up.Body, 1000)
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			proxy := airlocktest.NewFaultProxy(t, host, tt.fault)
			dir := t.TempDir()
			opts := airlock.VerifyOptions{Policy: p, Registry: registry.Options{Timeout: 500 * time.Millisecond}}
			done := make(chan error, 1)
			go func() {
				_, err := airlock.Pull(context.Background(), "oci://"+proxy+"/team/hello:1.0.0", filepath.Join(dir, "out.tar"), airlock.PullOptions{VerifyOptions: opts})
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(2 * time.Minute):
				t.Fatal("the pull did not end")
			}
			if _, failed := verify.AsFailure(err); err == nil || failed {
				t.Fatalf("expected a could-not-verify error, got %v", err)
			}
			if !strings.Contains(err.Error(), proxy) {
				t.Fatalf("the error must name the registry: %v", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("a failed pull left %v", entries)
			}
		})
	}
}

// Any package signed by a trusted key is not any version: the signed name
// and version are part of what is verified, and a tag that reads as a
// version must name the signed one (rollback and substitution).
func TestRollbackAndSubstitutionAreRefused(t *testing.T) {
	ctx := context.Background()
	host, p := published(t)
	root := airlocktest.Resolve(t, host, "team/hello", "1.0.0")
	for _, tag := range []string{"2.0.0", "v1.0.0", "1.0", "latest"} {
		airlocktest.Tag(t, host, "team/hello", root, tag)
	}
	ref := func(tag string) string { return "oci://" + host + "/team/hello:" + tag }
	tests := []struct {
		name   string
		target string
		opts   airlock.VerifyOptions
		reason verify.Reason
	}{
		{"a newer version's tag serving 1.0.0", ref("2.0.0"), airlock.VerifyOptions{}, verify.ReasonVersionMismatch},
		{"1.0 is not 1.0.0", ref("1.0"), airlock.VerifyOptions{}, verify.ReasonVersionMismatch},
		{"one leading v is dropped", ref("v1.0.0"), airlock.VerifyOptions{}, ""},
		{"a tag that is no version", ref("latest"), airlock.VerifyOptions{}, ""},
		{"the mismatch accepted by naming the signed version", ref("2.0.0"), airlock.VerifyOptions{ExpectVersion: "1.0.0"}, ""},
		{"another version expected", ref("latest"), airlock.VerifyOptions{ExpectVersion: "2.0.0"}, verify.ReasonVersionMismatch},
		{"below the minimum", ref("latest"), airlock.VerifyOptions{MinVersion: "1.1.0"}, verify.ReasonVersionMismatch},
		{"at the minimum", ref("latest"), airlock.VerifyOptions{MinVersion: "v1.0.0"}, ""},
		{"another package expected", ref("1.0.0"), airlock.VerifyOptions{ExpectName: "payments"}, verify.ReasonNameMismatch},
		{"by digest", "oci://" + host + "/team/hello@" + root.Digest.String(), airlock.VerifyOptions{ExpectName: "hello"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Policy = p
			res, err := airlock.Verify(ctx, tt.target, tt.opts)
			if tt.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if f, ok := verify.AsFailure(err); !ok || f.Reason != tt.reason {
				t.Fatalf("expected %s, got %v", tt.reason, err)
			}
			if res.Package.Name != "hello" || res.Package.Version != "1.0.0" {
				t.Fatalf("the result must name the signed package: %+v", res.Package)
			}
		})
	}
	// Pull and mirror refuse the same way, writing nothing.
	dir := t.TempDir()
	_, err := airlock.Pull(ctx, ref("2.0.0"), filepath.Join(dir, "x.tar"), airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonVersionMismatch {
		t.Fatalf("pull: expected VERSION_MISMATCH, got %v", err)
	}
	_, err = airlock.Mirror(ctx, ref("2.0.0"), "oci://"+airlocktest.NewRegistry(t), airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonVersionMismatch {
		t.Fatalf("mirror: expected VERSION_MISMATCH, got %v", err)
	}
	if _, err := airlock.Verify(ctx, ref("latest"), airlock.VerifyOptions{Policy: p, MinVersion: "not-a-version"}); err == nil || errors.As(err, new(*verify.Failure)) {
		t.Fatalf("a minimum that is no version is a usage error, got %v", err)
	}
}

// --offline means no dial in pull, mirror and create: a listener standing
// in for the registry sees no connection.
func TestOfflineDialsNothing(t *testing.T) {
	ctx := context.Background()
	host, dials := airlocktest.NewCountingListener(t)
	offline := registry.Options{Offline: true}
	key, p := newKey(t, "team.pub")
	_, err := airlock.Pull(ctx, "oci://"+host+"/team/hello:1.0.0", filepath.Join(t.TempDir(), "x.tar"), airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p, Registry: offline}})
	if !errors.Is(err, registry.ErrOffline) {
		t.Fatalf("pull: expected an offline refusal, got %v", err)
	}
	signed := filepath.Join(t.TempDir(), "hello.tar")
	if _, err := airlock.Create(ctx, airlocktest.WritePackage(t), signed, airlock.CreateOptions{Key: key, Registry: offline}); err != nil {
		t.Fatalf("create without images works offline: %v", err)
	}
	if _, err := airlock.Mirror(ctx, signed, "oci://"+host+"/mirror", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p, Registry: offline}}); !errors.Is(err, registry.ErrOffline) {
		t.Fatalf("mirror: expected an offline refusal, got %v", err)
	}
	_, err = airlock.Create(ctx, airlocktest.WritePackage(t, "- ref: "+host+"/team/app:1.0"), filepath.Join(t.TempDir(), "y.tar"), airlock.CreateOptions{Registry: offline})
	if !errors.Is(err, registry.ErrOffline) || !strings.Contains(err.Error(), host+"/team/app:1.0") {
		t.Fatalf("create with images: expected an offline refusal naming the image, got %v", err)
	}
	if n := dials(); n != 0 {
		t.Fatalf("%d connections were made offline", n)
	}
}
