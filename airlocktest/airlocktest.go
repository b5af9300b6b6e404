// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package airlocktest gives tests real parts in-process: an OCI 1.1 registry
// (olareg, which implements the referrers API correctly), images pushed to
// it, and sample package definitions. Tools that embed airlock can use it in
// their own tests.
package airlocktest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/olareg/olareg"
	"github.com/olareg/olareg/config"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	orasauth "oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
)

// NewRegistry starts an in-memory OCI registry on 127.0.0.1 for the test's
// lifetime and returns its host:port. Loopback registries are reached over
// plain HTTP.
func NewRegistry(t testing.TB) string {
	t.Helper()
	host, stop := StartRegistry()
	t.Cleanup(stop)
	return host
}

// NewLoginRegistry is [NewRegistry] for a registry that requires HTTP basic
// authentication with user and password for every request. [PushImage]
// logs in by itself.
func NewLoginRegistry(t testing.TB, user, password string) string {
	t.Helper()
	auth, err := config.NewAuthBasicStatic(map[string]string{user: password}, false)
	if err != nil {
		t.Fatal(err)
	}
	host := startRegistry(t, config.Config{Storage: config.ConfigStorage{StoreType: config.StoreMem}, Auth: auth})
	logins.Store(host, orasauth.Credential{Username: user, Password: password})
	return host
}

// logins remembers the credentials of login registries, by host.
var logins sync.Map

func startRegistry(t testing.TB, conf config.Config) string {
	reg := olareg.New(conf)
	srv := httptest.NewServer(reg)
	t.Cleanup(func() {
		srv.Close()
		reg.Close()
	})
	return strings.TrimPrefix(srv.URL, "http://")
}

// PushImage pushes a small image with random content to host/repo:tag and
// returns its descriptor. With several platforms ("linux/amd64") it pushes an
// index of one manifest per platform; with none, a single manifest.
func PushImage(t testing.TB, host, repo, tag string, platforms ...string) ocispec.Descriptor {
	t.Helper()
	ctx := context.Background()
	r := repository(t, host, repo)
	push := func(mediaType string, data []byte) ocispec.Descriptor {
		d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
		if err := r.Push(ctx, d, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	manifest := func(p *ocispec.Platform) ocispec.Descriptor {
		layer := make([]byte, 4096)
		rand.Read(layer)
		l := push(ocispec.MediaTypeImageLayer, layer)
		cfg := ocispec.Image{RootFS: ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{l.Digest}}}
		if p != nil {
			cfg.Platform = *p
		}
		cb, _ := json.Marshal(cfg)
		c := push(ocispec.MediaTypeImageConfig, cb)
		mb, _ := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, Config: c, Layers: []ocispec.Descriptor{l}})
		d := push(ocispec.MediaTypeImageManifest, mb)
		d.Platform = p
		return d
	}
	var root ocispec.Descriptor
	if len(platforms) == 0 {
		root = manifest(nil)
	} else {
		var ms []ocispec.Descriptor
		for _, p := range platforms {
			parts := strings.Split(p, "/")
			pl := &ocispec.Platform{OS: parts[0], Architecture: parts[1]}
			if len(parts) > 2 {
				pl.Variant = parts[2]
			}
			ms = append(ms, manifest(pl))
		}
		ib, _ := json.Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: ms})
		root = push(ocispec.MediaTypeImageIndex, ib)
	}
	if err := r.Tag(ctx, root, tag); err != nil {
		t.Fatal(err)
	}
	return root
}

// SampleDefinition is the definition [WritePackage] writes, with its images
// appended: a component with a file, a manifest and a chart folder.
const SampleDefinition = `apiVersion: airlock.dev/v1alpha1
kind: Package
metadata:
  name: hello
  version: 1.0.0
  description: a sample package
components:
  - name: app
    files:
      - path: files/hello.txt
        target: /opt/hello/hello.txt
    manifests:
      - path: manifests/deploy.yaml
    charts:
      - path: charts/hello
`

