// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	orasregistry "oras.land/oras-go/v2/registry"
)

// A mirror is a registry answer from outside: one that lacks the image, or
// answers for its digest with another, never passes the mirror check.
func TestCheckMirrorRefusesWhatTheMirrorDoesNotHold(t *testing.T) {
	want := digest.FromString("the image")
	for name, answer := range map[string]func(w http.ResponseWriter){
		"missing": func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) },
		"another digest": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Header().Set("Docker-Content-Digest", digest.FromString("something else").String())
			w.Header().Set("Content-Length", "10")
			w.WriteHeader(http.StatusOK)
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/v2/" {
					return
				}
				answer(w)
			}))
			defer srv.Close()
			host := strings.TrimPrefix(srv.URL, "http://")
			m := mirrored{source: "example.com/team/web:1.0", digest: want.String(), internal: host + "/mirror/team/web:1.0@" + want.String(),
				repo: orasregistry.Reference{Registry: host, Repository: "mirror/team/web"}}
			err := checkMirror(context.Background(), []mirrored{m}, DeployTo{Mirror: "oci://" + host + "/mirror"})
			if err == nil || !strings.Contains(err.Error(), m.internal) {
				t.Fatalf("expected the image refused, naming it, got %v", err)
			}
			if name == "missing" && (!errors.Is(err, ErrMirror) || !strings.Contains(err.Error(), "airlock mirror")) {
				t.Fatalf("expected ErrMirror saying to run airlock mirror, got %v", err)
			}
		})
	}
}
