// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package serve serves OCI content read-only, as the OCI Distribution
// Specification v1.1 says a registry serves it: the base endpoint,
// manifests and blobs by GET and HEAD (blobs with byte ranges), tag
// listing, the referrers API with its artifactType filter, and a catalog.
// Everything that would write (push, mount, delete) is refused with 405
// and an OCI error body. OCI and Docker media types are served alike.
//
// A blob's bytes are checked against its digest as they stream ([Store]
// promises that), and the last bytes of a response are held back until the
// whole blob has been read and matched: content that no longer matches
// (a file changed under the server) never ends as a complete response; the
// connection is dropped instead.
package serve

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Store is the content a handler serves. Manifests and blobs are shared by
// every repository; repositories differ by their tags and referrers.
type Store interface {
	// Repositories lists the repository names served, sorted.
	Repositories() []string
	// Tags lists a repository's tags, sorted; false when it is not served.
	Tags(repo string) ([]string, bool)
	// Resolve returns the manifest a repository names by tag or digest.
	Resolve(repo, reference string) (ocispec.Descriptor, bool)
	// Blob returns the descriptor of content served by digest.
	Blob(d digest.Digest) (ocispec.Descriptor, bool)
	// Referrers lists the referrers of subject, each with its artifactType
	// and annotations.
	Referrers(repo string, subject digest.Digest) []ocispec.Descriptor
	// Fetch returns desc's content, checked against its digest as it is
	// read: the read that reaches its end fails when it does not match.
	Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error)
}

// NewHandler returns the registry's handler. It logs one line per request
// to log (nil: none).
func NewHandler(s Store, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &handler{store: s, log: log}
}

type handler struct {
	store Store
	log   *slog.Logger
}
