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
// and digest (a mismatch is an error at EOF, wrapping [ErrDigestMismatch]);
// a blob download that breaks resumes where it stopped with a range request,
// up to Retries times with exponential backoff.
type Store struct {
	repo *remote.Repository
	// Retries is how many times a broken blob download resumes. Default 5.
	Retries int
	// Backoff is the first wait before resuming; it doubles each time. Default 200ms.
	Backoff time.Duration
	// Progress, if set, is told of every byte read from a blob.
	Progress func(desc ocispec.Descriptor, n int)
}

var _ content.ReadOnlyStorage = (*Store)(nil)

// NewStore returns a Store reading repo.
func NewStore(repo *remote.Repository) *Store {
	return &Store{repo: repo, Retries: 5, Backoff: 200 * time.Millisecond}
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
			return nil, err
		}
		return verified(rc, desc, nil), nil
	}
	r := &resumingReader{ctx: ctx, store: s, desc: desc}
	if err := r.open(0); err != nil {
		return nil, err
	}
	return verified(r, desc, s.Progress), nil
}

// verified wraps rc so that its last Read fails unless the content matched desc.
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
	if err == io.EOF {
		if verr := v.vr.Verify(); verr != nil {
			return n, fmt.Errorf("%w: expected %d bytes hashing to it: %v", ErrDigestMismatch, v.desc.Size, verr)
		}
	} else if errors.Is(err, io.ErrUnexpectedEOF) {
		return n, fmt.Errorf("%w: expected %d bytes, the registry sent fewer", ErrDigestMismatch, v.desc.Size)
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
	tries  int
}

func (r *resumingReader) Read(p []byte) (int, error) {
	for {
		n, err := r.body.Read(p)
		r.offset += int64(n)
		if err == nil || err == io.EOF || r.offset >= r.desc.Size {
			return n, err
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
	if r.ctx.Err() != nil || r.tries >= r.store.Retries {
		return fmt.Errorf("download %s at byte %d: %w", r.desc.Digest, r.offset, cause)
	}
	wait := r.store.Backoff << r.tries
	r.tries++
	select {
	case <-time.After(wait):
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
	r.body.Close()
	return r.open(r.offset)
}

// open starts the download at offset: a plain fetch at 0, a range request after.
func (r *resumingReader) open(offset int64) error {
	if offset == 0 {
		body, err := r.store.repo.Blobs().Fetch(r.ctx, r.desc)
		if err != nil {
			return err
		}
		r.body = body
		return nil
	}
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
	req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	resp, err := r.store.repo.Client.Do(req)
	if err != nil {
		return r.resume(err)
	}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		r.body = resp.Body
	case http.StatusOK: // the registry ignored the range: skip what we have
		if _, err := io.CopyN(io.Discard, resp.Body, offset); err != nil {
			resp.Body.Close()
			return r.resume(err)
		}
		r.body = resp.Body
	case http.StatusNotFound:
		resp.Body.Close()
		return fmt.Errorf("%s: %w", r.desc.Digest, errdef.ErrNotFound)
	default:
		resp.Body.Close()
		return r.resume(fmt.Errorf("GET %s: %s", url, resp.Status))
	}
	return nil
}

func (r *resumingReader) Close() error {
	if r.body == nil {
		return nil
	}
	return r.body.Close()
}
