// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package archive

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/internal/pipe"
	"github.com/airlock-dev/airlock/spec"
)

// epoch is the modification time of every entry, so that archives are
// byte-identical whenever their content is.
var epoch = time.Unix(0, 0).UTC()

// Options tunes how an archive is written. The zero value writes every
// blob, in one file.
type Options struct {
	// Omit leaves out the blobs it returns true for: a differential
	// archive, whose base holds them. Default: none.
	Omit func(ocispec.Descriptor) bool
	// Annotations are index.json's (a differential archive names its base).
	Annotations map[string]string
	// PartSize, when set, writes the archive as parts of at most that many
	// bytes (PATH.001, PATH.002, ...) instead of one file ([WriteFileWith]).
	PartSize int64
}

// Write writes an archive holding every blob reachable from manifests (the
// entries of index.json, in that order) to w. Entries come in a fixed order:
// oci-layout, index.json, the blob folders, then blobs sorted by digest. Blobs
// are streamed from src, which is trusted to return what it was asked for
// (an archive [Reader] or a store that verified content as it was pushed).
func Write(ctx context.Context, w io.Writer, src content.ReadOnlyStorage, manifests []ocispec.Descriptor) error {
	return WriteWith(ctx, w, src, manifests, Options{})
}

// WriteWith is [Write] with options (PartSize aside, which is a file's).
func WriteWith(ctx context.Context, w io.Writer, src content.ReadOnlyStorage, manifests []ocispec.Descriptor, opts Options) error {
	return writeWith(ctx, w, src, manifests, opts, nil)
}

func writeWith(ctx context.Context, w io.Writer, src content.ReadOnlyStorage, manifests []ocispec.Descriptor, opts Options, rw *resumeWriter) error {
	all, err := collect(ctx, src, manifests)
	if err != nil {
		return err
	}
	var blobs []ocispec.Descriptor
	for _, d := range all {
		if opts.Omit == nil || !opts.Omit(d) {
			blobs = append(blobs, d)
		}
	}
	index, err := json.Marshal(ocispec.Index{
		Versioned:   specs.Versioned{SchemaVersion: 2},
		MediaType:   ocispec.MediaTypeImageIndex,
		Manifests:   manifests,
		Annotations: opts.Annotations,
	})
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	if err := writeFile(tw, ocispec.ImageLayoutFile, []byte(LayoutFile)); err != nil {
		return err
	}
	if err := writeFile(tw, ocispec.ImageIndexFile, index); err != nil {
		return err
	}
	if err := writeDirs(tw, blobs); err != nil {
		return err
	}
	for _, d := range blobs {
		if err := writeBlob(ctx, tw, src, d, rw); err != nil {
			return err
		}
	}
	return tw.Close()
}

// Finish adds, once every blob of an archive was written, more manifests
// (their blobs read from src) to the end of the archive.
type Finish func(ctx context.Context) (manifests []ocispec.Descriptor, src content.Fetcher, err error)

// WriteFinished is [Write] for content only known once everything else was
// written and read (a record signed only after the blobs it vouches for
// were checked): blobs first, then what finish returns and its blobs, and
// index.json, listing manifests then finish's, last. Readers find entries
// in any order; the archive is still complete only at its end.
func WriteFinished(ctx context.Context, w io.Writer, src content.ReadOnlyStorage, manifests []ocispec.Descriptor, finish Finish) error {
	return writeFinished(ctx, w, src, manifests, finish, nil)
}

func writeFinished(ctx context.Context, w io.Writer, src content.ReadOnlyStorage, manifests []ocispec.Descriptor, finish Finish, rw *resumeWriter) error {
	blobs, err := collect(ctx, src, manifests)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	if err := writeFile(tw, ocispec.ImageLayoutFile, []byte(LayoutFile)); err != nil {
		return err
	}
	if err := writeDirs(tw, blobs); err != nil {
		return err
	}
	written := map[digest.Digest]bool{}
	for _, d := range blobs {
		if err := writeBlob(ctx, tw, src, d, rw); err != nil {
			return err
		}
		written[d.Digest] = true
	}
	more, moreSrc, err := finish(ctx)
	if err != nil {
		return err
	}
	extra, err := collect(ctx, moreSrc, more)
	if err != nil {
		return err
	}
	for _, d := range extra {
		if written[d.Digest] {
			continue
		}
		if d.Digest.Algorithm() != digest.SHA256 {
			return fmt.Errorf("write archive: %s: only sha256 blobs can be added last", d.Digest)
		}
		if err := writeBlob(ctx, tw, moreSrc, d, rw); err != nil {
			return err
		}
	}
	index, err := json.Marshal(ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageIndex,
		Manifests: append(append([]ocispec.Descriptor{}, manifests...), more...),
	})
	if err != nil {
		return err
	}
	if err := writeFile(tw, ocispec.ImageIndexFile, index); err != nil {
		return err
	}
	return tw.Close()
}

