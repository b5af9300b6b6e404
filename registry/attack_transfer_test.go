// SPDX-License-Identifier: Apache-2.0

package registry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/registry"
)

// a registry that sends one byte per connection (honouring the
// range request, then dropping the connection) resets the retry count on
// every attempt: the download is "followed to its end" at one byte per
// connection. For this 4 KiB blob that is 4096 connections; for a 1 GiB
// blob it is 10^9 connections (at the default 200 ms backoff, ~7 years;
// with a 30 s stall per byte instead of a drop, ~1000 years). MinProgress
// promised a gigabyte ends in days, not years.
func TestOneBytePerConnectionIsGivenUp(t *testing.T) {
	data := strings.Repeat("x", 4096)
	var attempts atomic.Int32
	_, store := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		off := int64(0)
		if rg := r.Header.Get("Range"); rg != "" {
			off, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"), 10, 64)
			w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, len(data)-1, len(data)))
			w.Header().Set("Content-Length", strconv.Itoa(len(data)-int(off)))
			w.WriteHeader(http.StatusPartialContent)
		} else {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.WriteHeader(http.StatusOK)
		}
		w.Write([]byte(data[off : off+1]))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	store.Backoff = time.Millisecond
	start := time.Now()
	err := finishes(t, func() error {
		rc, err := store.Fetch(context.Background(), blob)
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.ReadAll(rc)
		return err
	})
	t.Logf("err=%v after %d connections in %s", err, attempts.Load(), time.Since(start))
	if n := attempts.Load(); n > 64 {
		t.Fatalf("a registry sending one byte per connection kept the download going for %d connections (%v): nothing bounds it but the blob's size", n, err)
	}
}

// the same registry ignoring the range (200 from the start) and
// dropping the connection one byte past the offset makes each resume
// re-download everything before it: n²/2 bytes for an n-byte blob.
func TestRangeIgnoredTrickleIsBounded(t *testing.T) {
	data := strings.Repeat("x", 4096)
	var sent atomic.Int64
	_, store := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		off := int64(0)
		if rg := r.Header.Get("Range"); rg != "" {
			off, _ = strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(rg, "bytes="), "-"), 10, 64)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(data[:off+1]))
		sent.Add(off + 1)
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	store.Backoff = time.Millisecond
	err := finishes(t, func() error {
		rc, err := store.Fetch(context.Background(), blob)
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.ReadAll(rc)
		return err
	})
	if n := sent.Load(); n > 16*4096 {
		t.Fatalf("a 4096-byte blob cost %d bytes on the wire (%v)", n, err)
	}
}

// a 206 answer is taken to start at the offset asked for; its
// Content-Range is never read. A registry or proxy that answers a resumed
// download with a 206 for another range (here: honestly labelled
// "bytes 0-4095/4096", the whole blob, which RFC 9110 lets a client
// inspect) has its bytes spliced in at the wrong offset, and a dropped
// connection is reported as DIGEST_MISMATCH (exit 3, tampering) instead of
// being resumed correctly or failing as a transport error.
func TestContentRangeIsChecked(t *testing.T) {
	data := strings.Repeat("x", 2048) + strings.Repeat("y", 2048)
	desc := blob
	desc.Digest = digestOf(data)
	_, store := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		if r.Header.Get("Range") == "" {
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(data[:100]))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", len(data)-1, len(data)))
		w.WriteHeader(http.StatusPartialContent)
		w.Write([]byte(data))
	})
	for _, raw := range []bool{false, true} {
		var rc io.ReadCloser
		var err error
		if raw {
			rc, err = store.FetchRaw(context.Background(), desc, 0)
		} else {
			rc, err = store.Fetch(context.Background(), desc)
		}
		var got []byte
		if err == nil {
			got, err = io.ReadAll(rc)
			rc.Close()
		}
		if errors.Is(err, registry.ErrDigestMismatch) {
			t.Errorf("raw=%v: a 206 for another range was reported as tampering: %v", raw, err)
		}
		if raw && err == nil && string(got) != data {
			t.Errorf("raw=%v: FetchRaw returned %d bytes that are not the blob (Content-Range ignored): %q...", raw, len(got), got[95:110])
		}
	}
}

func digestOf(s string) digest.Digest { return digest.FromString(s) }
