// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
)

// served verifies the package at path and serves it in-process.
func served(t *testing.T, path string, opts airlock.VerifyOptions) string {
	t.Helper()
	ctx := context.Background()
	pkg := mustPackage(t, ctx, path)
	h, err := pkg.Verify(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	handler, err := h.Handler(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func get(t *testing.T, method, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// Serve speaks the OCI Distribution Specification's read endpoints, and
// refuses every write.
func TestServeEndpoints(t *testing.T) {
	pkg, p, _, img := appPackage(t)
	host := served(t, pkg, airlock.VerifyOptions{Policy: p})
	base := "http://" + host + "/v2/"
	if resp, body := get(t, "GET", base); resp.StatusCode != 200 || resp.Header.Get("Docker-Distribution-API-Version") != "registry/2.0" {
		t.Fatalf("base endpoint: %d %s", resp.StatusCode, body)
	}
	_, body := get(t, "GET", base+"_catalog")
	for _, repo := range []string{"hello", "team/app", "charts/hello"} {
		if !strings.Contains(body, `"`+repo+`"`) {
			t.Errorf("the catalog lacks %s: %s", repo, body)
		}
	}
	resp, body := get(t, "GET", base+"team/app/manifests/1.0")
	if resp.StatusCode != 200 || resp.Header.Get("Docker-Content-Digest") != img.Digest.String() || resp.Header.Get("Content-Type") != img.MediaType {
		t.Fatalf("manifest by tag: %d %v", resp.StatusCode, resp.Header)
	}
	var m ocispec.Manifest
	json.Unmarshal([]byte(body), &m)
	layer := m.Layers[0]
	if resp, _ := get(t, "HEAD", base+"team/app/manifests/"+img.Digest.String()); resp.StatusCode != 200 || resp.ContentLength != img.Size {
		t.Fatalf("manifest HEAD by digest: %d %d", resp.StatusCode, resp.ContentLength)
	}
	resp, body = get(t, "GET", base+"team/app/blobs/"+layer.Digest.String(), "Range", "bytes=100-199")
	if resp.StatusCode != 206 || len(body) != 100 || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 100-199/%d", layer.Size) {
		t.Fatalf("blob range: %d %d %v", resp.StatusCode, len(body), resp.Header)
	}
	resp, body = get(t, "GET", base+"hello/tags/list?n=1")
	if resp.StatusCode != 200 || !strings.Contains(body, `"tags":["1.0.0"]`) {
		t.Fatalf("tags: %d %s", resp.StatusCode, body)
	}
	root := mustPackage(t, context.Background(), pkg).Root()
	_, body = get(t, "GET", base+"hello/referrers/"+root.Digest.String())
	if strings.Count(body, `"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"`) != 3 {
		t.Fatalf("expected the signature, provenance and SBOM as referrers: %s", body)
	}
	resp, body = get(t, "GET", base+"hello/referrers/"+root.Digest.String()+"?artifactType=application/x-none")
	if resp.Header.Get("OCI-Filters-Applied") != "artifactType" || strings.Contains(body, "sigstore") {
		t.Fatalf("the filter was not applied: %v %s", resp.Header, body)
	}
	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
		resp, body := get(t, method, base+"team/app/manifests/1.0")
		if resp.StatusCode != 405 || !strings.Contains(body, `"code":"UNSUPPORTED"`) {
			t.Fatalf("%s must be refused with 405 and an OCI error: %d %s", method, resp.StatusCode, body)
		}
	}
	for path, code := range map[string]string{"nope/manifests/1": "NAME_UNKNOWN", "team/app/manifests/9": "MANIFEST_UNKNOWN", "team/app/blobs/sha256:" + strings.Repeat("0", 64): "BLOB_UNKNOWN"} {
		if resp, body := get(t, "GET", base+path); resp.StatusCode != 404 || !strings.Contains(body, code) {
			t.Fatalf("%s: expected 404 %s, got %d %s", path, code, resp.StatusCode, body)
		}
	}
}

// A served package pulls and verifies like one in any registry.
func TestPullFromServe(t *testing.T) {
	pkg, p, _, _ := appPackage(t)
	host := served(t, pkg, airlock.VerifyOptions{Policy: p})
	out := filepath.Join(t.TempDir(), "pulled.tar")
	if _, err := airlock.Pull(context.Background(), "oci://"+host+"/hello:1.0.0", out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p, ExpectName: "hello"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := airlock.Verify(context.Background(), out, airlock.VerifyOptions{Policy: p}); err != nil {
		t.Fatal(err)
	}
	mirror := airlocktest.NewRegistry(t)
	if _, err := airlock.Mirror(context.Background(), "oci://"+host+"/hello:1.0.0", "oci://"+mirror+"/apps", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}}); err != nil {
		t.Fatalf("mirror from a served package: %v", err)
	}
}

// An archive changed in place while it is served: the changed blob is
// never sent as a complete response.
func TestServeRefusesBytesChangedUnderIt(t *testing.T) {
	pkg, p, _, _ := appPackage(t)
	host := served(t, pkg, airlock.VerifyOptions{Policy: p})
	_, body := get(t, "GET", "http://"+host+"/v2/team/app/manifests/1.0")
	var m ocispec.Manifest
	json.Unmarshal([]byte(body), &m)
	flipLayerByte(t, pkg)
	resp, err := http.Get("http://" + host + "/v2/team/app/blobs/" + m.Layers[0].Digest.String())
	if err != nil {
		return // the connection was dropped before any answer: fine
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err == nil && int64(len(data)) == m.Layers[0].Size {
		t.Fatalf("a changed blob was sent whole (%d bytes) with status %d", len(data), resp.StatusCode)
	}
	// What a registry client makes of it: a broken transfer, not a package.
	_, perr := airlock.Pull(context.Background(), "oci://"+host+"/hello:1.0.0", filepath.Join(t.TempDir(), "x.tar"), airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if perr == nil {
		t.Fatal("a pull of a package changed under the server succeeded")
	}
}
