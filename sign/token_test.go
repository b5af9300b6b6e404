// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package sign_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/airlock-dev/airlock/sign"
)

func jwt(claims map[string]any) string {
	body, _ := json.Marshal(claims)
	return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(body) + ".c2ln"
}

func TestCheckIDToken(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	good := map[string]any{"iss": "https://issuer", "sub": "alice", "aud": "sigstore", "exp": now.Add(time.Hour).Unix()}
	if _, err := sign.CheckIDToken(jwt(good), now); err != nil {
		t.Fatal(err)
	}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for a, b := range good {
			c[a] = b
		}
		c[k] = v
		return c
	}
	tests := []struct{ name, token, says string }{
		{"not a JWT", "abc", "expected a JWT (three dot-separated base64url parts), found 1 parts"},
		{"expired", jwt(with("exp", now.Add(-time.Hour).Unix())), "expired at 2026-11-26T11:00:00Z (now 2026-11-26T12:00:00Z)"},
		{"not yet valid", jwt(with("nbf", now.Add(time.Hour).Unix())), "not valid before 2026-11-26T13:00:00Z"},
		{"other audience", jwt(with("aud", "github")), `expected audience "sigstore", found "github"`},
		{"no issuer", jwt(with("iss", "")), `expected an "iss" claim`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sign.CheckIDToken(tt.token, now)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("expected %q, got %v", tt.says, err)
			}
		})
	}
}

func TestFindIDToken(t *testing.T) {
	env := map[string]string{}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if _, err := sign.FindIDToken(context.Background(), lookup, nil); err != sign.ErrNoToken {
		t.Fatalf("expected ErrNoToken, got %v", err)
	}
	// GitHub Actions: the token service is asked for audience "sigstore".
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "bearer request-token" || r.URL.Query().Get("audience") != "sigstore" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Write([]byte(`{"value":"gh-token"}`))
	}))
	defer gh.Close()
	env["ACTIONS_ID_TOKEN_REQUEST_URL"] = gh.URL + "/token?api-version=2.0"
	env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "request-token"
	if tok, err := sign.FindIDToken(context.Background(), lookup, nil); err != nil || tok != "gh-token" {
		t.Fatalf("GitHub Actions token: %q, %v", tok, err)
	}
	env["SIGSTORE_ID_TOKEN"] = "explicit"
	if tok, _ := sign.FindIDToken(context.Background(), lookup, nil); tok != "explicit" {
		t.Fatalf("SIGSTORE_ID_TOKEN must win, got %q", tok)
	}
}
