// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// InspectOptions tunes [Inspect]. The zero value is valid.
type InspectOptions struct{}

// Inspection is what a package holds, as read without verifying it.
type Inspection struct {
	// Verified is always false: Inspect checks nothing but the manifests it reads.
	Verified bool `json:"verified"`
	// Package names the package.
	Package verify.PackageInfo `json:"package"`
	// Description and Created come from the root's annotations.
	Description string `json:"description,omitempty"`
	Created     string `json:"created,omitempty"`
	// Components are the package's components with their content.
	Components []ComponentInfo `json:"components"`
	// Images are the images the package carries.
	Images []ImageInfo `json:"images"`
	// Referrers are the signatures and attestations attached to the root.
	Referrers []ReferrerInfo `json:"referrers"`
}

// ComponentInfo lists a component's layers.
type ComponentInfo struct {
	Name   string      `json:"name"`
	Digest string      `json:"digest"`
	Layers []LayerInfo `json:"layers"`
}

// LayerInfo is a file, manifest or chart of a component.
type LayerInfo struct {
	Title     string `json:"title"`
	MediaType string `json:"mediaType"`
	Size      int64  `json:"size"`
	Digest    string `json:"digest"`
	Target    string `json:"target,omitempty"`
}

// ImageInfo is an image the package carries.
type ImageInfo struct {
	Ref       string `json:"ref"`
	Component string `json:"component"`
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

// ReferrerInfo is a signature or attestation attached to the root.
type ReferrerInfo struct {
	Digest        string `json:"digest"`
	ArtifactType  string `json:"artifactType"`
	PredicateType string `json:"predicateType,omitempty"`
	Created       string `json:"created,omitempty"`
}

// Inspect reads the package archive at target and describes it, without
// verifying blob digests or signatures.
func Inspect(ctx context.Context, target string, _ InspectOptions) (*Inspection, error) {
	r, err := openArchive(target)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var root *ocispec.Descriptor
	ins := &Inspection{Components: []ComponentInfo{}, Images: []ImageInfo{}, Referrers: []ReferrerInfo{}}
	for _, d := range r.Index().Manifests {
		switch {
		case d.ArtifactType == spec.ArtifactTypePackage && root == nil:
			root = &d
		default:
			ins.Referrers = append(ins.Referrers, ReferrerInfo{
				Digest:        d.Digest.String(),
				ArtifactType:  d.ArtifactType,
				PredicateType: d.Annotations[spec.AnnotationBundlePredicateType],
				Created:       d.Annotations[spec.AnnotationCreated],
			})
		}
	}
	if root == nil {
		return nil, classify(fmt.Errorf("%w: index.json names no package root", archive.ErrMalformed))
	}
	var index ocispec.Index
	if err := readJSON(ctx, r, *root, &index); err != nil {
		return nil, err
	}
	ins.Package = verify.PackageInfo{Name: index.Annotations[spec.AnnotationTitle], Version: index.Annotations[spec.AnnotationVersion], Digest: root.Digest.String()}
	ins.Description = index.Annotations[spec.AnnotationDescription]
	ins.Created = index.Annotations[spec.AnnotationCreated]
	for _, m := range index.Manifests {
		if m.ArtifactType != spec.ArtifactTypeComponent {
			ins.Images = append(ins.Images, ImageInfo{
				Ref: m.Annotations[spec.AnnotationImageRef], Component: m.Annotations[spec.AnnotationComponent],
				MediaType: m.MediaType, Digest: m.Digest.String(), Size: m.Size,
			})
			continue
		}
		c, err := inspectComponent(ctx, r, m)
		if err != nil {
			return nil, err
		}
		ins.Components = append(ins.Components, c)
	}
	return ins, nil
}

func inspectComponent(ctx context.Context, r *archive.Reader, desc ocispec.Descriptor) (ComponentInfo, error) {
	var m ocispec.Manifest
	if err := readJSON(ctx, r, desc, &m); err != nil {
		return ComponentInfo{}, err
	}
	c := ComponentInfo{Name: m.Annotations[spec.AnnotationTitle], Digest: desc.Digest.String(), Layers: []LayerInfo{}}
	for _, l := range m.Layers {
		if l.Digest == spec.EmptyJSON.Digest {
			continue
		}
		c.Layers = append(c.Layers, LayerInfo{
			Title: l.Annotations[spec.AnnotationTitle], MediaType: l.MediaType, Size: l.Size,
			Digest: l.Digest.String(), Target: l.Annotations[spec.AnnotationFileTarget],
		})
	}
	return c, nil
}

func readJSON(ctx context.Context, r *archive.Reader, desc ocispec.Descriptor, v any) error {
	data, err := r.ReadManifest(ctx, desc)
	if err != nil {
		return classify(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return classify(fmt.Errorf("%w: %s: %v", archive.ErrMalformed, desc.Digest, err))
	}
	return nil
}
