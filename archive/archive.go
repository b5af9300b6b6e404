// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package archive reads and writes a package's transfer archive: an
// uncompressed tar of an OCI image layout (oci-layout, index.json and
// blobs/<algorithm>/<hex>), which oras, crane and skopeo can read.
//
// Writing is deterministic: the same graph gives a byte-identical archive.
// Reading treats the archive as hostile. [Open] makes one pass over the tar
// headers without extracting anything, accepting only the names a layout has,
// regular files and folders (no links, devices, duplicates or sparse
// entries), a bounded index.json, and nothing but zeros after the
// end-of-archive marker, so that every tar reader sees the same files; blob
// content is then read in place through section readers, each checked
// against its digest as it is read. [Reader.Check] walks the graph from the
// package root and every index.json entry so that every descriptor names a
// present blob of the stated size and digest, and hashes every blob once, in
// parallel.
package archive

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"

	"github.com/airlock-dev/airlock/spec"
)

// Errors a caller can branch on; each is wrapped with the subject and what was
// expected and found.
var (
	// ErrMalformed marks an archive that is not a well-formed OCI layout tar.
	ErrMalformed = errors.New("malformed archive")
	// ErrDigestMismatch marks content whose digest or size is not the one its name or descriptor claims.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrMissingBlob marks a descriptor naming a blob the archive does not hold.
	ErrMissingBlob = errors.New("missing blob")
	// ErrIncomplete marks an archive that ends early: a copy cut short, which
	// is not content that does not match (a verifier reports it as "could
	// not verify", not as tampering).
	ErrIncomplete = errors.New("incomplete archive: the file ends early")
)

// LayoutFile is the content of the oci-layout file airlock writes.
const LayoutFile = `{"imageLayoutVersion":"1.0.0"}`

// MaxEntries bounds the number of tar entries read: far more than any package
// has, small enough that the in-memory entry table stays a few MiB.
const MaxEntries = 100000

// MaxIndexEntries bounds the manifests an archive's index.json may list (the
// root and every signature and attestation of it and of its images).
const MaxIndexEntries = 10000

// MaxTrailer bounds the bytes after the end-of-archive marker, which must all
// be zero: tar writers pad the last record (GNU tar to 10 KiB), and data
// hidden there is what other tar readers may read and airlock would not.
const MaxTrailer = 1 << 20

// entry is a regular file of the archive: where its data starts and how long it is.
type entry struct {
	offset, size int64
}

// Reader reads a package archive in place. It is safe for concurrent use.
type Reader struct {
	f     *file
	blobs map[digest.Digest]entry
	index ocispec.Index
}

var _ content.ReadOnlyStorage = (*Reader)(nil)

// Open indexes the archive at path: one pass over its tar headers, skipping
// blob data. It rejects anything that is not part of an OCI layout. Close the
// Reader when done.
func Open(path string) (*Reader, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, fmt.Errorf("open archive: %w", err)
	}
	r := &Reader{f: f, blobs: map[digest.Digest]entry{}}
	if err := r.scan(); err != nil {
		f.Close()
		if n := len(f.names); n > 1 && errors.Is(err, ErrIncomplete) {
			err = fmt.Errorf("%w (its %d parts end with %s: is a later part missing?)", err, n, filepath.Base(f.names[n-1]))
		}
		return nil, fmt.Errorf("open archive %s: %w", path, err)
	}
	return r, nil
}

// Close releases the archive file.
func (r *Reader) Close() error { return r.f.Close() }

// Index returns the archive's index.json.
func (r *Reader) Index() ocispec.Index { return r.index }

func (r *Reader) scan() error {
	sc := &scanner{r: r, size: r.f.size, seen: map[string]bool{}}
	tr := tar.NewReader(r.f)
	for n := 0; ; n++ {
		hdr, err := tr.Next()
		switch {
		case errors.Is(err, io.EOF):
			return sc.finish()
		case errors.Is(err, io.ErrUnexpectedEOF) && sc.end+blockSize > sc.size:
			return fmt.Errorf("%w: it ends inside a tar header", ErrIncomplete)
		case err != nil:
			return fmt.Errorf("%w: reading tar header: %v", ErrMalformed, err)
		case n >= MaxEntries:
			return fmt.Errorf("%w: more than %d entries", ErrMalformed, MaxEntries)
		}
		if err := sc.add(hdr); err != nil {
			return err
		}
	}
}

