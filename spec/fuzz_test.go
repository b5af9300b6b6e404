// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package spec_test

import (
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/spec"
)

// FuzzChildren feeds manifests from archives and registries to the parser.
func FuzzChildren(f *testing.F) {
	f.Add(ocispec.MediaTypeImageManifest, []byte(`{"schemaVersion":2,"config":{"mediaType":"a","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`))
	f.Add(ocispec.MediaTypeImageIndex, []byte(`{"schemaVersion":2,"manifests":[{"mediaType":"x","digest":"sha256:0","size":-1}],"subject":{}}`))
	f.Add(spec.MediaTypeDockerManifestList, []byte(`{"manifests":null}`))
	f.Fuzz(func(t *testing.T, mediaType string, data []byte) {
		children, err := spec.Children(mediaType, data)
		if err != nil && children != nil {
			t.Fatal("children returned with an error")
		}
		if _, err := spec.Subject(mediaType, data); err != nil && spec.IsManifest(mediaType) && children != nil {
			t.Fatal("Subject refused what Children accepted")
		}
	})
}
