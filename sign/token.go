// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package sign

import (
	"context"
	"encoding/base64"
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

// TokenClaims are the claims of an identity token airlock checks before
// sending it to Fulcio (which verifies its signature).
type TokenClaims struct {
	// Issuer, Subject and Email identify who the token is for.
	Issuer  string `json:"iss"`
	Subject string `json:"sub"`
	Email   string `json:"email"`
	// Audience must include "sigstore".
	Audience json.RawMessage `json:"aud"`
	// Expiry and NotBefore bound the token's validity (Unix seconds).
	Expiry    int64 `json:"exp"`
	NotBefore int64 `json:"nbf"`
}

// CheckIDToken reads an OIDC identity token's claims and refuses one that is
// not a JWT, has expired or is not yet valid at now, or is not for the
// "sigstore" audience, saying what it expected and found. It does not verify
// the token's signature: Fulcio does.
func CheckIDToken(token string, now time.Time) (*TokenClaims, error) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("identity token: expected a JWT (three dot-separated base64url parts), found %d parts", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, fmt.Errorf("identity token: claims: expected base64url, found %v", err)
	}
	var c TokenClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, fmt.Errorf("identity token: claims: %v", err)
	}
	switch {
	case c.Issuer == "":
		return nil, errors.New(`identity token: expected an "iss" claim, found none`)
	case c.Expiry != 0 && now.After(time.Unix(c.Expiry, 0)):
		return nil, fmt.Errorf("identity token: expired at %s (now %s)", time.Unix(c.Expiry, 0).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case c.NotBefore != 0 && now.Add(time.Minute).Before(time.Unix(c.NotBefore, 0)):
		return nil, fmt.Errorf("identity token: not valid before %s (now %s)", time.Unix(c.NotBefore, 0).UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if !audienceIncludes(c.Audience, "sigstore") {
		return nil, fmt.Errorf("identity token: expected audience \"sigstore\", found %s", c.Audience)
	}
	return &c, nil
}

func audienceIncludes(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		for _, a := range many {
			if a == want {
				return true
			}
		}
	}
	return false
}
