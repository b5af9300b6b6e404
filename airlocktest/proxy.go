// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlocktest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// Fault decides what a [NewFaultProxy] sends back for one request. It gets the
// upstream registry's response and either writes its own answer (returning
// true) or leaves the response to be relayed as it is (returning false).
type Fault func(w http.ResponseWriter, r *http.Request, upstream *http.Response) bool

// NewFaultProxy starts a proxy on 127.0.0.1 in front of the registry at
// upstream (host:port) that lets fault tamper with responses: corrupt bytes,
// drop a connection mid-blob, lie about sizes. It returns the proxy's host:port.
func NewFaultProxy(t testing.TB, upstream string, fault Fault) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+upstream+r.URL.RequestURI(), r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		req.ContentLength = r.ContentLength
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		if fault != nil && fault(w, r, resp) {
			return
		}
		Relay(w, resp)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// Relay copies an upstream response to w unchanged, rewriting nothing.
func Relay(w http.ResponseWriter, resp *http.Response) {
	copyHeader(w, resp)
	io.Copy(w, resp.Body)
}

// IsBlobGet reports whether r downloads a blob (not a manifest).
func IsBlobGet(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:")
}

// NewCountingListener listens on 127.0.0.1 for the test's lifetime, accepts
// and closes every connection, and returns its host:port and a function
// that says how many connections were made: a stand-in registry for tests
// that nothing dials (--offline).
func NewCountingListener(t testing.TB) (string, func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var dials atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			dials.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), func() int { return int(dials.Load()) }
}