// scanner indexes an archive's entries as the tar reader meets them.
type scanner struct {
	r             *Reader
	size          int64
	seen          map[string]bool
	layout, index *entry
	// end is where the last entry's data (padded to a block) ends.
	end int64
}

// add validates one entry and records where its data lies.
func (sc *scanner) add(hdr *tar.Header) error {
	if err := plainEntry(hdr); err != nil {
		return err
	}
	name, err := entryName(hdr)
	if err != nil {
		return err
	}
	if sc.seen[name] {
		return fmt.Errorf("%w: duplicate entry %q", ErrMalformed, hdr.Name)
	}
	sc.seen[name] = true
	offset, err := sc.r.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	size := hdr.Size
	if hdr.Typeflag == tar.TypeDir {
		size = 0
	}
	if size < 0 || offset+size > sc.size {
		return fmt.Errorf("%w: entry %q is cut short: expected %d bytes at offset %d, the file has %d", ErrIncomplete, hdr.Name, size, offset, sc.size)
	}
	sc.end = offset + (size+blockSize-1)/blockSize*blockSize
	if hdr.Typeflag == tar.TypeDir {
		return nil
	}
	e := entry{offset: offset, size: size}
	switch name {
	case ocispec.ImageLayoutFile:
		sc.layout = &e
	case ocispec.ImageIndexFile:
		sc.index = &e
	default:
		sc.r.blobs[digest.Digest(strings.Replace(strings.TrimPrefix(name, "blobs/"), "/", ":", 1))] = e
	}
	return nil
}

// blockSize is tar's block.
const blockSize = 512

// finish checks the end of the archive and reads its layout and index.
func (sc *scanner) finish() error {
	if err := sc.r.checkEnd(sc.size, sc.end); err != nil {
		return err
	}
	if sc.layout == nil {
		return fmt.Errorf("%w: no %s file", ErrMalformed, ocispec.ImageLayoutFile)
	}
	if sc.index == nil {
		return fmt.Errorf("%w: no %s file", ErrMalformed, ocispec.ImageIndexFile)
	}
	if err := sc.r.readLayout(*sc.layout); err != nil {
		return err
	}
	return sc.r.readIndex(*sc.index)
}

// plainEntry refuses entries whose data is not where their header says:
// GNU sparse files (in PAX records; the old 'S' type is refused as a type),
// whose stored bytes differ from the file they describe.
func plainEntry(hdr *tar.Header) error {
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return fmt.Errorf("%w: entry %q: expected a plain file, found a sparse one (PAX record %s)", ErrMalformed, hdr.Name, k)
		}
	}
	return nil
}

// checkEnd makes sure the archive ends with its end-of-archive marker (two
// zero blocks after the last entry: without them it is a copy cut short at a
// block boundary) and that nothing but zero padding follows the marker,
// where the tar reader stopped.
func (r *Reader) checkEnd(fileSize, lastEnd int64) error {
	offset, err := r.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if offset < lastEnd+2*blockSize {
		return fmt.Errorf("%w: it ends at byte %d, before its end-of-archive marker", ErrIncomplete, offset)
	}
	if extra := r.f.partsFrom(offset); len(extra) > 0 {
		return fmt.Errorf("extra parts %s after the archive's end: left from an older split? Remove them", strings.Join(extra, ", "))
	}
	if fileSize-offset > MaxTrailer {
		return fmt.Errorf("%w: %d bytes after the end-of-archive marker, more than the %d of padding allowed", ErrMalformed, fileSize-offset, MaxTrailer)
	}
	buf := make([]byte, fileSize-offset)
	if _, err := r.f.ReadAt(buf, offset); err != nil {
		return fmt.Errorf("read the end of the archive: %w", err)
	}
	for i, b := range buf {
		if b != 0 {
			return fmt.Errorf("%w: data after the end-of-archive marker (offset %d): other tar readers may read what airlock does not check", ErrMalformed, offset+int64(i))
		}
	}
	return nil
}

