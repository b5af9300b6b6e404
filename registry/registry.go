// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package registry connects to OCI registries with oras-go v2: references,
// credentials from the Docker config and its credential helpers, and plain
// HTTP for loopback registries as Docker allows it.
package registry

import (
	"fmt"
	"net"
	"net/http"

	"oras.land/oras-go/v2/registry"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"
)

// Options says how to reach registries. The zero value uses HTTPS (plain HTTP
// for loopback hosts), the Docker config's credentials, and a retrying client.
type Options struct {
	// PlainHTTP uses plain HTTP for every registry. Default: only for loopback
	// hosts (localhost, 127.0.0.0/8, ::1), as Docker does.
	PlainHTTP bool
	// HTTPClient is the base client. Default: oras-go's retrying client, which
	// retries transient errors with backoff.
	HTTPClient *http.Client
	// Credentials resolves credentials for a registry. Default: the Docker
	// config (DOCKER_CONFIG or ~/.docker/config.json) and its credential
	// helpers; no credentials if there is no config.
	Credentials auth.CredentialFunc
	// UserAgent is sent with every request. Default: "airlock".
	UserAgent string
}

// Repository returns a client for the repository of ref.
func Repository(ref registry.Reference, opts Options) (*remote.Repository, error) {
	repo, err := remote.NewRepository(ref.Registry + "/" + ref.Repository)
	if err != nil {
		return nil, fmt.Errorf("repository %s: %w", ref, err)
	}
	repo.PlainHTTP = opts.PlainHTTP || IsLoopback(ref.Host())
	cred := opts.Credentials
	if cred == nil {
		store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{})
		if err != nil {
			return nil, fmt.Errorf("read Docker credentials: %w", err)
		}
		cred = credentials.Credential(store)
	}
	base := opts.HTTPClient
	if base == nil {
		base = retry.DefaultClient
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
