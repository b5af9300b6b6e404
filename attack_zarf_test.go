// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/verify"
)

// A zarf.yaml naming a component among its provenance files would let Zarf
// skip checking that component once signed: airlock never signs it, and
// never verifies it.
func TestZarfProvenanceFilesAreOnlySignatures(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	f := airlocktest.NewZarfFiles(t, "demo")
	f["zarf.yaml"] = []byte(strings.Replace(string(f["zarf.yaml"]), "  - checksums.txt\n", "  - checksums.txt\n  - components/app.tar\n", 1))
	pkg := f.Write(t, t.TempDir(), false)
	if _, err := airlock.Sign(ctx, pkg, key, airlock.SignOptions{}); err == nil || !strings.Contains(err.Error(), "provenanceFiles") {
		t.Fatalf("signed: %v", err)
	}
	if _, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: p}); !isReason(err, verify.ReasonMalformedPackage) {
		t.Fatalf("expected MALFORMED_PACKAGE, got %v", err)
	}
}

// A v1beta1 zarf.yaml whose metadata and build name two checksums.txt is
// refused: Zarf reads one, a careless reader the other.
func TestZarfOneAggregateChecksum(t *testing.T) {
	ctx := context.Background()
	key, _ := newKey(t, "team.pub")
	f := airlocktest.NewZarfFiles(t, "demo")
	def := strings.Replace(string(f["zarf.yaml"]), "kind: ZarfPackageConfig\n", "apiVersion: zarf.dev/v1beta1\nkind: ZarfPackageConfig\n", 1)
	f["zarf.yaml"] = []byte(strings.Replace(def, "build:\n", "build:\n  aggregateChecksum: "+strings.Repeat("e", 64)+"\n", 1))
	if _, err := airlock.Sign(ctx, f.Write(t, t.TempDir(), false), key, airlock.SignOptions{}); err == nil || !strings.Contains(err.Error(), "aggregateChecksum") {
		t.Fatalf("signed: %v", err)
	}
}

