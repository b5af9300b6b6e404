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
	"github.com/airlock-dev/airlock/internal/pipe"
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
	// Read, if set, is told of every n bytes of the tarball read (for
	// progress).
	Read  func(n int)
	split *splitInfo
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
	r, raw, whole, closeAll, err := t.stream(ctx)
	if err != nil {
		return nil, err
	}
	defer closeAll()
	files, err := walkTar(r, func(e entry) error {
		if e.hdr.Typeflag == tar.TypeDir || visit == nil {
			return nil
		}
		return visit(e.name, e.body)
	}, nil)
	if err != nil {
		return nil, err
	}
	if err := t.checkSplit(raw, whole); err != nil {
		return nil, err
	}
	return files, nil
}

// maxRatio bounds how many times larger than the tarball its content may
// be once decompressed (beyond a first maxExpansion), so that a small
// hostile package cannot make a reader decompress, and hash or write,
// without end. Real packages hold images and archives that compress
// little.
const (
	maxRatio     = 1024
	maxExpansion = 64 << 20
)

// stream returns the tarball's tar stream (decompressed, bounded), its raw
// bytes (for a split package, hashed as they are read into whole), and a
// function that closes it all.
func (t *Tarball) stream(ctx context.Context) (tarStream io.Reader, raw io.Reader, whole hash.Hash, closeAll func(), err error) {
	raw, whole, closeFiles, err := t.open()
	if err != nil {
		return nil, nil, nil, nil, err
	}
	r := io.Reader(bufio.NewReaderSize(limited.Context(ctx, raw), 1<<20))
	if !t.Compressed {
		return r, raw, whole, closeFiles, nil
	}
	zr, err := zstd.NewReader(r, zstd.WithDecoderMaxWindow(1<<27), zstd.WithDecoderConcurrency(1))
	if err != nil {
		closeFiles()
		return nil, nil, nil, nil, fmt.Errorf("%w: zstd: %v", ErrInvalid, err)
	}
	var size int64
	for _, p := range t.Parts {
		if info, err := os.Stat(p); err == nil {
			size += info.Size()
		}
	}
	// Decompressing on one core, reading the tar and hashing on another.
	ahead := pipe.ReadAhead(zr)
	bound := &boundedReader{r: ahead, left: maxExpansion + maxRatio*size, ratio: maxRatio}
	return bound, raw, whole, func() { ahead.Close(); zr.Close(); closeFiles() }, nil
}

// boundedReader refuses to deliver more than left bytes.
type boundedReader struct {
	r     io.Reader
	left  int64
	ratio int
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("%w: the tarball decompresses to more than %d times its size: refused as a decompression bomb", ErrInvalid, b.ratio)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
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
	if t.Read != nil {
		r = counting{r: r, read: t.Read}
	}
	if t.split == nil {
		return r, nil, closeAll, nil
	}
	h := sha256.New()
	return io.TeeReader(r, h), h, closeAll, nil
}

// counting tells read of every read.
type counting struct {
	r    io.Reader
	read func(int)
}

func (c counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.read(n)
	}
	return n, err
}

// Size is the tarball's size in bytes, its parts' together.
func (t *Tarball) Size() int64 {
	var size int64
	for _, p := range t.Parts {
		if info, err := os.Stat(p); err == nil {
			size += info.Size()
		}
	}
	return size
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

// entry is one entry of a tarball as the strict walk yields it: a file
// with its content, or a folder.
type entry struct {
	hdr  *tar.Header
	name string
	body io.Reader
}

// walkTar reads a tar stream strictly, calling each for every entry and,
// once a file was read to its end, done with its sha256 (when done is not
// nil). Only regular files and folders are accepted, without sparse
// records, at clean relative paths, each once, with nothing after the end
// but zeros. It returns every file's sha256.
func walkTar(r io.Reader, each func(entry) error, done func(string, digest.Digest) error) (map[string]digest.Digest, error) {
	files := map[string]digest.Digest{}
	seen := map[string]bool{}
	tr := tar.NewReader(r)
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, checkTrailer(r)
		}
		if err != nil {
			return nil, invalid("reading the tarball", err)
		}
		name := trimName(hdr.Name)
		if err := checkEntry(hdr, name, n, seen); err != nil {
			return nil, err
		}
		seen[name] = true
		if hdr.Typeflag == tar.TypeDir {
			if err := each(entry{hdr: hdr, name: name, body: bytes.NewReader(nil)}); err != nil {
				return nil, err
			}
			continue
		}
		h := sha256.New()
		body := &contentReader{r: io.TeeReader(tr, h), name: hdr.Name}
		if err := each(entry{hdr: hdr, name: name, body: body}); err != nil {
			return nil, err
		}
		if _, err := io.Copy(io.Discard, body); err != nil {
			return nil, err
		}
		files[name] = digest.NewDigest(digest.SHA256, h)
		if done != nil {
			if err := done(name, files[name]); err != nil {
				return nil, err
			}
		}
	}
}

// checkEntry refuses an entry Zarf would not write.
func checkEntry(hdr *tar.Header, name string, n int, seen map[string]bool) error {
	switch {
	case n >= MaxFiles:
		return fmt.Errorf("%w: more than %d entries", ErrInvalid, MaxFiles)
	case hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeDir:
		return fmt.Errorf("%w: entry %q: expected a file or folder, found tar type %q", ErrInvalid, hdr.Name, hdr.Typeflag)
	case SafePath(name) != nil:
		return fmt.Errorf("%w: entry %q: %v", ErrInvalid, hdr.Name, SafePath(name))
	case seen[name]:
		return fmt.Errorf("%w: entry %q appears twice", ErrInvalid, hdr.Name)
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return fmt.Errorf("%w: entry %q: expected a plain file, found a sparse one", ErrInvalid, hdr.Name)
		}
	}
	return nil
}

// invalid is an error met reading the tarball: a malformed one, unless the
// read was cancelled.
func invalid(where string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %s: %v", ErrInvalid, where, err)
}

// contentReader reads a file's content from the tarball: an error is a
// truncated or malformed tarball (unless the read was cancelled), whatever
// reads it.
type contentReader struct {
	r    io.Reader
	name string
}

func (c *contentReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, ErrInvalid) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w: entry %q: %v", ErrInvalid, c.name, err)
	}
	return n, err
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
			return invalid("after the tarball's end", err)
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
