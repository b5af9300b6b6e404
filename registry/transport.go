// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"time"

	"oras.land/oras-go/v2/registry/remote/retry"
)

// DefaultTimeout bounds each request: connecting, the TLS handshake, waiting
// for the response headers, and each window in which a response body must
// make progress (see [MinProgress]).
const DefaultTimeout = 30 * time.Second

// MaxAttempts is how many times one request is tried before its error is
// returned: transient failures (timeouts, resets, 5xx, 429) are retried with
// exponential backoff. With the default timeout a registry that never
// answers ends an operation in about a minute and a half.
const MaxAttempts = 3

// MinProgress is the fewest bytes a response body must deliver in each
// timeout window. A body that trickles more slowly (a byte every few
// seconds) is treated as stalled: each byte would otherwise reset an idle
// timer forever. 32 KiB per 30 s (about 1 KiB/s, 9 kbit/s) is far below any
// link an air gap is fed through, and bounds a gigabyte at days, not years.
const MinProgress = 32 << 10

// ErrStalled marks a response that did not arrive in time: no headers
// within the timeout, or a body slower than [MinProgress] per timeout.
var ErrStalled = errors.New("registry stalled")

// stallError is ErrStalled as the net.Error with Timeout() that oras-go's
// retry policy retries.
type stallError struct{ msg string }

func (e *stallError) Error() string   { return e.msg }
func (e *stallError) Timeout() bool   { return true }
func (e *stallError) Temporary() bool { return true }
func (e *stallError) Unwrap() error   { return ErrStalled }

var _ net.Error = (*stallError)(nil)

// retryable is oras-go's predicate, also retrying a connection that closed
// or was refused before any response: both are what a flaky link does.
func retryable(resp *http.Response, err error) (bool, error) {
	if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED) {
		return true, nil
	}
	return retry.DefaultPredicate(resp, err)
}

// retryPolicy tries each request MaxAttempts times.
var retryPolicy retry.Policy = &retry.GenericPolicy{
	Retryable: retryable,
	Backoff:   retry.DefaultBackoff,
	MinWait:   200 * time.Millisecond,
	MaxWait:   3 * time.Second,
	MaxRetry:  MaxAttempts - 1,
}

// transport returns base wrapped with the timeouts and retries.
func transport(base *http.Transport, timeout time.Duration) http.RoundTripper {
	base.DialContext = (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	base.TLSHandshakeTimeout = timeout
	return &retry.Transport{
		Base:   &guardTransport{base: base, timeout: timeout},
		Policy: func() retry.Policy { return retryPolicy },
	}
}

// guardTransport bounds how long a request waits for its response headers,
// and watches its body for progress.
type guardTransport struct {
	base    http.RoundTripper
	timeout time.Duration
}

func (g *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(g.timeout, func() {
		cancel(&stallError{fmt.Sprintf("%s %s: no response within %s", req.Method, req.URL.Redacted(), g.timeout)})
	})
	resp, err := g.base.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() { // the headers came too late, if at all
		if err == nil {
			resp.Body.Close()
		}
		return nil, context.Cause(ctx)
	}
	if err != nil {
		cancel(nil)
		return nil, err
	}
	resp.Body = newGuardedBody(ctx, cancel, resp.Body, g.timeout, req)
	return resp, nil
}

// guardedBody cancels its request when, in a window of the timeout, fewer
// than MinProgress bytes arrived (and the body did not end).
type guardedBody struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	body   io.ReadCloser
	timer  *time.Timer
	moved  atomic.Int64
}

func newGuardedBody(ctx context.Context, cancel context.CancelCauseFunc, body io.ReadCloser, window time.Duration, req *http.Request) *guardedBody {
	g := &guardedBody{ctx: ctx, cancel: cancel, body: body}
	g.timer = time.AfterFunc(window, func() {
		if g.moved.Swap(0) >= MinProgress {
			g.timer.Reset(window)
			return
		}
		cancel(&stallError{fmt.Sprintf("%s %s: the response stalled (less than %d bytes in %s)", req.Method, req.URL.Redacted(), MinProgress, window)})
	})
	return g
}

func (g *guardedBody) Read(p []byte) (int, error) {
	n, err := g.body.Read(p)
	g.moved.Add(int64(n))
	if err != nil && err != io.EOF && g.ctx.Err() != nil {
		return n, context.Cause(g.ctx)
	}
	return n, err
}

func (g *guardedBody) Close() error {
	g.timer.Stop()
	err := g.body.Close()
	g.cancel(nil)
	return err
}