// collect lists the distinct blobs reachable from manifests, sorted by digest.
func collect(ctx context.Context, src content.Fetcher, manifests []ocispec.Descriptor) ([]ocispec.Descriptor, error) {
	seen := map[digest.Digest]ocispec.Descriptor{}
	var visit func(ocispec.Descriptor) error
	visit = func(d ocispec.Descriptor) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, ok := seen[d.Digest]; ok {
			return nil
		}
		seen[d.Digest] = ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size}
		if !spec.IsManifest(d.MediaType) {
			return nil
		}
		data, err := fetchManifest(ctx, src, d)
		if err != nil {
			return err
		}
		children, err := spec.Children(d.MediaType, data)
		if err != nil {
			return err
		}
		for _, c := range children {
			if err := visit(c); err != nil {
				return err
			}
		}
		return nil
	}
	for _, m := range manifests {
		if err := visit(m); err != nil {
			return nil, fmt.Errorf("write archive: %w", err)
		}
	}
	blobs := make([]ocispec.Descriptor, 0, len(seen))
	for _, d := range seen {
		blobs = append(blobs, d)
	}
	sort.Slice(blobs, func(i, j int) bool { return blobs[i].Digest < blobs[j].Digest })
	return blobs, nil
}

func fetchManifest(ctx context.Context, src content.Fetcher, d ocispec.Descriptor) ([]byte, error) {
	if d.Size > spec.MaxManifestSize {
		return nil, fmt.Errorf("manifest %s is %d bytes, more than the %d allowed", d.Digest, d.Size, spec.MaxManifestSize)
	}
	rc, err := src.Fetch(ctx, d)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return content.ReadAll(rc, d)
}

