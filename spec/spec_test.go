// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package spec_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/spec"
)

func TestChildrenAndSubject(t *testing.T) {
	m := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
	"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},
	"layers":[{"mediaType":"x","digest":"sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae","size":3}],
	"subject":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9","size":3}}`
	children, err := spec.Children(ocispec.MediaTypeImageManifest, []byte(m))
	if err != nil || len(children) != 2 || children[0].MediaType != "application/vnd.oci.empty.v1+json" {
		t.Fatalf("children: %v %+v", err, children)
	}
	subject, err := spec.Subject(ocispec.MediaTypeImageManifest, []byte(m))
	if err != nil || subject == nil || !strings.HasPrefix(subject.Digest.String(), "sha256:fcde") {
		t.Fatalf("subject: %v %+v", err, subject)
	}
	// A document claiming another media type than the descriptor's is refused:
	// two tools could read it two ways.
	if _, err := spec.Children(ocispec.MediaTypeImageIndex, []byte(m)); err == nil || !strings.Contains(err.Error(), "expected mediaType") {
		t.Fatalf("expected a media type conflict, got %v", err)
	}
	if _, err := spec.Children("application/octet-stream", []byte(m)); err == nil {
		t.Fatal("a blob is not a manifest")
	}
}

// The referrer holding a signature has cosign v3's exact shape.
func TestBundleReferrerIsCosignShaped(t *testing.T) {
	subject := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Digest: digest.FromString("root"), Size: 4}
	ref, err := spec.NewBundleReferrer(subject, []byte(`{"bundle":1}`), spec.PredicateTypeCosignSign, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(ref.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	config := m["config"].(map[string]any)
	annotations := m["annotations"].(map[string]any)
	checks := map[string]any{
		"artifactType":        spec.MediaTypeBundle,
		"config.mediaType":    "application/vnd.oci.empty.v1+json",
		"config.artifactType": spec.MediaTypeBundle,
		"created":             "2026-01-02T03:04:05Z",
		"content":             "dsse-envelope",
		"predicateType":       spec.PredicateTypeCosignSign,
		"layer":               spec.MediaTypeBundle,
		"subject":             subject.Digest.String(),
	}
	found := map[string]any{
		"artifactType":        m["artifactType"],
		"config.mediaType":    config["mediaType"],
		"config.artifactType": config["artifactType"],
		"created":             annotations["org.opencontainers.image.created"],
		"content":             annotations["dev.sigstore.bundle.content"],
		"predicateType":       annotations["dev.sigstore.bundle.predicateType"],
		"layer":               m["layers"].([]any)[0].(map[string]any)["mediaType"],
		"subject":             m["subject"].(map[string]any)["digest"],
	}
	for k, want := range checks {
		if found[k] != want {
			t.Errorf("%s: expected %v, found %v", k, want, found[k])
		}
	}
	if ref.Descriptor.Digest != digest.FromBytes(ref.Manifest) || ref.Descriptor.ArtifactType != spec.MediaTypeBundle {
		t.Errorf("descriptor does not describe the manifest: %+v", ref.Descriptor)
	}
}
