// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package archive_test

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
)

// sparse writes the archive at path with PAX records on its first blob. Go's
// tar writer drops GNU.sparse records: placeholders of the same length are
// written and renamed in the bytes.
func sparse(t *testing.T, path string, records map[string]string) string {
	t.Helper()
	entries := readEntries(t, path)
	placeholders := map[string]string{}
	for i := range entries {
		if strings.HasPrefix(entries[i].hdr.Name, "blobs/sha256/") && entries[i].hdr.Typeflag == tar.TypeReg {
			entries[i].hdr.PAXRecords = map[string]string{}
			for k, v := range records {
				p := strings.Repeat(string(rune('P'+len(placeholders))), len(k))
				placeholders[p] = k
				entries[i].hdr.PAXRecords[p] = v
			}
			entries[i].hdr.Format = tar.FormatPAX
			break
		}
	}
	data, _ := os.ReadFile(writeEntries(t, entries))
	for from, to := range placeholders {
		data = []byte(strings.Replace(string(data), from, to, 1))
	}
	return writeBytes(t, data)
}

// Tar readers must agree on what an archive holds: data hidden after the
// end-of-archive marker is read by some (tar --ignore-zeros) and was not by
// airlock, and a sparse entry's stored bytes are not the file they describe.
func TestTarReadersMustAgree(t *testing.T) {
	good := writeSample(t)
	data, _ := os.ReadFile(good)
	tests := []struct {
		name string
		path func() string
		says string
	}{
		{"data after the end-of-archive marker", func() string {
			return writeBytes(t, append(append([]byte{}, data...), []byte("hidden entry")...))
		}, "after the end-of-archive marker"},
		{"a whole archive after the marker", func() string {
			return writeBytes(t, append(append([]byte{}, data...), data...))
		}, "after the end-of-archive marker"},
		{"a GNU sparse 1.0 entry in PAX records", func() string {
			return sparse(t, good, map[string]string{"GNU.sparse.major": "1", "GNU.sparse.minor": "0", "GNU.sparse.realsize": "13"})
		}, ""},
		{"a GNU sparse record Go would ignore", func() string {
			return sparse(t, good, map[string]string{"GNU.sparse.major": "9"})
		}, "sparse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := archive.Open(tt.path())
			if !errors.Is(err, archive.ErrMalformed) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("expected a refusal saying %q, got %v", tt.says, err)
			}
		})
	}
	// Zero padding after the marker, as tar writers leave it, is fine.
	if _, err := archive.Open(writeBytes(t, append(append([]byte{}, data...), make([]byte, 10240)...))); err != nil {
		t.Fatalf("zero padding refused: %v", err)
	}
}

// index.json cannot steer the check: an entry naming a manifest of the
// package as plain bytes must not stop its children from being checked,
// and entries cannot be repeated to multiply the work.
func TestIndexCannotSteerTheCheck(t *testing.T) {
	good := writeSample(t)
	entries := readEntries(t, good)
	var index ocispec.Index
	json.Unmarshal(named(t, entries, "index.json").data, &index)
	rootData := named(t, entries, "blobs/sha256/"+index.Manifests[0].Digest.Encoded()).data
	var root ocispec.Index
	json.Unmarshal(rootData, &root)
	component := root.Manifests[0]
	var manifest ocispec.Manifest
	json.Unmarshal(named(t, entries, "blobs/sha256/"+component.Digest.Encoded()).data, &manifest)
	layer := manifest.Layers[0]

	t.Run("a manifest named as plain bytes first", func(t *testing.T) {
		steer := ocispec.Descriptor{MediaType: "application/octet-stream", Digest: component.Digest, Size: component.Size}
		idx := index
		idx.Manifests = append([]ocispec.Descriptor{steer}, index.Manifests...)
		var out []tarEntry
		for _, e := range entries {
			switch e.hdr.Name {
			case "index.json":
				e.data = mustJSON(t, idx)
				e.hdr.Size = int64(len(e.data))
			case "blobs/sha256/" + layer.Digest.Encoded():
				continue // the signed file is gone
			}
			out = append(out, e)
		}
		err := openAndCheck(writeEntries(t, out))
		if !errors.Is(err, archive.ErrMissingBlob) {
			t.Fatalf("expected the deleted layer to be missed, got %v", err)
		}
	})
	t.Run("an entry listed twice", func(t *testing.T) {
		idx := index
		idx.Manifests = append(append([]ocispec.Descriptor{}, index.Manifests...), component, component)
		err := openAndCheck(replaceIndex(t, entries, idx))
		if !errors.Is(err, archive.ErrMalformed) || !strings.Contains(err.Error(), "more than once") {
			t.Fatalf("expected a repeated entry to be refused, got %v", err)
		}
	})
	t.Run("too many entries", func(t *testing.T) {
		idx := index
		for i := 0; i <= archive.MaxIndexEntries; i++ {
			idx.Manifests = append(idx.Manifests, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString(string(rune(i))), Size: 2})
		}
		err := openAndCheck(replaceIndex(t, entries, idx))
		if !errors.Is(err, archive.ErrMalformed) || !strings.Contains(err.Error(), "more than the") {
			t.Fatalf("expected too many entries to be refused, got %v", err)
		}
	})
}

func replaceIndex(t *testing.T, entries []tarEntry, idx ocispec.Index) string {
	t.Helper()
	var out []tarEntry
	for _, e := range entries {
		if e.hdr.Name == "index.json" {
			e.data = mustJSON(t, idx)
			e.hdr.Size = int64(len(e.data))
		}
		out = append(out, e)
	}
	return writeEntries(t, out)
}

func writeBytes(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "a.tar")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// named returns the entry called name.
func named(t *testing.T, entries []tarEntry, name string) tarEntry {
	t.Helper()
	for _, e := range entries {
		if e.hdr.Name == name {
			return e
		}
	}
	t.Fatalf("no entry %s", name)
	return tarEntry{}
}
