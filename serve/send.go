// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package serve

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// chunk is how much is read and written at a time.
const chunk = 1 << 20

// send serves desc's content (whole, or the byte range asked for), its
// last chunk held back until all of desc was read and matched its digest:
// a mismatch drops the connection, so no client ever holds a complete
// response of content that does not match.
func (h *handler) send(w http.ResponseWriter, r *http.Request, desc ocispec.Descriptor) {
	first, last, ok := byteRange(r.Header.Get("Range"), desc.Size)
	if !ok {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", desc.Size))
		writeError(w, http.StatusRequestedRangeNotSatisfiable, "BLOB_UNKNOWN", "the range asked for is not in the blob")
		return
	}
	w.Header().Set("Docker-Content-Digest", desc.Digest.String())
	w.Header().Set("Content-Length", strconv.FormatInt(last-first+1, 10))
	status := http.StatusOK
	if r.Header.Get("Range") != "" {
		status = http.StatusPartialContent
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, desc.Size))
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	rc, err := h.store.Fetch(r.Context(), desc)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "UNKNOWN", "read "+desc.Digest.String()+": "+err.Error())
		return
	}
	defer rc.Close()
	w.WriteHeader(status)
	if err := holdBack(w, rc, first, last); err != nil {
		h.log.Warn("content no longer matches what was verified: response dropped", "digest", desc.Digest.String(), "error", err.Error())
		panic(http.ErrAbortHandler)
	}
}

// holdBack copies bytes first..last of r to w, then reads r to its end,
// and writes the last chunk only once that read succeeded.
func holdBack(w io.Writer, r io.Reader, first, last int64) error {
	if _, err := io.CopyN(io.Discard, r, first); err != nil {
		return err
	}
	bufs := [2][]byte{make([]byte, chunk), make([]byte, chunk)}
	var held []byte
	for i, left := 0, last-first+1; left > 0; i ^= 1 {
		n, err := io.ReadFull(r, bufs[i][:min(int64(chunk), left)])
		if err != nil {
			return err
		}
		if held != nil {
			if _, err := w.Write(held); err != nil {
				return err
			}
		}
		held, left = bufs[i][:n], left-int64(n)
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	_, err := w.Write(held)
	return err
}

// byteRange parses a single "bytes=FIRST-[LAST]" or "bytes=-SUFFIX" range
// against size; no header is the whole content.
func byteRange(header string, size int64) (int64, int64, bool) {
	if header == "" {
		return 0, size - 1, true
	}
	spec, ok := strings.CutPrefix(header, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, _ := strings.Cut(spec, "-")
	if a == "" { // "bytes=-N": the last N bytes
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 || size == 0 {
			return 0, 0, false
		}
		return max(size-n, 0), size - 1, true
	}
	first, err := strconv.ParseInt(a, 10, 64)
	if err != nil || first < 0 || first >= size {
		return 0, 0, false
	}
	last := size - 1
	if b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if errors.Is(err, strconv.ErrRange) && n > 0 {
			n, err = size-1, nil // past any size: to the end, as RFC 9110 says
		}
		if err != nil || n < first {
			return 0, 0, false
		}
		last = min(n, size-1)
	}
	return first, last, true
}
