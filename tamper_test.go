// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
)

// layout is an archive taken apart, for tests that tamper with it as
// whoever carries it could.
type layout struct {
	index ocispec.Index
	blobs map[digest.Digest][]byte
	links map[digest.Digest]string // blobs written as symbolic links instead
}

func readLayout(t *testing.T, path string) *layout {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l := &layout{blobs: map[digest.Digest][]byte{}}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return l
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		switch {
		case h.Name == "index.json":
			json.Unmarshal(data, &l.index)
		case strings.HasPrefix(h.Name, "blobs/sha256/"):
			l.blobs[digest.NewDigestFromEncoded(digest.SHA256, strings.TrimPrefix(h.Name, "blobs/sha256/"))] = data
		}
	}
}

// write writes the layout as an archive at path.
func (l *layout) write(t *testing.T, path string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	put := func(name string, data []byte) {
		tw.WriteHeader(&tar.Header{Name: name, Size: int64(len(data)), Mode: 0o644, Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)})
		tw.Write(data)
	}
	put("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	idx, _ := json.Marshal(l.index)
	put("index.json", idx)
	var names []string
	for d := range l.blobs {
		names = append(names, d.Encoded())
	}
	sort.Strings(names)
	for _, n := range names {
		if to, ok := l.links[digest.NewDigestFromEncoded(digest.SHA256, n)]; ok {
			tw.WriteHeader(&tar.Header{Name: "blobs/sha256/" + n, Typeflag: tar.TypeSymlink, Linkname: to, ModTime: time.Unix(0, 0)})
			continue
		}
		put("blobs/sha256/"+n, l.blobs[digest.NewDigestFromEncoded(digest.SHA256, n)])
	}
	tw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (l *layout) add(mediaType string, data []byte) ocispec.Descriptor {
	d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
	l.blobs[d.Digest] = data
	return d
}

// replaceRoot stores root as the package root in place of old, which it
// drops with its referrers (they are about the old root).
func (l *layout) replaceRoot(t *testing.T, old ocispec.Descriptor, root ocispec.Index) {
	t.Helper()
	data, _ := json.Marshal(root)
	delete(l.blobs, old.Digest)
	newRoot := l.add(old.MediaType, data)
	newRoot.ArtifactType = spec.ArtifactTypePackage
	l.index.Manifests = []ocispec.Descriptor{newRoot}
}

// root returns the package root's index.json entry and content.
func (l *layout) root(t *testing.T) (ocispec.Descriptor, ocispec.Index) {
	t.Helper()
	for _, d := range l.index.Manifests {
		if d.ArtifactType == spec.ArtifactTypePackage {
			var idx ocispec.Index
			json.Unmarshal(l.blobs[d.Digest], &idx)
			return d, idx
		}
	}
	t.Fatal("no package root")
	return ocispec.Descriptor{}, ocispec.Index{}
}

// statement makes an unsigned in-toto statement referrer about subject, as
// anyone who handles a package could put one beside it, and returns its
// manifest's descriptor and the blobs it needs.
func statement(t *testing.T, subject ocispec.Descriptor, predicateType, predicate string) (ocispec.Descriptor, map[digest.Digest][]byte) {
	t.Helper()
	st, err := attest.Statement(subject.Digest, predicateType, []byte(predicate))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := spec.NewStatementReferrer(subject, st, predicateType, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return ref.Descriptor, map[digest.Digest][]byte{ref.Descriptor.Digest: ref.Manifest, ref.Bundle.Digest: st, spec.EmptyJSON.Digest: spec.EmptyJSON.Data}
}

// manifest makes an image manifest with the given layers, config empty.
func manifest(artifactType string, subject *ocispec.Descriptor, layers ...ocispec.Descriptor) (ocispec.Descriptor, []byte) {
	m := ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, ArtifactType: artifactType,
		Config: ocispec.DescriptorEmptyJSON, Layers: layers, Subject: subject}
	m.Config.Data = nil
	if len(layers) == 0 {
		m.Layers = []ocispec.Descriptor{}
	}
	data, _ := json.Marshal(m)
	return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, ArtifactType: artifactType, Digest: digest.FromBytes(data), Size: int64(len(data))}, data
}

// pushBlobs pushes blobs (then manifests, in the order given) into host/repo.
func pushBlobs(t *testing.T, host, repo string, descs []ocispec.Descriptor, blobs map[digest.Digest][]byte) {
	t.Helper()
	r, err := remote.NewRepository(host + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	r.PlainHTTP = true
	ctx := context.Background()
	for _, d := range descs {
		plain := ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
		if ok, _ := r.Exists(ctx, plain); ok {
			continue
		}
		if err := r.Push(ctx, plain, bytes.NewReader(blobs[d.Digest])); err != nil {
			t.Fatal(err)
		}
	}
}

// fixedTime is a creation time for referrers tests build by hand.
var fixedTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// pemOf is a signing key's public key as PEM.
func pemOf(t *testing.T, key *sign.Key) []byte {
	t.Helper()
	data, err := cryptoutils.MarshalPublicKeyToPEM(key.GetPublicKey())
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// signedBundle signs subject as cosign signs an image, offline.
func signedBundle(t *testing.T, key *sign.Key, subject digest.Digest) []byte {
	t.Helper()
	b, err := sign.Digest(context.Background(), subject, key, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustPackage opens the package at target and closes it when the test ends.
func mustPackage(t *testing.T, ctx context.Context, target string) *airlock.Package {
	t.Helper()
	pkg, err := airlock.Open(ctx, target, airlock.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pkg.Close() })
	return pkg
}