// WritePackage writes a sample package folder and returns its path. images
// are YAML list items appended under the component's images, e.g.
// "- ref: 127.0.0.1:5000/team/app:1.0".
func WritePackage(t testing.TB, images ...string) string {
	t.Helper()
	dir := t.TempDir()
	def := SampleDefinition
	if len(images) > 0 {
		def += "    images:\n"
		for _, img := range images {
			def += "      " + strings.ReplaceAll(img, "\n", "\n        ") + "\n"
		}
	}
	files := map[string]string{
		"airlock.yaml":                          def,
		"files/hello.txt":                       "Hello from the other side of the air gap.\n",
		"manifests/deploy.yaml":                 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\n",
		"charts/hello/Chart.yaml":               "apiVersion: v2\nname: hello\nversion: 0.1.0\n",
		"charts/hello/values.yaml":              "message: hello\n",
		"charts/hello/templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// repository returns a client for host/repo, logged in where needed.
func repository(t testing.TB, host, repo string) *remote.Repository {
	t.Helper()
	r, err := remote.NewRepository(host + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	r.PlainHTTP = true
	if cred, ok := logins.Load(host); ok {
		r.Client = &orasauth.Client{Credential: orasauth.StaticCredential(host, cred.(orasauth.Credential))}
	}
	return r
}

// Tag points tag in host/repo at desc.
func Tag(t testing.TB, host, repo string, desc ocispec.Descriptor, tag string) {
	t.Helper()
	if err := repository(t, host, repo).Tag(context.Background(), desc, tag); err != nil {
		t.Fatal(err)
	}
}

// Resolve returns what reference names in host/repo.
func Resolve(t testing.TB, host, repo, reference string) ocispec.Descriptor {
	t.Helper()
	d, err := repository(t, host, repo).Resolve(context.Background(), reference)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Referrers lists the referrers of subject in host/repo, as the registry
// lists them.
func Referrers(t testing.TB, host, repo string, subject ocispec.Descriptor) []ocispec.Descriptor {
	t.Helper()
	var out []ocispec.Descriptor
	err := repository(t, host, repo).Referrers(context.Background(), subject, "", func(page []ocispec.Descriptor) error {
		out = append(out, page...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Layer returns the content of the first layer of the manifest desc in
// host/repo (a bundle referrer's bundle, say).
func Layer(t testing.TB, host, repo string, desc ocispec.Descriptor) []byte {
	t.Helper()
	r := repository(t, host, repo)
	data, err := content.FetchAll(context.Background(), r, desc)
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil || len(m.Layers) == 0 {
		t.Fatalf("%s is not a manifest with layers: %v", desc.Digest, err)
	}
	layer, err := content.FetchAll(context.Background(), r, m.Layers[0])
	if err != nil {
		t.Fatal(err)
	}
	return layer
}

// Tags lists the tags of host/repo: none for a repository the registry
// does not know.
func Tags(t testing.TB, host, repo string) []string {
	t.Helper()
	var tags []string
	err := repository(t, host, repo).Tags(context.Background(), "", func(page []string) error {
		tags = append(tags, page...)
		return nil
	})
	if err != nil && !errors.Is(err, errdef.ErrNotFound) {
		var re *errcode.ErrorResponse
		if !errors.As(err, &re) || re.StatusCode != http.StatusNotFound {
			t.Fatal(err)
		}
	}
	return tags
}

// NewTLSRegistry is [NewRegistry] over HTTPS with a certificate of a test CA
// for 127.0.0.1. It returns the host and the CA certificate as PEM.
func NewTLSRegistry(t testing.TB) (host string, caPEM []byte) {
	t.Helper()
	reg := olareg.New(config.Config{Storage: config.ConfigStorage{StoreType: config.StoreMem}})
	srv := httptest.NewTLSServer(reg)
	t.Cleanup(func() {
		srv.Close()
		reg.Close()
	})
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return strings.TrimPrefix(srv.URL, "https://"), caPEM
}

// StartRegistry starts an in-memory registry outside a test (for Example
// functions) and returns its host and a function that stops it.
func StartRegistry() (host string, stop func()) {
	reg := olareg.New(config.Config{Storage: config.ConfigStorage{StoreType: config.StoreMem}})
	srv := httptest.NewServer(reg)
	return strings.TrimPrefix(srv.URL, "http://"), func() {
		srv.Close()
		reg.Close()
	}
}

// SignImage signs the image desc in host/repo with key the way cosign v3
// does (a bundle referrer with cosign's signature statement), offline (no
// transparency log), as an image publisher would.
func SignImage(t testing.TB, host, repo string, desc ocispec.Descriptor, key *sign.Key) {
	t.Helper()
	ctx := context.Background()
	bundle, err := sign.Digest(ctx, desc.Digest, key, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := spec.NewBundleReferrer(ocispec.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}, bundle, spec.PredicateTypeCosignSign, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	r := repository(t, host, repo)
	for _, blob := range []struct {
		d    ocispec.Descriptor
		data []byte
	}{{spec.EmptyJSON, spec.EmptyJSON.Data}, {ref.Bundle, bundle}, {ref.Descriptor, ref.Manifest}} {
		d := ocispec.Descriptor{MediaType: blob.d.MediaType, Digest: blob.d.Digest, Size: blob.d.Size}
		if ok, _ := r.Exists(ctx, d); ok {
			continue
		}
		if err := r.Push(ctx, d, bytes.NewReader(blob.data)); err != nil {
			t.Fatal(err)
		}
	}
}

// Children returns the platform manifests of the index desc in host/repo.
func Children(t testing.TB, host, repo string, desc ocispec.Descriptor) []ocispec.Descriptor {
	t.Helper()
	data, err := content.FetchAll(context.Background(), repository(t, host, repo), desc)
	if err != nil {
		t.Fatal(err)
	}
	var index ocispec.Index
	if err := json.Unmarshal(data, &index); err != nil {
		t.Fatal(err)
	}
	return index.Manifests
}