func header(name string, size int64, dir bool) *tar.Header {
	h := &tar.Header{Name: name, Size: size, Mode: 0o644, ModTime: epoch, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if dir {
		h.Mode, h.Typeflag, h.Size = 0o755, tar.TypeDir, 0
	}
	return h
}

func writeFile(tw *tar.Writer, name string, data []byte) error {
	if err := tw.WriteHeader(header(name, int64(len(data)), false)); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

func writeDirs(tw *tar.Writer, blobs []ocispec.Descriptor) error {
	if err := tw.WriteHeader(header(ocispec.ImageBlobsDir+"/", 0, true)); err != nil {
		return err
	}
	algs := map[digest.Algorithm]bool{}
	for _, d := range blobs {
		algs[d.Digest.Algorithm()] = true
	}
	names := make([]string, 0, len(algs))
	for a := range algs {
		names = append(names, a.String())
	}
	sort.Strings(names)
	for _, a := range names {
		if err := tw.WriteHeader(header(ocispec.ImageBlobsDir+"/"+a+"/", 0, true)); err != nil {
			return err
		}
	}
	return nil
}

// RawFetcher is a source that can also serve a blob's bytes unchecked,
// from offset on, for a writer that hashes them itself as it writes them
// (on another core) and lets nothing it wrote be used before they matched.
type RawFetcher interface {
	FetchRaw(ctx context.Context, desc ocispec.Descriptor, offset int64) (io.ReadCloser, error)
}

func writeBlob(ctx context.Context, tw *tar.Writer, src content.Fetcher, d ocispec.Descriptor, rw *resumeWriter) error {
	name := ocispec.ImageBlobsDir + "/" + d.Digest.Algorithm().String() + "/" + d.Digest.Encoded()
	if err := tw.WriteHeader(header(name, d.Size, false)); err != nil {
		return err
	}
	if rw.reusable() > 0 || !spec.IsManifest(d.MediaType) {
		if raw, ok := src.(RawFetcher); ok || rw.reusable() > 0 {
			return writeRaw(ctx, tw, rawSource{src, raw}, d, rw)
		}
	}
	rc, err := src.Fetch(ctx, d)
	if err != nil {
		return fmt.Errorf("write archive: %s: %w", d.Digest, err)
	}
	defer rc.Close()
	// The source checks the digest as it is read: on one goroutine, while
	// another writes what was read.
	counted := &countingWriter{w: tw}
	if err := pipe.Copy(counted, limited.Context(ctx, rc)); err != nil {
		return fmt.Errorf("write archive: blob %s: %w", d.Digest, err)
	}
	if counted.n != d.Size {
		return fmt.Errorf("write archive: %s: expected %d bytes, found %d", d.Digest, d.Size, counted.n)
	}
	return nil
}

// WriteFile writes an archive to path atomically: into a temporary file in
// the same folder, renamed into place only when complete. On failure nothing
// is left at path (and a file that was there is untouched).
func WriteFile(ctx context.Context, path string, src content.ReadOnlyStorage, manifests []ocispec.Descriptor) error {
	_, err := WriteFileWith(ctx, path, src, manifests, Options{})
	return err
}

// WriteFileWith is [WriteFile] with options; it returns the files written
// (the archive, or its parts).
func WriteFileWith(ctx context.Context, path string, src content.ReadOnlyStorage, manifests []ocispec.Descriptor, opts Options) ([]string, error) {
	if opts.PartSize > 0 {
		parts, err := NewParts(path, opts.PartSize)
		if err != nil {
			return nil, err
		}
		if err := WriteWith(ctx, parts, src, manifests, opts); err != nil {
			parts.Abort()
			return nil, err
		}
		return parts.Commit()
	}
	err := Atomic(path, func(f *os.File) error {
		return WriteWith(ctx, f, src, manifests, opts)
	})
	return []string{path}, err
}

// Atomic creates path by calling write on a temporary file beside it, syncing
// it and renaming it into place. If write fails the temporary file is removed.
func Atomic(path string, write func(*os.File) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// writeRaw writes a blob from unchecked bytes, hashing them on one
// goroutine as another writes them; the archive is only good if it ends
// with every blob matching, and is discarded otherwise. A blob resumed
// from what a file held that does not match is a [resumeMismatch]: its
// bytes are fetched again.
func writeRaw(ctx context.Context, tw *tar.Writer, src RawFetcher, d ocispec.Descriptor, rw *resumeWriter) error {
	start, held := rw.position(), rw.reusable()
	rc, err := rw.reuse(ctx, src, d)
	if err != nil {
		return fmt.Errorf("write archive: %s: %w", d.Digest, err)
	}
	defer rc.Close()
	if !d.Digest.Algorithm().Available() {
		return fmt.Errorf("write archive: %s: %w: unsupported digest algorithm", d.Digest, ErrDigestMismatch)
	}
	h := d.Digest.Algorithm().Hash()
	counted := &countingWriter{w: tw}
	err = pipe.FanOut(limited.Context(ctx, io.LimitReader(rc, d.Size+1)), counted, h)
	var mismatch error
	switch found := digest.NewDigest(d.Digest.Algorithm(), h); {
	case counted.n > d.Size || (err != nil && errors.Is(err, tar.ErrWriteTooLong)):
		mismatch = fmt.Errorf("write archive: blob %s: %w: more than its %d bytes arrived", d.Digest, ErrDigestMismatch, d.Size)
	case err != nil:
		return fmt.Errorf("write archive: blob %s: %w", d.Digest, err)
	case counted.n < d.Size:
		return fmt.Errorf("write archive: blob %s: expected %d bytes, found %d", d.Digest, d.Size, counted.n)
	case found != d.Digest:
		mismatch = fmt.Errorf("write archive: blob %s: %w: expected content hashing to %s, found content hashing to %s", d.Digest, ErrDigestMismatch, d.Digest, found)
	}
	if mismatch != nil && held > 0 {
		return &resumeMismatch{at: start, err: mismatch}
	}
	return mismatch
}

// countingWriter counts what passes through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
