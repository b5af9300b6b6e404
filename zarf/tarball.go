// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package zarf

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/internal/limited"
)

// zstdMagic starts every zstd frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// maxTrailer bounds what may follow a tarball's end-of-archive marker
// (zeros only).
const maxTrailer = 1 << 20

// Tarball is a Zarf package tarball: a .tar, a .tar.zst, or the .part000
// of a split package, read once, as a stream.
type Tarball struct {
	// Path is the file given; Parts the files read, in order.
	Path  string
	Parts []string
	// Compressed says the tar is zstd-compressed.
	Compressed bool
	split      *splitInfo
}

// splitInfo is a split package's .part000.
type splitInfo struct {
	Sha256Sum string
	Bytes     int64
	Count     int
}

// OpenTarball finds how to read the package at path.
func OpenTarball(path string) (*Tarball, error) {
	t := &Tarball{Path: path, Parts: []string{path}}
	if base, ok := strings.CutSuffix(path, ".part000"); ok {
		if err := t.openSplit(base); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(t.Parts[0])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	t.Compressed = n == 4 && bytes.Equal(head, zstdMagic)
	return t, nil
}

// openSplit reads a split package's .part000 and finds its parts.
func (t *Tarball) openSplit(base string) error {
	data, err := limited.ReadFile(t.Path, 4096)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalid, t.Path, err)
	}
	var s splitInfo
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil || s.Count < 1 || s.Count > 999 || s.Bytes < 0 || len(s.Sha256Sum) != 64 {
		return fmt.Errorf("%w: %s: expected {\"Sha256Sum\",\"Bytes\",\"Count\"}, found %q", ErrInvalid, t.Path, data)
	}
	t.split, t.Parts = &s, nil
	for i := 1; i <= s.Count; i++ {
		name := fmt.Sprintf("%s.part%03d", base, i)
		if _, err := os.Stat(name); err != nil {
			return fmt.Errorf("missing part %s of %d: %w", name, s.Count, err)
		}
		t.Parts = append(t.Parts, name)
	}
	if _, err := os.Stat(fmt.Sprintf("%s.part%03d", base, s.Count+1)); err == nil {
		return fmt.Errorf("%w: %s says %d parts, found more", ErrInvalid, t.Path, s.Count)
	}
	return nil
}

// Walk reads the tarball once, hashing every file, and calls visit for
// each regular file with a reader of its content (visit may read all of
// it, some or none). Only regular files and folders are accepted, at
// clean relative paths, each once. It returns each file's sha256.
func (t *Tarball) Walk(ctx context.Context, visit func(name string, r io.Reader) error) (map[string]digest.Digest, error) {
	raw, whole, closeAll, err := t.open()
	if err != nil {
		return nil, err
	}
	defer closeAll()
	r := io.Reader(bufio.NewReaderSize(limited.Context(ctx, raw), 1<<20))
	if t.Compressed {
		zr, err := zstd.NewReader(r, zstd.WithDecoderMaxWindow(1<<27), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("%w: zstd: %v", ErrInvalid, err)
		}
		defer zr.Close()
		r = zr
	}
	files, err := walkTar(r, visit)
	if err != nil {
		return nil, err
	}
	if err := t.checkSplit(raw, whole); err != nil {
		return nil, err
	}
	return files, nil
}

// open returns the tarball's bytes, all parts in order, and, for a split
// package, the hash of them all.
func (t *Tarball) open() (io.Reader, hash.Hash, func(), error) {
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	var readers []io.Reader
	for _, p := range t.Parts {
		f, err := os.Open(p)
		if err != nil {
			closeAll()
			return nil, nil, nil, err
		}
		files, readers = append(files, f), append(readers, f)
	}
	r := io.MultiReader(readers...)
	if t.split == nil {
		return r, nil, closeAll, nil
	}
	h := sha256.New()
	return io.TeeReader(r, h), h, closeAll, nil
}

