// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package archive_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content/memory"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/spec"
)

// sample builds a small package graph in memory: a root index naming one
// component manifest with one file layer.
func sample(t testing.TB) (*memory.Store, ocispec.Descriptor) {
	t.Helper()
	return sampleWithPadding(t, 0)
}

// sampleWithPadding is sample with an annotation of padding bytes in the
// component manifest, to make it as large as a test needs.
func sampleWithPadding(t testing.TB, padding int) (*memory.Store, ocispec.Descriptor) {
	t.Helper()
	ctx := context.Background()
	s := memory.New()
	push := func(mediaType string, data []byte) ocispec.Descriptor {
		d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
		if err := s.Push(ctx, d, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	file := push(spec.MediaTypeFile, []byte("hello, world\n"))
	config := push(spec.EmptyJSON.MediaType, spec.EmptyJSON.Data)
	config.Data = nil
	m, _ := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		ArtifactType: spec.ArtifactTypeComponent, Config: config, Layers: []ocispec.Descriptor{file},
		Annotations: map[string]string{"padding": strings.Repeat("p", padding)}})
	comp := push(ocispec.MediaTypeImageManifest, m)
	idx, _ := json.Marshal(ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex,
		ArtifactType: spec.ArtifactTypePackage, Manifests: []ocispec.Descriptor{comp}})
	root := push(ocispec.MediaTypeImageIndex, idx)
	root.ArtifactType = spec.ArtifactTypePackage
	return s, root
}

func writeSample(t *testing.T) string {
	t.Helper()
	s, root := sample(t)
	path := filepath.Join(t.TempDir(), "pkg.tar")
	if err := archive.WriteFile(context.Background(), path, s, []ocispec.Descriptor{root}); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWriteIsDeterministicAndChecks(t *testing.T) {
	a, b := writeSample(t), writeSample(t)
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Fatal("two writes of the same graph differ")
	}
	r, err := archive.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	g, err := r.Check(context.Background(), archive.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if g.Blobs != 4 || g.Root.ArtifactType != spec.ArtifactTypePackage {
		t.Fatalf("unexpected graph: %+v", g)
	}
}

// tarEntry is one entry of an archive being tampered with.
type tarEntry struct {
	hdr  tar.Header
	data []byte
}

func readEntries(t *testing.T, path string) []tarEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []tarEntry
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		out = append(out, tarEntry{*h, data})
	}
}

func writeEntries(t *testing.T, entries []tarEntry) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.hdr
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	path := filepath.Join(t.TempDir(), "bad.tar")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func find(entries []tarEntry, size int) int {
	for i, e := range entries {
		if strings.HasPrefix(e.hdr.Name, "blobs/sha256/") && len(e.data) == size {
			return i
		}
	}
	return -1
}

