// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	orasregistry "oras.land/oras-go/v2/registry"

	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/serve"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// ServeOptions tunes [Serve]. The zero value is not enough: the policy
// must name a signer.
type ServeOptions struct {
	// VerifyOptions say what the package must satisfy before it is served.
	VerifyOptions
	// Addr is where to listen, HOST:PORT. Default: 127.0.0.1:5000.
	Addr string
	// TLSCert and TLSKey, both set, serve HTTPS. Default: plain HTTP, said
	// loudly in the log when the address is not loopback.
	TLSCert, TLSKey string
	// Logger receives a line per request. Default: none.
	Logger *slog.Logger
	// Ready, if set, is called once the server listens, with its address
	// and the package it serves.
	Ready func(addr net.Addr, pkg verify.PackageInfo)
}

// Serve opens the package at target once, verifies it as [Verify] does,
// and only then serves it read-only as an OCI registry at opts.Addr until
// ctx is done (see [Handle.Handler]). A verification failure returns
// before anything listens.
func Serve(ctx context.Context, target string, opts ServeOptions) (*verify.Result, error) {
	pkg, h, err := openChecked(ctx, target, opts.VerifyOptions, false)
	if err != nil {
		return h.Result(), err
	}
	defer pkg.Close()
	handler, err := h.Handler(ctx, opts.Logger)
	if err != nil {
		return h.Result(), err
	}
	return h.Result(), listen(ctx, handler, opts, h.Info())
}

// listen serves handler until ctx is done, then shuts down cleanly.
func listen(ctx context.Context, handler http.Handler, opts ServeOptions, info verify.PackageInfo) error {
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:5000"
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	tls := opts.TLSCert != "" && opts.TLSKey != ""
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !tls && !registry.IsLoopback(host) {
		log.Warn("serving over plain HTTP on a non-loopback address: pass a TLS certificate and key, or clients must be told to use plain HTTP", "addr", ln.Addr().String())
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 30 * time.Second}
	done := make(chan error, 1)
	go func() {
		if tls {
			done <- srv.ServeTLS(ln, opts.TLSCert, opts.TLSKey)
		} else {
			done <- srv.Serve(ln)
		}
	}()
	if opts.Ready != nil {
		opts.Ready(ln.Addr(), info)
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		srv.Close()
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Handler serves what the handle pins, read-only, as an OCI registry
// (package serve): each image at its path (HOST/PATH:TAG as /v2/PATH, by
// tag and digest) with its carried signatures and attestations (referrers
// API and cosign's legacy tags), the package itself as repository NAME
// tagged with its version, and each chart as an OCI Helm chart at
// charts/NAME:VERSION. Every blob is read through the handle, checked as it
// streams. Writes are refused.
func (h *Handle) Handler(ctx context.Context, log *slog.Logger) (http.Handler, error) {
	s, err := h.served(ctx)
	if err != nil {
		return nil, err
	}
	return serve.NewHandler(s, log), nil
}

// served is a handle's content as a registry sees it.
type served struct {
	h         *Handle
	tags      map[string]map[string]ocispec.Descriptor
	referrers map[digest.Digest][]ocispec.Descriptor
	extra     map[digest.Digest]ocispec.Descriptor
	data      map[digest.Digest][]byte
}

var _ serve.Store = (*served)(nil)

func (h *Handle) served(ctx context.Context) (*served, error) {
	s := &served{h: h, tags: map[string]map[string]ocispec.Descriptor{}, referrers: map[digest.Digest][]ocispec.Descriptor{},
		extra: map[digest.Digest]ocispec.Descriptor{}, data: map[digest.Digest][]byte{}}
	name := h.pkg.Info().Name
	_ = s.tag(name, h.pkg.Info().Version, h.pkg.root) // the first tag
	repoOf := map[digest.Digest]string{h.pkg.root.Digest: name}
	for _, img := range h.pkg.Images() {
		dst, tag, err := destination(orasregistry.Reference{}, img.Annotations[spec.AnnotationImageRef])
		if err != nil {
			return nil, err
		}
		if err := s.tag(dst.Repository, tag, plain(img)); err != nil {
			return nil, err
		}
		repoOf[img.Digest] = dst.Repository
	}
	for _, r := range h.carried {
		if r.tag == "" {
			s.referrers[r.subject] = append(s.referrers[r.subject], r.desc)
		} else if repo, ok := repoOf[r.subject]; ok {
			if err := s.tag(repo, r.tag, r.desc); err != nil {
				return nil, err
			}
		}
	}
	charts, err := h.charts(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range charts {
		if err := s.tag("charts/"+c.name, c.tag(), c.manifest); err != nil {
			return nil, err
		}
		for d, b := range c.blobs {
			s.data[d] = b
			s.extra[d] = ocispec.Descriptor{MediaType: "application/octet-stream", Digest: d, Size: int64(len(b))}
		}
		s.extra[c.manifest.Digest] = c.manifest
	}
	return s, nil
}

// tag names desc by tag in repo ("" only makes the repository exist). A
// tag that would name two contents is refused: the package holds two things
// for one place (two images whose references differ only in their
// registry, or an image where the package or a chart is served).
func (s *served) tag(repo, tag string, desc ocispec.Descriptor) error {
	if s.tags[repo] == nil {
		s.tags[repo] = map[string]ocispec.Descriptor{}
	}
	if prev, ok := s.tags[repo][tag]; ok && prev.Digest != desc.Digest {
		return fmt.Errorf("%s:%s would name both %s and %s: the package holds two things for one place; nothing is served", repo, tag, prev.Digest, desc.Digest)
	}
	if tag != "" {
		s.tags[repo][tag] = desc
	}
	return nil
}

func (s *served) Repositories() []string {
	out := make([]string, 0, len(s.tags))
	for r := range s.tags {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func (s *served) Tags(repo string) ([]string, bool) {
	tags, ok := s.tags[repo]
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(tags))
	for t := range tags {
		out = append(out, t)
	}
	sort.Strings(out)
	return out, true
}

func (s *served) Resolve(repo, reference string) (ocispec.Descriptor, bool) {
	if d, err := digest.Parse(reference); err == nil {
		desc, ok := s.Blob(d)
		return desc, ok && spec.IsManifest(desc.MediaType)
	}
	desc, ok := s.tags[repo][reference]
	return desc, ok
}

func (s *served) Blob(d digest.Digest) (ocispec.Descriptor, bool) {
	if desc, ok := s.extra[d]; ok {
		return desc, true
	}
	desc, ok := s.h.g.Nodes[d]
	return desc, ok
}

func (s *served) Referrers(_ string, subject digest.Digest) []ocispec.Descriptor {
	return s.referrers[subject]
}

func (s *served) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	if b, ok := s.data[desc.Digest]; ok && int64(len(b)) == desc.Size {
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	if _, ok := s.extra[desc.Digest]; ok {
		return nil, fmt.Errorf("%s: not served", desc.Digest)
	}
	return s.h.Fetch(ctx, desc)
}