// checkSplit checks a split package's parts against its .part000, once
// everything was read.
func (t *Tarball) checkSplit(rest io.Reader, h hash.Hash) error {
	if t.split == nil {
		return nil
	}
	if _, err := io.Copy(io.Discard, rest); err != nil {
		return err
	}
	var size int64
	for _, p := range t.Parts {
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		size += info.Size()
	}
	if sum := hex.EncodeToString(h.Sum(nil)); size != t.split.Bytes || sum != t.split.Sha256Sum {
		return fmt.Errorf("%w: the parts of %s hold %d bytes hashing to %s, .part000 says %d bytes hashing to %s", ErrDigestMismatch, t.Path, size, sum, t.split.Bytes, t.split.Sha256Sum)
	}
	return nil
}

// ErrDigestMismatch marks content that does not hash to what vouches for it.
var ErrDigestMismatch = errors.New("digest mismatch")

// walkTar reads a tar stream strictly, hashing every file.
func walkTar(r io.Reader, visit func(string, io.Reader) error) (map[string]digest.Digest, error) {
	files := map[string]digest.Digest{}
	seen := map[string]bool{}
	tr := tar.NewReader(r)
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, checkTrailer(r)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: reading the tarball: %v", ErrInvalid, err)
		}
		name := trimName(hdr.Name)
		switch {
		case n >= MaxFiles:
			return nil, fmt.Errorf("%w: more than %d entries", ErrInvalid, MaxFiles)
		case hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeDir:
			return nil, fmt.Errorf("%w: entry %q: expected a file or folder, found tar type %q", ErrInvalid, hdr.Name, hdr.Typeflag)
		case SafePath(name) != nil:
			return nil, fmt.Errorf("%w: entry %q: %v", ErrInvalid, hdr.Name, SafePath(name))
		case seen[name]:
			return nil, fmt.Errorf("%w: entry %q appears twice", ErrInvalid, hdr.Name)
		}
		seen[name] = true
		if hdr.Typeflag == tar.TypeDir {
			continue
		}
		h := sha256.New()
		body := io.TeeReader(tr, h)
		if visit != nil {
			if err := visit(name, body); err != nil {
				return nil, err
			}
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return nil, fmt.Errorf("%w: entry %q: %v", ErrInvalid, hdr.Name, err)
		}
		files[name] = digest.NewDigest(digest.SHA256, h)
	}
}

// checkTrailer refuses anything but zeros after the tar's end.
func checkTrailer(r io.Reader) error {
	buf := make([]byte, 32<<10)
	var total int64
	for {
		n, err := r.Read(buf)
		for _, b := range buf[:n] {
			if b != 0 {
				return fmt.Errorf("%w: data after the tarball's end-of-archive marker", ErrInvalid)
			}
		}
		if total += int64(n); total > maxTrailer {
			return fmt.Errorf("%w: more than %d bytes after the tarball's end", ErrInvalid, maxTrailer)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: after the tarball's end: %v", ErrInvalid, err)
		}
	}
}

// IsTarball reports whether the file at path is a Zarf package tarball, by
// its content: zstd-compressed, the .part000 of a split package, or a tar
// whose first entry is one Zarf writes first (its entries are sorted:
// checksums.txt, components, ...), where an airlock archive starts with
// oci-layout.
func IsTarball(path string) bool {
	if strings.HasSuffix(path, ".part000") {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 4)
	if n, _ := io.ReadFull(f, head); n == 4 && bytes.Equal(head, zstdMagic) {
		return true
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return false
	}
	hdr, err := tar.NewReader(f).Next()
	if err != nil {
		return false
	}
	switch strings.TrimPrefix(hdr.Name, "./") {
	case ChecksumsFile, "components", "components/", "images", "images/", DefinitionFile, BundleFile:
		return true
	}
	return false
}

// trimName is an entry's name as the package names its files.
func trimName(name string) string { return strings.TrimSuffix(strings.TrimPrefix(name, "./"), "/") }

func sortedKeys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
