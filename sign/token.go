// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package sign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrNoToken is returned when no OIDC identity token can be found.
var ErrNoToken = errors.New("no OIDC identity token: pass --identity-token, set SIGSTORE_ID_TOKEN, or run in a CI that provides one (GitHub Actions with id-token: write)")

// FindIDToken finds an OIDC identity token for Sigstore in the environment
// lookup gives: SIGSTORE_ID_TOKEN, else GitHub Actions' token service
// (ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN), asked for audience "sigstore".
func FindIDToken(ctx context.Context, lookup func(string) (string, bool), client *http.Client) (string, error) {
	if tok, ok := lookup("SIGSTORE_ID_TOKEN"); ok && tok != "" {
		return strings.TrimSpace(tok), nil
	}
	reqURL, ok1 := lookup("ACTIONS_ID_TOKEN_REQUEST_URL")
	reqTok, ok2 := lookup("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	if !ok1 || !ok2 || reqURL == "" {
		return "", ErrNoToken
	}
	return githubToken(ctx, reqURL, reqTok, client)
}

// githubToken asks GitHub Actions' token service for a token with audience "sigstore".
func githubToken(ctx context.Context, reqURL, bearer string, client *http.Client) (string, error) {
	u, err := url.Parse(reqURL)
	if err != nil {
		return "", fmt.Errorf("ACTIONS_ID_TOKEN_REQUEST_URL: %w", err)
	}
	q := u.Query()
	q.Set("audience", "sigstore")
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "bearer "+bearer)
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("GitHub Actions token: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GitHub Actions token: %s", resp.Status)
	}
	var body struct {
		Value string `json:"value"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil || body.Value == "" {
		return "", fmt.Errorf("GitHub Actions token: expected {\"value\": TOKEN}, found none (%v)", err)
	}
	return body.Value, nil
}
