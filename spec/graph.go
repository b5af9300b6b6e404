// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package spec

import (
	"encoding/json"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// node is the union of the fields of OCI and Docker manifests and indexes that
// name other blobs.
type node struct {
	MediaType string               `json:"mediaType"`
	Config    *ocispec.Descriptor  `json:"config"`
	Layers    []ocispec.Descriptor `json:"layers"`
	Manifests []ocispec.Descriptor `json:"manifests"`
	Subject   *ocispec.Descriptor  `json:"subject"`
}

// Children parses a manifest or index of the given media type and returns the
// descriptors it names, excluding its subject (see [Subject]). content must
// already be bounded and digest-checked by the caller. A mediaType field in
// content that contradicts mediaType is an error: such a document could be
// read two ways by two tools.
func Children(mediaType string, content []byte) ([]ocispec.Descriptor, error) {
	n, err := parse(mediaType, content)
	if err != nil {
		return nil, err
	}
	switch mediaType {
	case ocispec.MediaTypeImageManifest, MediaTypeDockerManifest:
		if n.Config == nil {
			return nil, fmt.Errorf("parse %s: no config", mediaType)
		}
		return append([]ocispec.Descriptor{*n.Config}, n.Layers...), nil
	case ocispec.MediaTypeImageIndex, MediaTypeDockerManifestList:
		return n.Manifests, nil
	}
	return nil, nil
}

// Subject returns the subject a manifest or index refers to, or nil.
func Subject(mediaType string, content []byte) (*ocispec.Descriptor, error) {
	n, err := parse(mediaType, content)
	if err != nil {
		return nil, err
	}
	return n.Subject, nil
}

func parse(mediaType string, content []byte) (*node, error) {
	if !IsManifest(mediaType) {
		return nil, fmt.Errorf("parse %s: not a manifest or index", mediaType)
	}
	var n node
	if err := json.Unmarshal(content, &n); err != nil {
		return nil, fmt.Errorf("parse %s: %w", mediaType, err)
	}
	if n.MediaType != "" && n.MediaType != mediaType {
		return nil, fmt.Errorf("parse %s: expected mediaType %q, found %q", mediaType, mediaType, n.MediaType)
	}
	return &n, nil
}