// entryName validates a tar entry and returns its clean name. Only the names
// an OCI layout has are accepted, so no entry can point outside the layout.
func entryName(hdr *tar.Header) (string, error) {
	name := strings.TrimPrefix(hdr.Name, "./")
	isDir := hdr.Typeflag == tar.TypeDir
	if isDir {
		name = strings.TrimSuffix(name, "/")
	}
	if hdr.Typeflag != tar.TypeReg && !isDir {
		return "", fmt.Errorf("%w: entry %q: expected a regular file or folder, found tar type %q", ErrMalformed, hdr.Name, hdr.Typeflag)
	}
	if name == "" || name == "." {
		if isDir {
			return ".", nil
		}
		return "", fmt.Errorf("%w: entry %q has no name", ErrMalformed, hdr.Name)
	}
	if path.Clean(name) != name || path.IsAbs(name) {
		return "", fmt.Errorf("%w: entry %q: expected a clean relative name", ErrMalformed, hdr.Name)
	}
	switch {
	case name == ocispec.ImageLayoutFile || name == ocispec.ImageIndexFile:
		if isDir {
			return "", fmt.Errorf("%w: entry %q: expected a file, found a folder", ErrMalformed, hdr.Name)
		}
		return name, nil
	case name == ocispec.ImageBlobsDir:
		if !isDir {
			return "", fmt.Errorf("%w: entry %q: expected a folder, found a file", ErrMalformed, hdr.Name)
		}
		return name, nil
	}
	parts := strings.Split(name, "/")
	if parts[0] != ocispec.ImageBlobsDir || len(parts) > 3 {
		return "", fmt.Errorf("%w: entry %q is not part of an OCI layout", ErrMalformed, hdr.Name)
	}
	alg := digest.Algorithm(parts[1])
	if !alg.Available() {
		return "", fmt.Errorf("%w: entry %q: unsupported digest algorithm %q", ErrMalformed, hdr.Name, parts[1])
	}
	if len(parts) == 2 {
		if !isDir {
			return "", fmt.Errorf("%w: entry %q: expected a folder, found a file", ErrMalformed, hdr.Name)
		}
		return name, nil
	}
	if isDir {
		return "", fmt.Errorf("%w: entry %q: expected a blob, found a folder", ErrMalformed, hdr.Name)
	}
	if err := digest.NewDigestFromEncoded(alg, parts[2]).Validate(); err != nil {
		return "", fmt.Errorf("%w: entry %q: blob name is not a %s digest: %v", ErrMalformed, hdr.Name, alg, err)
	}
	return name, nil
}

func (r *Reader) readLayout(e entry) error {
	data, err := r.readSmall(e, 4096, ocispec.ImageLayoutFile)
	if err != nil {
		return err
	}
	var l ocispec.ImageLayout
	if err := json.Unmarshal(data, &l); err != nil || l.Version != ocispec.ImageLayoutVersion {
		return fmt.Errorf("%w: %s: expected imageLayoutVersion %q, found %q", ErrMalformed, ocispec.ImageLayoutFile, ocispec.ImageLayoutVersion, data)
	}
	return nil
}

