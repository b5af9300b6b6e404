// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package sign

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/airlock-dev/airlock/internal/limited"
)

// maxSigningConfig bounds a signing config file: real ones are a few KiB.
const maxSigningConfig = 1 << 20

// DetectRekorVersion asks a Rekor which API it speaks: Rekor v1 answers
// GET /api/v1/log with the log's state; Rekor v2 does not serve it.
func DetectRekorVersion(ctx context.Context, base string) (uint32, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/api/v1/log", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("detect Rekor API version at %s: %w (or pass --rekor-api-version)", base, err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return 1, nil
	}
	return 2, nil
}

// FromSigningConfig fills the services of opts from a Sigstore signing
// config (v0.2) file: the first valid Fulcio, Rekor and TSA, with Rekor's API
// version. Services already set in opts are kept.
func FromSigningConfig(path string, opts Options) (Options, error) {
	data, err := limited.ReadFile(path, maxSigningConfig)
	if err != nil {
		return opts, fmt.Errorf("--signing-config: %w", err)
	}
	sc, err := root.NewSigningConfigFromJSON(data)
	if err != nil {
		return opts, fmt.Errorf("signing config %s: %w", path, err)
	}
	now := time.Now()
	if opts.FulcioURL == "" {
		if svc, err := root.SelectService(sc.FulcioCertificateAuthorityURLs(), []uint32{1}, now); err == nil {
			opts.FulcioURL = svc.URL
		}
	}
	if opts.RekorURL == "" {
		if svcs, err := root.SelectServices(sc.RekorLogURLs(), sc.RekorLogURLsConfig(), []uint32{1, 2}, now); err == nil && len(svcs) > 0 {
			opts.RekorURL, opts.RekorVersion = svcs[0].URL, svcs[0].MajorAPIVersion
		}
	}
	if opts.TSAURL == "" {
		if svcs, err := root.SelectServices(sc.TimestampAuthorityURLs(), sc.TimestampAuthorityURLsConfig(), []uint32{1}, now); err == nil && len(svcs) > 0 {
			opts.TSAURL = svcs[0].URL
		}
	}
	return opts, nil
}
