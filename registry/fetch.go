// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/airlock-dev/airlock/spec"
)

// ErrDigestMismatch marks registry content that does not match its descriptor.
var ErrDigestMismatch = errors.New("registry content does not match its digest")

// Store reads a repository as untrusted content. Manifests are bounded by
// spec.MaxManifestSize; every read is checked against the descriptor's size
// and digest. Only content that arrived and does not match is an error
// wrapping [ErrDigestMismatch]: a blob download that breaks or ends early
// resumes where it stopped with a range request, up to Retries times with
// exponential backoff, and then fails with an error naming the registry
// (a broken link is never reported as tampering).
type Store struct {
	repo *remote.Repository
	// Retries is how many times a broken blob download resumes. Default:
	// MaxAttempts-1.
	Retries int
	// Backoff is the first wait before resuming; it doubles each time. Default 200ms.
	Backoff time.Duration
	// Progress, if set, is told of every byte read from a blob.
	Progress func(desc ocispec.Descriptor, n int)
}

var _ content.ReadOnlyStorage = (*Store)(nil)

// NewStore returns a Store reading repo.
func NewStore(repo *remote.Repository) *Store {
	return &Store{repo: repo, Retries: MaxAttempts - 1, Backoff: 200 * time.Millisecond}
}

// Repository returns the repository the store reads.
func (s *Store) Repository() *remote.Repository { return s.repo }

// Exists reports whether the repository holds desc.
func (s *Store) Exists(ctx context.Context, desc ocispec.Descriptor) (bool, error) {
	return s.repo.Exists(ctx, desc)
}

// Fetch returns desc's content, checked as it is read.
func (s *Store) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	if desc.Size < 0 {
		return nil, fmt.Errorf("%s: %w: negative size %d", desc.Digest, ErrDigestMismatch, desc.Size)
	}
	if spec.IsManifest(desc.MediaType) {
		if desc.Size > spec.MaxManifestSize {
			return nil, fmt.Errorf("manifest %s is %d bytes, more than the %d allowed", desc.Digest, desc.Size, spec.MaxManifestSize)
		}
		rc, err := s.repo.Manifests().Fetch(ctx, desc)
		if err != nil {
			return nil, s.wrap(desc, err)
		}
		return &namedReadCloser{ReadCloser: verified(rc, desc, nil), store: s, desc: desc}, nil
	}
	r := &resumingReader{ctx: ctx, store: s, desc: desc}
	if err := r.open(0); err != nil {
		return nil, s.wrap(desc, err)
	}
	return verified(r, desc, s.Progress), nil
}

// FetchRaw returns a blob's bytes from offset on as the registry sends them
// (by a range request; resumed after a dropped connection; at most one
// more than the blob holds), unchecked: for
// a caller that hashes what it reads itself and uses none of it before it
// matched, so that hashing and writing run on two cores. Manifests are
// returned checked, as by Fetch.
func (s *Store) FetchRaw(ctx context.Context, desc ocispec.Descriptor, offset int64) (io.ReadCloser, error) {
	if spec.IsManifest(desc.MediaType) || desc.Size < 0 || offset < 0 || offset > desc.Size {
		rc, err := s.Fetch(ctx, desc)
		if err == nil && offset > 0 {
			if _, err = io.CopyN(io.Discard, rc, offset); err != nil {
				rc.Close()
			}
		}
		return rc, err
	}
	r := &resumingReader{ctx: ctx, store: s, desc: desc, offset: offset}
	if err := r.open(offset); err != nil {
		return nil, s.wrap(desc, err)
	}
	return &rawReadCloser{r: io.LimitReader(r, desc.Size-offset+1), rc: r, desc: desc, progress: s.Progress}, nil
}

// rawReadCloser reports progress of an unchecked read.
type rawReadCloser struct {
	r        io.Reader
	rc       io.Closer
	desc     ocispec.Descriptor
	progress func(ocispec.Descriptor, int)
}

func (r *rawReadCloser) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if r.progress != nil && n > 0 {
		r.progress(r.desc, n)
	}
	return n, err
}

func (r *rawReadCloser) Close() error { return r.rc.Close() }

// wrap names the registry and repository in an error reading desc, unless
// the error already says the content does not match.
func (s *Store) wrap(desc ocispec.Descriptor, err error) error {
	if errors.Is(err, ErrDigestMismatch) {
		return err
	}
	return fmt.Errorf("registry %s: %s: %w", s.repo.Reference.Registry+"/"+s.repo.Reference.Repository, desc.Digest, err)
}

// namedReadCloser names the registry in a manifest read's transport error
// (blob reads name it when their retries end).
type namedReadCloser struct {
	io.ReadCloser
	store *Store
	desc  ocispec.Descriptor
}

func (n *namedReadCloser) Read(p []byte) (int, error) {
	c, err := n.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = n.store.wrap(n.desc, err)
	}
	return c, err
}

// verified wraps rc so that its last Read fails unless the content matched
// desc. Content that ends early is a transport failure, not a mismatch: it
// did not arrive.
func verified(rc io.ReadCloser, desc ocispec.Descriptor, progress func(ocispec.Descriptor, int)) io.ReadCloser {
	return &verifyingReadCloser{vr: content.NewVerifyReader(rc, desc), rc: rc, desc: desc, progress: progress}
}

type verifyingReadCloser struct {
	vr       *content.VerifyReader
	rc       io.ReadCloser
	desc     ocispec.Descriptor
	progress func(ocispec.Descriptor, int)
}

