// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package registry

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/errdef"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
)

// MaxReferrers bounds how many referrers of one subject are considered: a
// hostile registry must not make a verifier fetch without end.
const MaxReferrers = 1000

// MaxReferrerPages bounds how many pages of a referrers listing are read: a
// registry that answers every page with a link to another (empty) page must
// not keep a verifier listing forever.
const MaxReferrerPages = 64

// Cosign's legacy tag suffixes: signatures and attestations stored under
// "sha256-<hex>.sig" and "sha256-<hex>.att" before OCI 1.1 referrers.
const (
	LegacySignatureSuffix   = ".sig"
	LegacyAttestationSuffix = ".att"
)

// ProbeReferrers asks whether the registry serves the OCI 1.1 referrers API,
// and tells repo so that pushes maintain the referrers tag schema
// ("sha256-<hex>" index) when it does not. Registries answer the probe of an
// unsupported API with 404, 405 or 400; each means "not supported".
func ProbeReferrers(ctx context.Context, repo *remote.Repository) (bool, error) {
	ref := repo.Reference
	ref.Reference = digest.FromString("").String()
	ctx = auth.AppendRepositoryScope(ctx, ref, auth.ActionPull)
	scheme := "https"
	if repo.PlainHTTP {
		scheme = "http"
	}
	url := fmt.Sprintf("%s://%s/v2/%s/referrers/%s", scheme, ref.Host(), ref.Repository, ref.Reference)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err
	}
	resp, err := repo.Client.Do(req)
	if err != nil {
		return false, fmt.Errorf("probe referrers API: %w", err)
	}
	resp.Body.Close()
	var supported bool
	switch resp.StatusCode {
	case http.StatusOK:
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		supported = mt == ocispec.MediaTypeImageIndex
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusBadRequest:
		supported = false
	default:
		return false, fmt.Errorf("probe referrers API: GET %s: %s", url, resp.Status)
	}
	if err := repo.SetReferrersCapability(supported); err != nil && !errors.Is(err, remote.ErrReferrersCapabilityAlreadySet) {
		return false, err
	}
	return supported, nil
}

// Referrer is a manifest found to be about a subject.
type Referrer struct {
	// Descriptor describes the referrer manifest, with its artifactType and
	// annotations as the registry listed them.
	ocispec.Descriptor
	// LegacyTag is set for cosign's tag-based signatures and attestations
	// ("sha256-<hex>.sig" or ".att"); such manifests have no subject field.
	LegacyTag string
	// Subject is the digest the referrer was found for.
	Subject digest.Digest
}

// Discover lists the manifests about subject: the referrers API or, on
// registries without it, the referrers tag schema; then cosign's legacy
// ".sig" and ".att" tags. Call [ProbeReferrers] first.
func Discover(ctx context.Context, repo *remote.Repository, subject ocispec.Descriptor) ([]Referrer, error) {
	var out []Referrer
	err := repo.Referrers(ctx, subject, "", func(page []ocispec.Descriptor) error {
		for _, d := range page {
			if len(out) >= MaxReferrers {
				return fmt.Errorf("subject %s has more than %d referrers", subject.Digest, MaxReferrers)
			}
			out = append(out, Referrer{Descriptor: d, Subject: subject.Digest})
		}
		return nil
	})
	if err != nil && !errors.Is(err, errdef.ErrNotFound) {
		return nil, fmt.Errorf("list referrers of %s: %w", subject.Digest, err)
	}
	for _, suffix := range []string{LegacySignatureSuffix, LegacyAttestationSuffix} {
		tag := LegacyTag(subject.Digest, suffix)
		desc, err := repo.Resolve(ctx, tag)
		if errors.Is(err, errdef.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", tag, err)
		}
		out = append(out, Referrer{Descriptor: ocispec.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}, LegacyTag: tag, Subject: subject.Digest})
	}
	return out, nil
}

// LegacyTag is cosign's tag for a subject's signatures (".sig") or
// attestations (".att"): "sha256-<hex><suffix>".
func LegacyTag(subject digest.Digest, suffix string) string {
	return strings.Replace(subject.String(), ":", "-", 1) + suffix
}
