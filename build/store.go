// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/errdef"
)

// Store is a content store in a folder, used as the scratch space of a build.
// [Store.Push] verifies content as it is written; [Store.Ingest] hashes
// content it does not know the digest of while writing it, so every byte is
// read once. It is safe for concurrent use.
type Store struct {
	dir  string
	mu   sync.Mutex
	have map[digest.Digest]int64
}

var _ content.Storage = (*Store)(nil)

// NewStore returns a store writing under dir, which must exist.
func NewStore(dir string) *Store {
	return &Store{dir: dir, have: map[digest.Digest]int64{}}
}

func (s *Store) path(d digest.Digest) string {
	return filepath.Join(s.dir, d.Algorithm().String(), d.Encoded())
}

// Exists reports whether the store holds the blob.
func (s *Store) Exists(_ context.Context, desc ocispec.Descriptor) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.have[desc.Digest]
	return ok, nil
}

// Fetch opens a blob.
func (s *Store) Fetch(_ context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	s.mu.Lock()
	size, ok := s.have[desc.Digest]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%s: %w", desc.Digest, errdef.ErrNotFound)
	}
	if size != desc.Size {
		return nil, fmt.Errorf("%s: expected size %d, found %d", desc.Digest, desc.Size, size)
	}
	return os.Open(s.path(desc.Digest))
}

// Push stores content, verifying that it matches expected.
func (s *Store) Push(ctx context.Context, expected ocispec.Descriptor, r io.Reader) error {
	if ok, _ := s.Exists(ctx, expected); ok {
		return fmt.Errorf("%s: %w", expected.Digest, errdef.ErrAlreadyExists)
	}
	vr := content.NewVerifyReader(r, expected)
	_, err := s.write(expected.Digest.Algorithm(), vr, func() (digest.Digest, error) {
		if err := vr.Verify(); err != nil {
			return "", err
		}
		return expected.Digest, nil
	})
	return err
}

// Ingest stores content of unknown digest and returns its descriptor.
func (s *Store) Ingest(ctx context.Context, mediaType string, r io.Reader) (ocispec.Descriptor, error) {
	d := digest.Canonical.Digester()
	n, err := s.write(digest.Canonical, io.TeeReader(r, d.Hash()), func() (digest.Digest, error) {
		return d.Digest(), nil
	})
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return ocispec.Descriptor{MediaType: mediaType, Digest: d.Digest(), Size: n}, nil
}

// write copies r into a temporary file, asks done for the digest it must be
// stored under, and renames it into place.
func (s *Store) write(alg digest.Algorithm, r io.Reader, done func() (digest.Digest, error)) (int64, error) {
	dir := filepath.Join(s.dir, alg.String())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, err
	}
	f, err := os.CreateTemp(dir, ".ingest-*")
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	var d digest.Digest
	if err == nil {
		d, err = done()
	}
	if err != nil {
		os.Remove(f.Name())
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.have[d]; ok {
		os.Remove(f.Name())
		return n, nil
	}
	if err := os.Rename(f.Name(), s.path(d)); err != nil {
		return 0, err
	}
	s.have[d] = n
	return n, nil
}

// PushBytes stores small content (a manifest) and returns its descriptor.
func (s *Store) PushBytes(ctx context.Context, mediaType string, data []byte) (ocispec.Descriptor, error) {
	desc := content.NewDescriptorFromBytes(mediaType, data)
	err := s.Push(ctx, desc, bytes.NewReader(data))
	if errors.Is(err, errdef.ErrAlreadyExists) {
		err = nil
	}
	return desc, err
}
