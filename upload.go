// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/errcode"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
)

// TransferOptions tunes how content moves to a registry. The zero value is
// valid.
type TransferOptions struct {
	// Registry says how the destination registry is reached.
	Registry registry.Options
	// Transfers is how many blobs are uploaded at once. Default: 4.
	Transfers int
	// Progress receives the progress of blobs read. Default: none.
	Progress Progress
	// mountFrom names, for a blob, another repository of the destination
	// registry that holds it (a differential archive's base), to mount it
	// from instead of uploading it; the registry copies it itself, or
	// refuses and it is uploaded. Default: none.
	mountFrom func(ocispec.Descriptor) (string, bool)
}

// upload is what one repository receives.
type upload struct {
	repo      *remote.Repository
	blobs     []ocispec.Descriptor
	manifests []ocispec.Descriptor
	tags      []tagging
	seen      map[digest.Digest]bool
	// referrersAPI is what the registry's probe said.
	referrersAPI bool
}

// tagging is a tag to set once everything is uploaded.
type tagging struct {
	desc ocispec.Descriptor
	tag  string
}

func newUpload(repo *remote.Repository) *upload {
	return &upload{repo: repo, seen: map[digest.Digest]bool{}}
}

// add adds desc and everything it names, read through src, in an order
// where a manifest comes after everything it names. Callers add a subject
// before its referrers.
func (u *upload) add(ctx context.Context, src content.Fetcher, desc ocispec.Descriptor) error {
	desc = plain(desc)
	if u.seen[desc.Digest] {
		return nil
	}
	u.seen[desc.Digest] = true
	if !spec.IsManifest(desc.MediaType) {
		u.blobs = append(u.blobs, desc)
		return nil
	}
	data, err := graph.ReadBounded(ctx, src, desc, spec.MaxManifestSize)
	if err != nil {
		return err
	}
	children, err := spec.Children(desc.MediaType, data)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", desc.Digest, err)
	}
	for _, c := range children {
		if err := u.add(ctx, src, c); err != nil {
			return err
		}
	}
	u.manifests = append(u.manifests, desc)
	return nil
}

// pushGraph uploads desc and everything it names, read through src, to
// repo, as transfer does.
func pushGraph(ctx context.Context, repo *remote.Repository, src content.Fetcher, desc ocispec.Descriptor, opts TransferOptions) error {
	u := newUpload(repo)
	if err := u.add(ctx, src, desc); err != nil {
		return err
	}
	return classify(transfer(ctx, src, []*upload{u}, opts))
}

// transfer uploads to every repository in three phases, so that a failure
// leaves nothing anyone can name: every blob first (several at once,
// skipping those the registry has, each checked against its digest as src
// streams it); then the manifests, subjects before their referrers (on a
// registry without the referrers API, oras-go maintains the referrers tag
// index); then the tags.
func transfer(ctx context.Context, src content.Fetcher, uploads []*upload, opts TransferOptions) error {
	n := opts.Transfers
	if n <= 0 {
		n = 4
	}
	if err := checkTags(uploads); err != nil {
		return err
	}
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(n)
	for _, u := range uploads {
		for _, b := range u.blobs {
			eg.Go(func() error { return pushBlob(gctx, src, u.repo, b, opts.mountFrom) })
		}
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	for _, u := range uploads {
		var err error
		if u.referrersAPI, err = registry.ProbeReferrers(ctx, u.repo); err != nil {
			return err
		}
		for _, m := range u.manifests {
			if err := pushManifest(ctx, src, u.repo, m); err != nil {
				return err
			}
		}
	}
	for _, u := range uploads {
		for _, t := range u.tags {
			if err := u.repo.Tag(ctx, plain(t.desc), t.tag); err != nil {
				return fmt.Errorf("tag %s: %w", t.tag, err)
			}
		}
	}
	return nil
}

// pushAttempts is how many times a blob upload is tried: after a failure
// the registry is asked whether it has the blob after all, and the upload
// starts again, after a pause that doubles each time.
const pushAttempts = 4

func pushBlob(ctx context.Context, src content.Fetcher, repo *remote.Repository, d ocispec.Descriptor, mountFrom func(ocispec.Descriptor) (string, bool)) error {
	var err error
	for attempt, pause := 1, 500*time.Millisecond; ; attempt, pause = attempt+1, pause*2 {
		if err = uploadBlob(ctx, src, repo, d, mountFrom); err == nil || attempt == pushAttempts || !retryable(ctx, err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// retryable says whether an upload that failed with err may succeed again:
// not content that does not match, not a cancelled operation.
func retryable(ctx context.Context, err error) bool {
	var resp *errcode.ErrorResponse
	var unknownCA x509.UnknownAuthorityError
	var badCert *tls.CertificateVerificationError
	switch {
	case ctx.Err() != nil, errors.Is(err, registry.ErrOffline):
		return false
	case errors.Is(err, archive.ErrDigestMismatch), errors.Is(err, registry.ErrDigestMismatch),
		errors.Is(err, graph.ErrMismatch), errors.Is(err, content.ErrMismatchedDigest):
		return false
	case errors.As(err, &unknownCA), errors.As(err, &badCert):
		return false
	case errors.As(err, &resp):
		return resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout
	}
	return true
}

// uploadBlob uploads d unless the registry has it, or mounts it from
// another repository of the registry that holds it.
func uploadBlob(ctx context.Context, src content.Fetcher, repo *remote.Repository, d ocispec.Descriptor, mountFrom func(ocispec.Descriptor) (string, bool)) error {
	if ok, err := repo.Exists(ctx, d); err != nil || ok {
		return err
	}
	if mountFrom != nil {
		if from, ok := mountFrom(d); ok {
			err := repo.Mount(ctx, d, from, func() (io.ReadCloser, error) { return src.Fetch(ctx, d) })
			if err != nil {
				return fmt.Errorf("mount %s from %s: %w", d.Digest, from, err)
			}
			return nil
		}
	}
	rc, err := src.Fetch(ctx, d)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := repo.Push(ctx, d, rc); err != nil {
		return fmt.Errorf("upload %s: %w", d.Digest, err)
	}
	return nil
}

func pushManifest(ctx context.Context, src content.Fetcher, repo *remote.Repository, d ocispec.Descriptor) error {
	if ok, err := repo.Exists(ctx, d); err != nil || ok {
		return err
	}
	data, err := graph.ReadBounded(ctx, src, d, spec.MaxManifestSize)
	if err != nil {
		return err
	}
	if err := repo.Push(ctx, d, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("upload manifest %s: %w", d.Digest, err)
	}
	return nil
}

// checkTags refuses, before anything is uploaded, a tag that would name two
// different contents in one repository (two images whose references differ
// only in their registry, or a chart and an image at one place): the last
// pushed would silently win.
func checkTags(uploads []*upload) error {
	for _, u := range uploads {
		tagged := map[string]digest.Digest{}
		for _, t := range u.tags {
			if prev, ok := tagged[t.tag]; ok && prev != t.desc.Digest {
				return fmt.Errorf("%s:%s would name both %s and %s: the package holds two things for one place; nothing was pushed",
					u.repo.Reference.Registry+"/"+u.repo.Reference.Repository, t.tag, prev, t.desc.Digest)
			}
			tagged[t.tag] = t.desc.Digest
		}
	}
	return nil
}