// Bundles beside a tarball are bounded in number; links are not followed.
func TestZarfAttestationsBesideAreBounded(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	pkg := signedZarfFiles(t, airlocktest.NewZarfFiles(t, "demo"), key).Write(t, t.TempDir(), false)
	p.Attestations = []policy.AttestationRule{{PredicateType: attest.PredicateSLSAProvenance}}
	os.Symlink("/etc/passwd", pkg+".link.sigstore.json")
	if _, err := airlock.AttestGenerated(ctx, pkg, attest.PredicateSLSAProvenance, key, airlock.AttestOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := airlock.VerifyAttestations(ctx, pkg, airlock.VerifyOptions{Policy: p}); err != nil {
		t.Fatalf("a link beside the package: %v", err)
	}
	for i := 0; i < 70; i++ {
		os.WriteFile(fmt.Sprintf("%s.junk%d.sigstore.json", pkg, i), []byte("{}"), 0o644)
	}
	if _, err := airlock.VerifyAttestations(ctx, pkg, airlock.VerifyOptions{Policy: p}); err == nil || !strings.Contains(err.Error(), "more than 64") {
		t.Fatalf("70 bundles beside the package: %v", err)
	}
}

// An image whose reference pins another digest than its entry is refused,
// and nothing is pushed.
func TestZarfMirrorPinnedReference(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	f := airlocktest.NewZarfFiles(t, "demo")
	f.AddImage("ghcr.io/team/app:1.2@sha256:" + strings.Repeat("0", 64))
	f.Seal("demo")
	pkg := signedZarfFiles(t, f, key).Write(t, t.TempDir(), false)
	dest := airlocktest.NewRegistry(t)
	_, err := airlock.Mirror(ctx, pkg, "oci://"+dest+"/inside", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if !isReason(err, verify.ReasonMalformedPackage) {
		t.Fatalf("expected MALFORMED_PACKAGE, got %v", err)
	}
	if tags := airlocktest.Tags(t, dest, "inside/team/app"); len(tags) != 0 {
		t.Fatalf("pushed %v", tags)
	}
}

// A tarball truncated inside a file is MALFORMED_PACKAGE (exit 3), not an
// I/O error.
func TestZarfTruncatedIsMalformed(t *testing.T) {
	_, p := newKey(t, "team.pub")
	pkg := airlocktest.NewZarfFiles(t, "demo").Write(t, t.TempDir(), true)
	data, _ := os.ReadFile(pkg)
	os.WriteFile(pkg, data[:len(data)-3000], 0o644)
	if _, err := airlock.Verify(context.Background(), pkg, airlock.VerifyOptions{Policy: p}); !isReason(err, verify.ReasonMalformedPackage) {
		t.Fatalf("expected MALFORMED_PACKAGE, got %v", err)
	}
}

// pushJSON pushes v as JSON to host/repo and returns its descriptor.
func pushJSON(t *testing.T, repo *remote.Repository, mediaType string, v any) ocispec.Descriptor {
	t.Helper()
	data, _ := json.Marshal(v)
	d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
	if err := repo.Push(context.Background(), d, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	return d
}

// A published index a Zarf reader could read two ways is refused: two
// packages for one architecture, a manifest whose config is not Zarf's
// under Zarf's platforms, a layer of another media type.
func TestZarfPublishedShapes(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	reg := airlocktest.NewRegistry(t)
	_, man := signedZarfFiles(t, airlocktest.NewZarfFiles(t, "demo"), key).Publish(t, reg, "zarf/demo", "1.0.0", "amd64")
	repo, _ := remote.NewRepository(reg + "/zarf/demo")
	repo.PlainHTTP = true
	var m ocispec.Manifest
	rc, _ := repo.Fetch(ctx, man)
	json.NewDecoder(rc).Decode(&m)
	rc.Close()
	index := func(entries ...ocispec.Descriptor) ocispec.Descriptor {
		return pushJSON(t, repo, ocispec.MediaTypeImageIndex, ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: entries})
	}
	amd64 := func(d ocispec.Descriptor) ocispec.Descriptor {
		d.Platform = &ocispec.Platform{OS: "multi", Architecture: "amd64"}
		return d
	}
	notZarf := m
	notZarf.Config.MediaType = ocispec.MediaTypeImageConfig
	otherLayer := m
	otherLayer.Layers = append([]ocispec.Descriptor{}, m.Layers...)
	otherLayer.Layers[0].MediaType = ocispec.MediaTypeImageLayer
	for name, root := range map[string]ocispec.Descriptor{
		"two amd64 packages":     index(amd64(man), amd64(man)),
		"config not Zarf's":      index(amd64(pushJSON(t, repo, ocispec.MediaTypeImageManifest, notZarf))),
		"a layer not Zarf's":     index(amd64(pushJSON(t, repo, ocispec.MediaTypeImageManifest, otherLayer))),
		"manifest, other layers": pushJSON(t, repo, ocispec.MediaTypeImageManifest, otherLayer),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := airlock.Verify(ctx, "oci://"+reg+"/zarf/demo@"+root.Digest.String(), airlock.VerifyOptions{Policy: p})
			if !isReason(err, verify.ReasonMalformedPackage) {
				t.Fatalf("expected MALFORMED_PACKAGE, got %v", err)
			}
		})
	}
}

// A registry package's root is read once, though the target is looked at
// as a Zarf package first.
func TestRootManifestReadOnce(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	pkg := filepath.Join(t.TempDir(), "hello.tar")
	if _, err := airlock.Create(ctx, airlocktest.WritePackage(t), pkg, airlock.CreateOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	reg := airlocktest.NewRegistry(t)
	pushed, err := airlock.Push(ctx, pkg, "oci://"+reg+"/apps/hello:1.0.0", airlock.PushOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var gets atomic.Int32
	proxy := airlocktest.NewFaultProxy(t, reg, func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/manifests/"+pushed.Root.Digest.String()) {
			gets.Add(1)
		}
		return false
	})
	if _, err := airlock.Verify(ctx, "oci://"+proxy+"/apps/hello:1.0.0", airlock.VerifyOptions{Policy: p}); err != nil {
		t.Fatal(err)
	}
	if n := gets.Load(); n != 1 {
		t.Fatalf("the root manifest was fetched %d times", n)
	}
}
