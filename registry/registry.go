// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package registry connects to OCI registries with oras-go v2: targets
// (oci://REGISTRY/REPO[:TAG|@DIGEST]), credentials from the Docker config
// and its credential helpers, plain HTTP for loopback registries as Docker
// allows it, TLS settings, retries with backoff, blob downloads that resume
// with range requests, the referrers capability probe, and discovery of a
// subject's signatures and attestations (referrers API, the referrers tag
// schema, and cosign's legacy tags).
//
// Everything a registry returns is untrusted: manifests are bounded and
// digest-checked, blobs are digest-checked as they stream.
package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"

	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/spec"
)

// Scheme prefixes a registry target.
const Scheme = "oci://"

// maxCAFile bounds --registry-ca-file.
const maxCAFile = 1 << 20

// ErrTarget marks a malformed registry target.
var ErrTarget = errors.New("invalid registry target")

// Options says how to reach registries. The zero value uses HTTPS (plain HTTP
// for loopback hosts), the system's CAs, the Docker config's credentials,
// bounds each request by [DefaultTimeout], and tries it up to [MaxAttempts]
// times with backoff.
type Options struct {
	// PlainHTTP uses plain HTTP for every registry. Default: only for loopback
	// hosts (localhost, 127.0.0.0/8, ::1), as Docker does, unless CAFile or
	// InsecureSkipTLSVerify asks for TLS.
	PlainHTTP bool
	// CAFile is a PEM file of CA certificates trusted in addition to the system's.
	CAFile string
	// InsecureSkipTLSVerify accepts any TLS certificate. It is about transport
	// only: it never skips signature verification.
	InsecureSkipTLSVerify bool
	// HTTPClient is the base client; it replaces the TLS settings above.
	// Default: a client with those settings that retries transient errors.
	HTTPClient *http.Client
	// Credentials resolves credentials for a registry. Default: the Docker
	// config (DOCKER_CONFIG or ~/.docker/config.json) and its credential
	// helpers; no credentials if there is no config.
	Credentials auth.CredentialFunc
	// UserAgent is sent with every request. Default: "airlock".
	UserAgent string
	// Offline refuses every network connection; an attempt is an error
	// wrapping [ErrOffline] that names the address.
	Offline bool
	// Timeout bounds each request: connecting, waiting for the response
	// headers, and each window in which a response body must deliver at
	// least [MinProgress] bytes. Default: [DefaultTimeout].
	Timeout time.Duration
	// Architecture chooses, where a target is an index of packages one per
	// architecture (as `zarf package publish` makes), which one is read.
	// Default: the only one, else this machine's (GOARCH).
	Architecture string
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

// ErrOffline marks a connection refused because of Options.Offline.
var ErrOffline = errors.New("offline: network access refused")

// IsTarget reports whether s names a registry target (oci://...).
func IsTarget(s string) bool { return strings.HasPrefix(s, Scheme) }

// ParseTarget parses oci://REGISTRY/REPO[:TAG|@DIGEST].
func ParseTarget(s string) (registry.Reference, error) {
	if !IsTarget(s) {
		return registry.Reference{}, fmt.Errorf("%w: expected %sREGISTRY/REPOSITORY[:TAG|@DIGEST], found %q", ErrTarget, Scheme, s)
	}
	ref, err := registry.ParseReference(strings.TrimPrefix(s, Scheme))
	if err != nil {
		return registry.Reference{}, fmt.Errorf("%w: %q: %v", ErrTarget, s, err)
	}
	return ref, nil
}

// Repository returns a client for the repository of ref.
func Repository(ref registry.Reference, opts Options) (*remote.Repository, error) {
	repo, err := remote.NewRepository(ref.Registry + "/" + ref.Repository)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", ref, err)
	}
	wantsTLS := opts.CAFile != "" || opts.InsecureSkipTLSVerify
	repo.PlainHTTP = opts.PlainHTTP || (IsLoopback(ref.Host()) && !wantsTLS)
	repo.MaxMetadataBytes = spec.MaxManifestSize
	repo.ReferrerListMaxPages = MaxReferrerPages
	// Registries often forbid deletes; a stale referrers index left behind is
	// harmless, a failed push is not.
	repo.SkipReferrersGC = true
	cred := opts.Credentials
	if cred == nil {
		store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{})
		if err != nil {
			return nil, fmt.Errorf("read Docker credentials: %w", err)
		}
		cred = credentials.Credential(store)
	}
	base := opts.HTTPClient
	if opts.Offline {
		base = OfflineClient()
	} else if base == nil {
		if base, err = HTTPClient(opts); err != nil {
			return nil, err
		}
	}
	ua := opts.UserAgent
	if ua == "" {
		ua = "airlock"
	}
	client := &auth.Client{Client: base, Credential: cred, Cache: auth.NewCache()}
	client.SetUserAgent(ua)
	repo.Client = client
	return repo, nil
}

// HTTPClient builds a client with the TLS options, bounded by the timeout and
// retrying transient errors (see [MaxAttempts]).
func HTTPClient(opts Options) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: opts.InsecureSkipTLSVerify} //nolint:gosec // the user asked, by a flag named so
	if opts.CAFile != "" {
		pemData, err := limited.ReadFile(opts.CAFile, maxCAFile)
		if err != nil {
			return nil, fmt.Errorf("--registry-ca-file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pemData) {
			return nil, fmt.Errorf("--registry-ca-file %s: expected PEM certificates, found none", opts.CAFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: transport(tr, opts.timeout())}, nil
}

// IsLoopback reports whether host (with or without a port) is a loopback
// address or "localhost".
func IsLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// OfflineClient returns an HTTP client that refuses every connection with an
// error wrapping [ErrOffline] that names the address it was asked for.
func OfflineClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy: nil,
		DialContext: func(_ context.Context, network, addr string) (net.Conn, error) {
			return nil, fmt.Errorf("%w: refusing to connect to %s (%s) (registry.Options.Offline)", ErrOffline, addr, network)
		},
	}}
}

// Explain says, in airlock's words, why a registry could not be reached:
// the registry named, then the cause (a refused or failed connection, a
// name that does not resolve, a certificate not trusted, an offline
// refusal), with what to do. Other errors are returned as they are. The
// error returned wraps err.
func Explain(host string, err error) error {
	var op *net.OpError
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case err == nil || errors.Is(err, ErrOffline):
		return err
	case errors.As(err, &dns):
		return &explained{fmt.Sprintf("cannot reach the registry %s: its name does not resolve (%s)", host, dns.Err), err}
	case errors.As(err, &unknownCA), errors.As(err, &hostname):
		return &explained{fmt.Sprintf("the registry %s presented a certificate airlock does not trust: pass its CA with --registry-ca-file", host), err}
	case errors.As(err, &op) && op.Op == "dial":
		return &explained{fmt.Sprintf("cannot reach the registry %s: %v (is it running, at that address?)", host, op.Err), err}
	}
	return err
}

// explained is an error said in airlock's words, wrapping its cause.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }
