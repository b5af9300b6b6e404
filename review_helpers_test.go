// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
)

func airlocktestRepo(t *testing.T, host, repo string) *remote.Repository {
	r, err := remote.NewRepository(host + "/" + repo)
	if err != nil {
		t.Fatal(err)
	}
	r.PlainHTTP = true
	return r
}

func contentFetchAll(ctx context.Context, r *remote.Repository, d ocispec.Descriptor) ([]byte, error) {
	return content.FetchAll(ctx, r, ocispec.Descriptor{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size})
}
