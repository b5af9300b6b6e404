// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlocktest

import (
	"io"
	"net/http"
	"sync/atomic"
	"time"
)

// DropAfter is a [Fault] that sends the first n bytes of every blob
// download's body and then drops the connection; with fromStart, only
// downloads from the start are served at all, and resumed ones (a Range
// request) are dropped before a byte: a link that keeps failing.
func DropAfter(n int64, fromStart bool) Fault {
	return func(w http.ResponseWriter, r *http.Request, upstream *http.Response) bool {
		if !IsBlobGet(r) {
			return false
		}
		if fromStart && r.Header.Get("Range") != "" {
			panic(http.ErrAbortHandler)
		}
		copyHeader(w, upstream)
		io.CopyN(w, upstream.Body, n)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		panic(http.ErrAbortHandler)
	}
}

// Throttle is a [Fault] that sends blob bodies at about rate bytes a
// second: a slow link.
func Throttle(rate int64) Fault {
	return func(w http.ResponseWriter, r *http.Request, upstream *http.Response) bool {
		if !IsBlobGet(r) {
			return false
		}
		copyHeader(w, upstream)
		chunk := max(rate/20, 1)
		for {
			n, err := io.CopyN(w, upstream.Body, chunk)
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
			if err != nil || n < chunk {
				return true
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// Counter counts the blob bytes a proxy sent.
type Counter struct{ n atomic.Int64 }

// Bytes is how many blob bytes were sent so far.
func (c *Counter) Bytes() int64 { return c.n.Load() }

// Fault is a [Fault] that relays everything, counting blob bytes, then
// hands the response to next (nil: relayed as it is).
func (c *Counter) Fault(next Fault) Fault {
	return func(w http.ResponseWriter, r *http.Request, upstream *http.Response) bool {
		if IsBlobGet(r) {
			upstream.Body = countingBody{upstream.Body, &c.n}
		}
		if next != nil {
			return next(w, r, upstream)
		}
		return false
	}
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func copyHeader(w http.ResponseWriter, upstream *http.Response) {
	for k, v := range upstream.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(upstream.StatusCode)
}

// Corrupt is a [Fault] that flips one bit at offset at of every blob body
// long enough to have it: bytes that do not match their digest.
func Corrupt(at int64) Fault {
	return func(w http.ResponseWriter, r *http.Request, upstream *http.Response) bool {
		if !IsBlobGet(r) {
			return false
		}
		copyHeader(w, upstream)
		io.CopyN(w, upstream.Body, at)
		b := make([]byte, 1)
		if n, _ := upstream.Body.Read(b); n == 1 {
			b[0] ^= 1
			w.Write(b)
		}
		io.Copy(w, upstream.Body)
		return true
	}
}
