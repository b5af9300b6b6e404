// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// InspectOptions tunes [Inspect]. The zero value is valid.
type InspectOptions struct {
	// Registry says how registries are reached, for oci:// targets.
	Registry registry.Options
}

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
	// Tag is set for cosign's legacy tag-based signatures and attestations.
	Tag string `json:"tag,omitempty"`
}

// Inspect reads the package at target (an archive path or an oci://
// reference) and describes it, without verifying digests or signatures.
func Inspect(ctx context.Context, target string, opts InspectOptions) (*Inspection, error) {
	src, err := openSource(ctx, target, opts.Registry)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	ins := &Inspection{Components: []ComponentInfo{}, Images: []ImageInfo{}, Referrers: []ReferrerInfo{}}
	ins.Package = src.info()
	ins.Description = src.index.Annotations[spec.AnnotationDescription]
	ins.Created = src.index.Annotations[spec.AnnotationCreated]
	for _, r := range src.referrers {
		ins.Referrers = append(ins.Referrers, ReferrerInfo{
			Digest:        r.Digest.String(),
			ArtifactType:  r.ArtifactType,
			PredicateType: r.Annotations[spec.AnnotationBundlePredicateType],
			Created:       r.Annotations[spec.AnnotationCreated],
			Tag:           r.LegacyTag,
		})
	}
	for _, m := range src.index.Manifests {
		if m.ArtifactType != spec.ArtifactTypeComponent {
			ins.Images = append(ins.Images, ImageInfo{
				Ref: m.Annotations[spec.AnnotationImageRef], Component: m.Annotations[spec.AnnotationComponent],
				MediaType: m.MediaType, Digest: m.Digest.String(), Size: m.Size,
			})
			continue
		}
		c, err := inspectComponent(ctx, src, m)
		if err != nil {
			return nil, err
		}
		ins.Components = append(ins.Components, c)
	}
	return ins, nil
}

func inspectComponent(ctx context.Context, src *source, desc ocispec.Descriptor) (ComponentInfo, error) {
	data, err := readBounded(ctx, src.store, desc, spec.MaxManifestSize)
	if err != nil {
		return ComponentInfo{}, err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return ComponentInfo{}, verify.Fail(verify.ReasonMalformedPackage, "component %s: %v", desc.Digest, err)
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
