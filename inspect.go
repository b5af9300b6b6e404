// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// InspectOptions tunes [Inspect]. The zero value is valid.
type InspectOptions struct {
	// Registry says how registries are reached, for oci:// targets.
	Registry registry.Options
	// Base is the package a differential archive was made against (an
	// archive or oci:// reference; see [OpenOptions]). Default: none.
	Base string
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
	// Base names the package a differential archive was made against.
	Base *verify.PackageInfo `json:"base,omitempty"`
	// Parts are a split archive's files, in order.
	Parts []string `json:"parts,omitempty"`
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

// ReferrerInfo is a manifest attached to the root, as its content says.
type ReferrerInfo struct {
	Digest        string `json:"digest"`
	ArtifactType  string `json:"artifactType"`
	PredicateType string `json:"predicateType,omitempty"`
	Created       string `json:"created,omitempty"`
	// Tag is set for cosign's legacy tag-based signatures and attestations.
	Tag string `json:"tag,omitempty"`
	// Kind is what airlock reads it as: "signature", "attestation",
	// "statement" (unsigned), "legacy-signature", "legacy-attestation", or
	// "ignored" (not read by airlock: never counted or carried).
	Kind string `json:"kind"`
	// Signed is true for signatures and attestations, which carry a
	// signature; Inspect verifies none of them.
	Signed bool `json:"signed"`
	// Note says why an ignored referrer is ignored.
	Note string `json:"note,omitempty"`
}

// kindNames names a referrer's kind in an Inspection.
var kindNames = map[kind]string{kindOther: "ignored", kindStatement: "statement", kindLegacySig: "legacy-signature", kindLegacyAtt: "legacy-attestation"}

func referrerInfo(r *referrer) ReferrerInfo {
	info := ReferrerInfo{
		Digest: r.desc.Digest.String(), ArtifactType: r.desc.ArtifactType, PredicateType: r.predicateType,
		Created: r.desc.Annotations[spec.AnnotationCreated], Tag: r.tag, Kind: kindNames[r.kind], Note: r.note,
		Signed: r.kind == kindBundle || r.kind == kindLegacySig || r.kind == kindLegacyAtt,
	}
	if r.kind == kindBundle {
		info.Kind = "attestation"
		if r.predicateType == spec.PredicateTypeCosignSign {
			info.Kind = "signature"
		}
	}
	return info
}

// Inspect reads the package at target (an archive path or an oci://
// reference) and describes it, without verifying digests or signatures:
// every referrer of the root is listed with what airlock reads it as.
func Inspect(ctx context.Context, target string, opts InspectOptions) (*Inspection, error) {
	pkg, err := Open(ctx, target, OpenOptions{Registry: opts.Registry, Base: opts.Base})
	if err != nil {
		return nil, err
	}
	defer pkg.Close()
	ins := &Inspection{Components: []ComponentInfo{}, Images: []ImageInfo{}, Referrers: []ReferrerInfo{}}
	ins.Package = pkg.Info()
	ins.Description = pkg.index.Annotations[spec.AnnotationDescription]
	ins.Created = pkg.index.Annotations[spec.AnnotationCreated]
	if a, ok := pkg.src.(*archiveBackend); ok {
		if b, differential, _ := a.r.Base(); differential {
			ins.Base = &verify.PackageInfo{Name: b.Name, Version: b.Version, Digest: b.Root.String()}
		}
		if parts := a.r.Parts(); len(parts) > 1 {
			ins.Parts = parts
		}
	}
	refs, err := pkg.refs.list(ctx, pkg.root, nil)
	if err != nil {
		return nil, err
	}
	for _, r := range refs {
		ins.Referrers = append(ins.Referrers, referrerInfo(r))
	}
	for _, m := range pkg.index.Manifests {
		if m.ArtifactType != spec.ArtifactTypeComponent {
			ins.Images = append(ins.Images, ImageInfo{
				Ref: m.Annotations[spec.AnnotationImageRef], Component: m.Annotations[spec.AnnotationComponent],
				MediaType: m.MediaType, Digest: m.Digest.String(), Size: m.Size,
			})
			continue
		}
		c, err := inspectComponent(ctx, pkg, m)
		if err != nil {
			return nil, err
		}
		ins.Components = append(ins.Components, c)
	}
	return ins, nil
}

func inspectComponent(ctx context.Context, pkg *Package, desc ocispec.Descriptor) (ComponentInfo, error) {
	data, err := graph.ReadBounded(ctx, pkg.src, desc, spec.MaxManifestSize)
	if err != nil {
		return ComponentInfo{}, classify(err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return ComponentInfo{}, verify.Fail(verify.ReasonMalformedPackage, "component %s: %v", desc.Digest, err)
	}
	c := ComponentInfo{Name: m.Annotations[spec.AnnotationTitle], Digest: desc.Digest.String(), Layers: []LayerInfo{}}
	for _, l := range m.Layers {
		if err := l.Digest.Validate(); err != nil {
			return ComponentInfo{}, verify.Fail(verify.ReasonMalformedPackage, "component %s: a layer's digest %q: %v", desc.Digest, l.Digest, err)
		}
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