func (v *verifyingReadCloser) Read(p []byte) (int, error) {
	n, err := v.vr.Read(p)
	if v.progress != nil && n > 0 {
		v.progress(v.desc, n)
	}
	switch {
	case err == io.EOF:
		if verr := v.vr.Verify(); errors.Is(verr, content.ErrMismatchedDigest) || errors.Is(verr, content.ErrTrailingData) {
			return n, fmt.Errorf("%s: %w: expected %d bytes hashing to it: %v", v.desc.Digest, ErrDigestMismatch, v.desc.Size, verr)
		} else if verr != nil {
			return n, verr
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return n, fmt.Errorf("%s: expected %d bytes, the connection ended before all arrived: %w", v.desc.Digest, v.desc.Size, err)
	}
	return n, err
}

func (v *verifyingReadCloser) Close() error { return v.rc.Close() }

// resumingReader reads a blob, reopening it at the current offset with a
// range request when the connection breaks.
type resumingReader struct {
	ctx    context.Context // the caller's, for the duration of one Fetch's reads
	store  *Store
	desc   ocispec.Descriptor
	body   io.ReadCloser
	offset int64
	// tries counts the attempts since a resume last brought at least
	// resumeProgress new bytes: a link that keeps delivering is followed to
	// the end, one that delivers nothing more, or a trickle, is given up
	// after Retries.
	tries     int
	triedFrom int64
	// discarded counts the bytes read again from the start because the
	// registry answered a range request with the whole blob: at most the
	// blob's size, so a registry that ignores ranges cannot make a
	// download cost more than twice it.
	discarded int64
	// noRange is set once the registry refused a range request.
	noRange bool
}

// resumeProgress is how many new bytes a resumed download must bring for
// its attempts to count again from zero.
const resumeProgress = 64 << 10

func (r *resumingReader) Read(p []byte) (int, error) {
	for {
		n, err := r.body.Read(p)
		r.offset += int64(n)
		if err == nil || r.offset >= r.desc.Size {
			return n, err
		}
		if err == io.EOF { // ended early: what is missing did not arrive
			err = io.ErrUnexpectedEOF
		}
		if n > 0 {
			// Hand over what arrived; the next Read resumes.
			r.body.Close()
			r.body = io.NopCloser(errReader{err})
			return n, nil
		}
		if rerr := r.resume(err); rerr != nil {
			return 0, rerr
		}
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// resume waits and reopens the blob at r.offset.
func (r *resumingReader) resume(cause error) error {
	if r.offset-r.triedFrom >= resumeProgress {
		r.tries, r.triedFrom = 0, r.offset
	}
	if r.ctx.Err() != nil || r.tries >= r.store.Retries {
		ref := r.store.repo.Reference
		return fmt.Errorf("registry %s/%s: download %s at byte %d of %d after %d attempts: %w", ref.Registry, ref.Repository, r.desc.Digest, r.offset, r.desc.Size, r.tries+1, cause)
	}
	wait := r.store.Backoff << r.tries
	r.tries++
	select {
	case <-time.After(wait):
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
	if r.body != nil {
		r.body.Close()
	}
	return r.open(r.offset)
}

// open starts the download at offset: a plain GET at 0, a range request
// after. The response's own length claims are not trusted: the reader
// counts what arrives, and a body that ends early is resumed.
func (r *resumingReader) open(offset int64) error {
	ref := r.store.repo.Reference
	ref.Reference = r.desc.Digest.String()
	ctx := auth.AppendRepositoryScope(r.ctx, ref, auth.ActionPull)
	scheme := "https"
	if r.store.repo.PlainHTTP {
		scheme = "http"
	}
	url := fmt.Sprintf("%s://%s/v2/%s/blobs/%s", scheme, ref.Host(), ref.Repository, ref.Reference)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if offset > 0 && !r.noRange {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	resp, err := r.store.repo.Client.Do(req) // the client retried the request itself
	if err != nil {
		return err
	}
	switch {
	case resp.StatusCode == http.StatusPartialContent && offset > 0 && !r.noRange:
		return r.ranged(resp, offset)
	case resp.StatusCode == http.StatusOK: // from the start, or the registry ignored the range
		return r.fromStart(resp.Body, offset, 0)
	case resp.StatusCode == http.StatusNotFound:
		resp.Body.Close()
		return fmt.Errorf("%s: %w", r.desc.Digest, errdef.ErrNotFound)
	case offset > 0 && !r.noRange && (resp.StatusCode < 500 || resp.StatusCode == http.StatusNotImplemented):
		resp.Body.Close() // ranges refused: the whole blob, read up to where it stopped
		r.noRange = true
		return r.open(offset)
	default:
		resp.Body.Close()
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
}

// ranged takes a 206 answer to a request from offset: its Content-Range
// must start at or before offset (what comes before is read past).
func (r *resumingReader) ranged(resp *http.Response, offset int64) error {
	var first, last, total int64
	_, err := fmt.Sscanf(resp.Header.Get("Content-Range"), "bytes %d-%d/%d", &first, &last, &total)
	if err != nil || first > offset || first < 0 {
		resp.Body.Close()
		r.noRange = true // a range the registry cannot say: the whole blob from then on
		return r.open(offset)
	}
	return r.fromStart(resp.Body, offset, first)
}

// fromStart reads a body that starts at byte start of the blob past
// offset, counting what is read again against the blob's size.
func (r *resumingReader) fromStart(body io.ReadCloser, offset, start int64) error {
	if skip := offset - start; skip > 0 {
		if r.discarded += skip; r.discarded > r.desc.Size {
			body.Close()
			return fmt.Errorf("%s: the registry sends the blob from its start on every resume: given up after reading %d bytes again", r.desc.Digest, r.discarded)
		}
		if _, err := io.CopyN(io.Discard, body, skip); err != nil {
			body.Close()
			return r.resume(err)
		}
	}
	r.body = body
	return nil
}

func (r *resumingReader) Close() error {
	if r.body == nil {
		return nil
	}
	return r.body.Close()
}