func (r *Reader) readIndex(e entry) error {
	data, err := r.readSmall(e, spec.MaxIndexSize, ocispec.ImageIndexFile)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &r.index); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, ocispec.ImageIndexFile, err)
	}
	if r.index.SchemaVersion != 2 {
		return fmt.Errorf("%w: %s: expected schemaVersion 2, found %d", ErrMalformed, ocispec.ImageIndexFile, r.index.SchemaVersion)
	}
	if n := len(r.index.Manifests); n > MaxIndexEntries {
		return fmt.Errorf("%w: %s lists %d manifests, more than the %d allowed", ErrMalformed, ocispec.ImageIndexFile, n, MaxIndexEntries)
	}
	listed := map[digest.Digest]bool{}
	for _, d := range r.index.Manifests {
		if err := d.Digest.Validate(); err != nil {
			return fmt.Errorf("%w: %s: entry digest %q: %v", ErrMalformed, ocispec.ImageIndexFile, d.Digest, err)
		}
		if listed[d.Digest] {
			return fmt.Errorf("%w: %s lists %s more than once", ErrMalformed, ocispec.ImageIndexFile, d.Digest)
		}
		listed[d.Digest] = true
	}
	return nil
}

func (r *Reader) readSmall(e entry, limit int64, name string) ([]byte, error) {
	if e.size > limit {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than the %d allowed", ErrMalformed, name, e.size, limit)
	}
	data := make([]byte, e.size)
	if _, err := r.f.ReadAt(data, e.offset); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}

// Exists reports whether the archive holds a blob with the descriptor's digest.
func (r *Reader) Exists(_ context.Context, desc ocispec.Descriptor) (bool, error) {
	_, ok := r.blobs[desc.Digest]
	return ok, nil
}

// Fetch returns the blob's content, read in place. The size in desc must match
// the archive's; the digest is verified as the content is read (a mismatch is
// reported when its size has been read, instead of its last bytes), so
// callers never see unverified bytes end to end.
func (r *Reader) Fetch(_ context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	e, ok := r.blobs[desc.Digest]
	if !ok {
		return nil, fmt.Errorf("%s: %w: %w", desc.Digest, ErrMissingBlob, errdef.ErrNotFound)
	}
	if e.size != desc.Size {
		return nil, fmt.Errorf("%s: %w: expected size %d, found %d", desc.Digest, ErrDigestMismatch, desc.Size, e.size)
	}
	return io.NopCloser(&verifyingReader{
		r:     io.NewSectionReader(r.f, e.offset, e.size),
		v:     desc.Digest.Verifier(),
		desc:  desc,
		where: r.f.where(e.offset, e.size),
	}), nil
}

// Raw returns a blob's content as stored, without checking its digest: for
// a caller that hashes the bytes it uses itself, and uses none before they
// matched (as [Reader.Check] does, and extract, which hashes while it
// writes into a folder it renames into place only then).
func (r *Reader) Raw(desc ocispec.Descriptor) (*io.SectionReader, error) { return r.section(desc) }

// section returns the blob's content as stored, without checking its
// digest, for [Reader.Check], which hashes it itself.
func (r *Reader) section(desc ocispec.Descriptor) (*io.SectionReader, error) {
	e, ok := r.blobs[desc.Digest]
	if !ok {
		return nil, fmt.Errorf("%s: %w", desc.Digest, ErrMissingBlob)
	}
	if e.size != desc.Size {
		return nil, fmt.Errorf("%s: %w: expected size %d, found %d", desc.Digest, ErrDigestMismatch, desc.Size, e.size)
	}
	return io.NewSectionReader(r.f, e.offset, e.size), nil
}

// verifyingReader checks a digest as soon as its size has been read (a
// reader that knows the length, such as an HTTP request body, may never ask
// for the EOF after it), and holds back the last bytes of content that does
// not match: a consumer never receives all of it.
type verifyingReader struct {
	r     io.Reader
	v     digest.Verifier
	desc  ocispec.Descriptor
	where string
	read  int64
}

func (vr *verifyingReader) Read(p []byte) (int, error) {
	n, err := vr.r.Read(p)
	vr.v.Write(p[:n])
	vr.read += int64(n)
	if (vr.read >= vr.desc.Size || errors.Is(err, io.EOF)) && !vr.v.Verified() {
		return 0, fmt.Errorf("%s%s: %w: content does not hash to its name", vr.desc.Digest, vr.where, ErrDigestMismatch)
	}
	return n, err
}