func TestHostileArchives(t *testing.T) {
	good := writeSample(t)
	fileSize := len("hello, world\n")
	tests := []struct {
		name   string
		mutate func([]tarEntry) []tarEntry
		want   error
		msg    string
	}{
		{"path traversal", func(e []tarEntry) []tarEntry {
			return append(e, tarEntry{tar.Header{Name: "blobs/../../etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644}, []byte("x")})
		}, archive.ErrMalformed, "expected a clean relative name"},
		{"absolute name", func(e []tarEntry) []tarEntry {
			return append(e, tarEntry{tar.Header{Name: "/etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644}, []byte("x")})
		}, archive.ErrMalformed, "expected a clean relative name"},
		{"symlink", func(e []tarEntry) []tarEntry {
			return append(e, tarEntry{tar.Header{Name: "blobs/sha256/" + strings.Repeat("a", 64), Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}, nil})
		}, archive.ErrMalformed, "expected a regular file or folder"},
		{"hard link", func(e []tarEntry) []tarEntry {
			return append(e, tarEntry{tar.Header{Name: "blobs/sha256/" + strings.Repeat("b", 64), Typeflag: tar.TypeLink, Linkname: "index.json"}, nil})
		}, archive.ErrMalformed, "expected a regular file or folder"},
		{"unknown file", func(e []tarEntry) []tarEntry {
			return append(e, tarEntry{tar.Header{Name: "README", Typeflag: tar.TypeReg, Mode: 0o644}, []byte("x")})
		}, archive.ErrMalformed, "not part of an OCI layout"},
		{"duplicate entry", func(e []tarEntry) []tarEntry {
			return append(e, e[1])
		}, archive.ErrMalformed, "duplicate entry"},
		{"oversized index.json", func(e []tarEntry) []tarEntry {
			e[1].data = append(bytes.TrimSuffix(e[1].data, []byte("}")), []byte(`,"annotations":{"x":"`+strings.Repeat("a", spec.MaxIndexSize)+`"}}`)...)
			return e
		}, archive.ErrMalformed, "more than the 4194304 allowed"},
		{"no index.json", func(e []tarEntry) []tarEntry {
			return append(e[:1], e[2:]...)
		}, archive.ErrMalformed, "no index.json"},
		{"blob under the wrong digest", func(e []tarEntry) []tarEntry {
			i := find(e, fileSize)
			e[i].data = []byte("HELLO, WORLD\n")
			return e
		}, archive.ErrDigestMismatch, "found content hashing to sha256:"},
		{"missing blob", func(e []tarEntry) []tarEntry {
			i := find(e, fileSize)
			return append(e[:i], e[i+1:]...)
		}, archive.ErrMissingBlob, ""},
		{"blob of the wrong size", func(e []tarEntry) []tarEntry {
			i := find(e, fileSize)
			e[i].data = append(e[i].data, '!')
			return e
		}, archive.ErrDigestMismatch, "expected size 13, found 14"},
		{"unreferenced blob", func(e []tarEntry) []tarEntry {
			d := digest.FromString("stowaway")
			return append(e, tarEntry{tar.Header{Name: "blobs/sha256/" + d.Encoded(), Typeflag: tar.TypeReg, Mode: 0o644}, []byte("stowaway")})
		}, archive.ErrMalformed, "not referenced"},
		{"no package root", func(e []tarEntry) []tarEntry {
			e[1].data = bytes.ReplaceAll(e[1].data, []byte(spec.ArtifactTypePackage), []byte("application/x-other"))
			return e
		}, archive.ErrMalformed, "expected one manifest with artifactType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeEntries(t, tt.mutate(readEntries(t, good)))
			err := openAndCheck(path)
			if !errors.Is(err, tt.want) {
				t.Fatalf("expected %v, got %v", tt.want, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func TestOversizedManifest(t *testing.T) {
	s, root := sampleWithPadding(t, spec.MaxManifestSize)
	var buf bytes.Buffer
	// The writer refuses to read such a manifest too, so build the tar by hand.
	if err := archive.Write(context.Background(), &buf, s, []ocispec.Descriptor{root}); err == nil {
		t.Fatal("the writer accepted a manifest over the limit")
	}
	entries := []tarEntry{
		{tar.Header{Name: "oci-layout", Typeflag: tar.TypeReg, Mode: 0o644}, []byte(archive.LayoutFile)},
		{tar.Header{Name: "index.json", Typeflag: tar.TypeReg, Mode: 0o644}, mustJSON(t, ocispec.Index{Versioned: specs.Versioned{SchemaVersion: 2}, Manifests: []ocispec.Descriptor{root}})},
	}
	for _, d := range allBlobs(t, s, root) {
		rc, _ := s.Fetch(context.Background(), d)
		data, _ := io.ReadAll(rc)
		entries = append(entries, tarEntry{tar.Header{Name: "blobs/sha256/" + d.Digest.Encoded(), Typeflag: tar.TypeReg, Mode: 0o644}, data})
	}
	err := openAndCheck(writeEntries(t, entries))
	if !errors.Is(err, archive.ErrMalformed) || !strings.Contains(err.Error(), "more than the 4194304 allowed") {
		t.Fatalf("expected a refusal of the oversized manifest, got %v", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// allBlobs lists the blobs of the sample graph by walking it in the store.
func allBlobs(t *testing.T, s *memory.Store, root ocispec.Descriptor) []ocispec.Descriptor {
	t.Helper()
	out := []ocispec.Descriptor{root}
	for i := 0; i < len(out); i++ {
		if !spec.IsManifest(out[i].MediaType) {
			continue
		}
		rc, _ := s.Fetch(context.Background(), out[i])
		data, _ := io.ReadAll(rc)
		children, err := spec.Children(out[i].MediaType, data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, children...)
	}
	return out
}

func TestTruncatedArchive(t *testing.T) {
	data, _ := os.ReadFile(writeSample(t))
	for _, cut := range []int{100, 1100, len(data) - 1500} {
		path := filepath.Join(t.TempDir(), "cut.tar")
		os.WriteFile(path, data[:cut], 0o600)
		err := openAndCheck(path)
		if !errors.Is(err, archive.ErrIncomplete) {
			t.Errorf("cut at %d: expected an incomplete archive, got %v", cut, err)
		}
	}
}

func openAndCheck(path string) error {
	r, err := archive.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = r.Check(context.Background(), archive.CheckOptions{})
	return err
}

func FuzzOpen(f *testing.F) {
	tmp := f.TempDir()
	s, root := sample(f)
	var buf bytes.Buffer
	if err := archive.Write(context.Background(), &buf, s, []ocispec.Descriptor{root}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:1024])
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(tmp, "fuzz.tar")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		err := openAndCheck(path)
		if err != nil && !errors.Is(err, archive.ErrMalformed) && !errors.Is(err, archive.ErrDigestMismatch) && !errors.Is(err, archive.ErrMissingBlob) && !errors.Is(err, archive.ErrIncomplete) {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}
