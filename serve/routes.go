// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// ServeHTTP routes a request and logs it.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	start := time.Now()
	defer func() {
		h.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "bytes", rec.bytes,
			"duration", time.Since(start).Round(time.Microsecond), "remote", r.RemoteAddr)
	}()
	rec.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rec.Header().Set("Allow", "GET, HEAD")
		writeError(rec, http.StatusMethodNotAllowed, "UNSUPPORTED", "this registry is read-only: it serves a verified package and accepts no change")
		return
	}
	path := r.URL.Path
	switch {
	case path == "/v2/" || path == "/v2":
		writeJSON(rec, r, http.StatusOK, "application/json", struct{}{})
	case path == "/v2/_catalog":
		h.catalog(rec, r)
	case !strings.HasPrefix(path, "/v2/"):
		writeError(rec, http.StatusNotFound, "NOT_FOUND", "expected a /v2/ endpoint")
	default:
		h.route(rec, r, strings.TrimPrefix(path, "/v2/"))
	}
}

// route dispatches /v2/NAME/... on its last recognised segment (names hold
// slashes).
func (h *handler) route(w http.ResponseWriter, r *http.Request, rest string) {
	for _, ep := range []struct {
		sep   string
		serve func(http.ResponseWriter, *http.Request, string, string)
	}{
		{"/manifests/", h.manifest}, {"/blobs/", h.blob}, {"/referrers/", h.referrers},
	} {
		if i := strings.LastIndex(rest, ep.sep); i > 0 {
			name, ref := rest[:i], rest[i+len(ep.sep):]
			if _, ok := h.store.Tags(name); !ok {
				writeError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository "+name+" is not served here")
				return
			}
			ep.serve(w, r, name, ref)
			return
		}
	}
	if name, ok := strings.CutSuffix(rest, "/tags/list"); ok {
		h.tags(w, r, name)
		return
	}
	writeError(w, http.StatusNotFound, "NOT_FOUND", "expected manifests, blobs, tags or referrers")
}

// manifest serves a manifest by tag or digest.
func (h *handler) manifest(w http.ResponseWriter, r *http.Request, name, ref string) {
	desc, ok := h.store.Resolve(name, ref)
	if !ok {
		writeError(w, http.StatusNotFound, "MANIFEST_UNKNOWN", "manifest "+ref+" is not in "+name)
		return
	}
	w.Header().Set("Content-Type", desc.MediaType)
	h.send(w, r, desc)
}

// blob serves a blob by digest, with byte ranges.
func (h *handler) blob(w http.ResponseWriter, r *http.Request, _, ref string) {
	d, err := digest.Parse(ref)
	if err != nil {
		writeError(w, http.StatusBadRequest, "DIGEST_INVALID", "expected a digest, found "+strconv.Quote(ref))
		return
	}
	desc, ok := h.store.Blob(d)
	if !ok {
		writeError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob "+ref+" is not served here")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Accept-Ranges", "bytes")
	h.send(w, r, desc)
}

// tags lists a repository's tags, n at a time after last.
func (h *handler) tags(w http.ResponseWriter, r *http.Request, name string) {
	tags, ok := h.store.Tags(name)
	if !ok {
		writeError(w, http.StatusNotFound, "NAME_UNKNOWN", "repository "+name+" is not served here")
		return
	}
	q := r.URL.Query()
	if last := q.Get("last"); last != "" {
		i := sort.SearchStrings(tags, last)
		for i < len(tags) && tags[i] <= last {
			i++
		}
		tags = tags[i:]
	}
	if n, err := strconv.Atoi(q.Get("n")); err == nil && n >= 0 && n < len(tags) {
		tags = tags[:n]
		if n > 0 {
			w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?n=%d&last=%s>; rel="next"`, name, n, tags[n-1]))
		}
	}
	writeJSON(w, r, http.StatusOK, "application/json", struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}{name, append([]string{}, tags...)})
}

// referrers lists a subject's referrers as an image index, filtered by
// artifactType when asked (and saying so).
func (h *handler) referrers(w http.ResponseWriter, r *http.Request, name, ref string) {
	d, err := digest.Parse(ref)
	if err != nil {
		writeError(w, http.StatusBadRequest, "DIGEST_INVALID", "expected a digest, found "+strconv.Quote(ref))
		return
	}
	list := h.store.Referrers(name, d)
	if at := r.URL.Query().Get("artifactType"); at != "" {
		var kept []ocispec.Descriptor
		for _, desc := range list {
			if desc.ArtifactType == at {
				kept = append(kept, desc)
			}
		}
		list = kept
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	writeJSON(w, r, http.StatusOK, ocispec.MediaTypeImageIndex, ocispec.Index{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageIndex, Manifests: append([]ocispec.Descriptor{}, list...),
	})
}

// catalog lists the repositories served.
func (h *handler) catalog(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, http.StatusOK, "application/json", struct {
		Repositories []string `json:"repositories"`
	}{append([]string{}, h.store.Repositories()...)})
}

// writeJSON writes v as a JSON response (headers only for HEAD).
func writeJSON(w http.ResponseWriter, r *http.Request, status int, contentType string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(data)
	}
}

// writeError writes an OCI error body.
func writeError(w http.ResponseWriter, status int, code, message string) {
	data, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": code, "message": message}}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	w.Write(data)
}

// recorder remembers a response's status and size, for the log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}
