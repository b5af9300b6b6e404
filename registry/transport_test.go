// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package registry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
	orasregistry "oras.land/oras-go/v2/registry"

	"github.com/airlock-dev/airlock/registry"
)

// hostile starts a registry whose every /v2/ answer is handler's.
func hostile(t *testing.T, handler http.HandlerFunc) (string, *registry.Store) {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/" {
			return
		}
		select {
		case <-done:
		default:
			handler(w, r)
		}
	}))
	t.Cleanup(func() { close(done); srv.CloseClientConnections(); srv.Close() })
	host := strings.TrimPrefix(srv.URL, "http://")
	repo, err := registry.Repository(orasregistry.Reference{Registry: host, Repository: "team/app"}, registry.Options{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	store := registry.NewStore(repo)
	store.Backoff = 10 * time.Millisecond
	return host, store
}

// finishes runs f and fails the test if it has not returned within a
// generous bound: these registries would otherwise hang it forever.
func finishes(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(60 * time.Second):
		t.Fatal("the operation did not end: a hostile registry can hang it")
		return nil
	}
}

var blob = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: digest.FromString(strings.Repeat("x", 4096)), Size: 4096}

func TestRegistryThatNeverAnswers(t *testing.T) {
	var requests atomic.Int32
	_, store := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		<-r.Context().Done()
	})
	err := finishes(t, func() error {
		_, err := store.Repository().Resolve(context.Background(), "1.0.0")
		return err
	})
	if !errors.Is(err, registry.ErrStalled) {
		t.Fatalf("expected the stall to be reported, got %v", err)
	}
	if n := requests.Load(); n != registry.MaxAttempts {
		t.Fatalf("expected %d attempts, found %d", registry.MaxAttempts, n)
	}
}

// A blob that trickles (a byte at a time, slower than MinProgress) never
// trips an idle timer; it must still end, as a transport failure.
func TestTricklingBlobEnds(t *testing.T) {
	_, store := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "4096")
		w.WriteHeader(http.StatusOK)
		for i := 0; i < 4096; i++ {
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	err := finishes(t, func() error {
		rc, err := store.Fetch(context.Background(), blob)
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.ReadAll(rc)
		return err
	})
	if !errors.Is(err, registry.ErrStalled) || errors.Is(err, registry.ErrDigestMismatch) {
		t.Fatalf("expected a stall, not tampering, got %v", err)
	}
	if !strings.Contains(err.Error(), "team/app") {
		t.Fatalf("the error must name the registry: %v", err)
	}
}

// A link that keeps breaking is a broken link after the retries, never
// DIGEST_MISMATCH: the missing bytes did not arrive.
func TestBrokenLinkIsNotTampering(t *testing.T) {
	for _, tt := range []struct {
		name  string
		serve func(w http.ResponseWriter)
	}{
		{"connection dropped mid-blob", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "4096")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(strings.Repeat("x", 100)))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}},
		{"connection closed before answering", func(w http.ResponseWriter) {
			panic(http.ErrAbortHandler)
		}},
		{"short body", func(w http.ResponseWriter) {
			w.Write([]byte(strings.Repeat("x", 100)))
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var attempts atomic.Int32
			_, store := hostile(t, func(w http.ResponseWriter, r *http.Request) {
				attempts.Add(1)
				tt.serve(w)
			})
			rc, err := store.Fetch(context.Background(), blob)
			if err == nil {
				_, err = io.ReadAll(rc)
				rc.Close()
			}
			if err == nil || errors.Is(err, registry.ErrDigestMismatch) {
				t.Fatalf("expected a transport error, got %v", err)
			}
			if attempts.Load() < registry.MaxAttempts {
				t.Fatalf("expected the download to be resumed, found %d attempts: %v", attempts.Load(), err)
			}
		})
	}
	// Bytes that arrived whole and do not hash are tampering.
	_, store := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("y", 4096)))
	})
	rc, err := store.Fetch(context.Background(), blob)
	if err == nil {
		_, err = io.ReadAll(rc)
		rc.Close()
	}
	if !errors.Is(err, registry.ErrDigestMismatch) {
		t.Fatalf("expected a digest mismatch, got %v", err)
	}
}

func TestEndlessReferrerPages(t *testing.T) {
	var pages atomic.Int32
	_, store := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, "/referrers/") {
			http.NotFound(w, r)
			return
		}
		n := pages.Add(1)
		w.Header().Set("Content-Type", ocispec.MediaTypeImageIndex)
		w.Header().Set("Link", fmt.Sprintf(`<%s?page=%d>; rel="next"`, r.URL.Path, n))
		w.Write([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`))
	})
	repo := store.Repository()
	repo.SetReferrersCapability(true)
	err := finishes(t, func() error {
		_, err := registry.Discover(context.Background(), repo, blob)
		return err
	})
	if !errors.Is(err, errdef.ErrTooManyPages) {
		t.Fatalf("expected the listing to stop at %d pages, got %v", registry.MaxReferrerPages, err)
	}
	if n := pages.Load(); n > registry.MaxReferrerPages+1 {
		t.Fatalf("read %d pages", n)
	}
}
