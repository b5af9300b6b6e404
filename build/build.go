// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package build turns a definition into a package graph in a content store:
// files, manifests and charts as titled layers of one manifest per component,
// and images pulled from their registries in their own media types, all under
// one root index (see package spec and docs/format.md).
//
// Everything is streamed: file content is hashed while it is copied into the
// store, and images are copied blob by blob, so memory does not grow with the
// package's size.
package build

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/definition"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
)

// Options tunes [Build]. The zero value is valid.
type Options struct {
	// Created is the package's creation time. Default: the newest modification
	// time of the definition and the files it names, so that the same input
	// gives the same package (set it from SOURCE_DATE_EPOCH for reproducible
	// builds across checkouts).
	Created time.Time
	// Registry says how images are pulled.
	Registry registry.Options
	// Concurrency is how many image blobs are pulled at once. Default: 4.
	Concurrency int
	// Logger receives progress. Default: discard.
	Logger *slog.Logger
	// Progress receives each image blob's transfer, named by the image's
	// reference (the title annotation). Default: none.
	Progress Progress
	// ImageAnnotations, if set, adds annotations to an image's descriptor in
	// the root index (such as the upstream policy the package records).
	ImageAnnotations func(definition.Image) (map[string]string, error)
	// progressName names the image being pulled, for Progress.
	progressName string
}

// ImageError is an image that could not be pulled or read, with where the
// definition lists it (components[Component].images[Index]).
type ImageError struct {
	Component, Index int
	Err              error
}

func (e *ImageError) Error() string { return e.Err.Error() }
func (e *ImageError) Unwrap() error { return e.Err }

// Field is the definition field the image is at.
func (e *ImageError) Field() string {
	return fmt.Sprintf("$.components[%d].images[%d].ref", e.Component, e.Index)
}

// Content is one file, manifest, chart or image a build put in a package.
type Content struct {
	// Kind is "file", "manifest", "chart" or "image".
	Kind string
	// Name is the path in the definition, or the image reference.
	Name string
	// Component is the component it belongs to.
	Component string
	// Descriptor describes it in the package.
	Descriptor ocispec.Descriptor
}

// Result is what [Build] made.
type Result struct {
	// Root is the root index's descriptor, ready to be named in index.json.
	Root ocispec.Descriptor
	// Created is the package's creation time.
	Created time.Time
	// Contents lists everything the package holds, in definition order.
	Contents []Content
}

// Build builds pkg, read from dir, into store.
func Build(ctx context.Context, dir string, pkg *definition.Package, store *Store, opts Options) (*Result, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	res := &Result{Created: opts.Created}
	if res.Created.IsZero() {
		t, err := newestInput(dir, pkg)
		if err != nil {
			return nil, err
		}
		res.Created = t
	}
	var manifests []ocispec.Descriptor
	for ci, c := range pkg.Components {
		desc, layers, err := buildComponent(ctx, dir, c, store)
		if err != nil {
			return nil, fmt.Errorf("component %s: %w", c.Name, err)
		}
		manifests = append(manifests, desc)
		res.Contents = append(res.Contents, layers...)
		log.InfoContext(ctx, "built component", "component", c.Name, "digest", desc.Digest)
		for ii, img := range c.Images {
			desc, err := pullImage(ctx, dir, img, store, opts)
			if err != nil {
				return nil, &ImageError{Component: ci, Index: ii, Err: fmt.Errorf("component %s: image %s: %w", c.Name, img.Ref, err)}
			}
			desc.Annotations = map[string]string{spec.AnnotationComponent: c.Name, spec.AnnotationImageRef: img.Ref}
			if opts.ImageAnnotations != nil {
				extra, err := opts.ImageAnnotations(img)
				if err != nil {
					return nil, fmt.Errorf("component %s: image %s: %w", c.Name, img.Ref, err)
				}
				maps.Copy(desc.Annotations, extra)
			}
			manifests = append(manifests, desc)
			res.Contents = append(res.Contents, Content{Kind: "image", Name: img.Ref, Component: c.Name, Descriptor: desc})
			log.InfoContext(ctx, "pulled image", "ref", img.Ref, "digest", desc.Digest)
		}
	}
	created := res.Created
	annotations := map[string]string{
		spec.AnnotationTitle:   pkg.Metadata.Name,
		spec.AnnotationVersion: pkg.Metadata.Version,
		spec.AnnotationCreated: created.UTC().Format(time.RFC3339),
	}
	if pkg.Metadata.Description != "" {
		annotations[spec.AnnotationDescription] = pkg.Metadata.Description
	}
	index := ocispec.Index{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageIndex,
		ArtifactType: spec.ArtifactTypePackage,
		Manifests:    manifests,
		Annotations:  annotations,
	}
	data, err := json.Marshal(index)
	if err != nil {
		return nil, err
	}
	root, err := store.PushBytes(ctx, ocispec.MediaTypeImageIndex, data)
	if err != nil {
		return nil, err
	}
	root.ArtifactType = spec.ArtifactTypePackage
	root.Annotations = map[string]string{spec.AnnotationRefName: pkg.Metadata.Version}
	res.Root = root
	return res, nil
}

// buildComponent stores a component's files, manifests and charts and its manifest.
func buildComponent(ctx context.Context, dir string, c definition.Component, store *Store) (ocispec.Descriptor, []Content, error) {
	var layers []ocispec.Descriptor
	var contents []Content
	add := func(kind, rel, mediaType string, extra map[string]string) error {
		full, err := definition.Resolve(dir, rel)
		if err != nil {
			return err
		}
		desc, err := ingestFile(ctx, store, full, mediaType)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		desc.Annotations = map[string]string{spec.AnnotationTitle: path.Clean(filepath.ToSlash(rel))}
		for k, v := range extra {
			desc.Annotations[k] = v
		}
		layers = append(layers, desc)
		contents = append(contents, Content{Kind: kind, Name: desc.Annotations[spec.AnnotationTitle], Component: c.Name, Descriptor: desc})
		return nil
	}
	for _, f := range c.Files {
		var extra map[string]string
		if f.Target != "" {
			extra = map[string]string{spec.AnnotationFileTarget: f.Target}
		}
		if err := add("file", f.Path, spec.MediaTypeFile, extra); err != nil {
			return ocispec.Descriptor{}, nil, err
		}
	}
	for _, m := range c.Manifests {
		if err := add("manifest", m.Path, spec.MediaTypeManifest, nil); err != nil {
			return ocispec.Descriptor{}, nil, err
		}
	}
	for _, ch := range c.Charts {
		desc, err := addChart(ctx, dir, ch.Path, store)
		if err != nil {
			return ocispec.Descriptor{}, nil, fmt.Errorf("chart %s: %w", ch.Path, err)
		}
		layers = append(layers, desc)
		contents = append(contents, Content{Kind: "chart", Name: desc.Annotations[spec.AnnotationTitle], Component: c.Name, Descriptor: desc})
	}
	if len(layers) == 0 {
		// An OCI manifest needs a layer; an images-only component carries the empty blob.
		layers = append(layers, spec.EmptyJSON)
	}
	if _, err := store.PushBytes(ctx, spec.EmptyJSON.MediaType, spec.EmptyJSON.Data); err != nil {
		return ocispec.Descriptor{}, nil, err
	}
	config := spec.EmptyJSON
	config.Data = nil
	for i := range layers {
		layers[i].Data = nil
	}
	m := ocispec.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: spec.ArtifactTypeComponent,
		Config:       config,
		Layers:       layers,
		Annotations:  map[string]string{spec.AnnotationTitle: c.Name},
	}
	data, err := json.Marshal(m)
	if err != nil {
		return ocispec.Descriptor{}, nil, err
	}
	desc, err := store.PushBytes(ctx, ocispec.MediaTypeImageManifest, data)
	if err != nil {
		return ocispec.Descriptor{}, nil, err
	}
	desc.ArtifactType = spec.ArtifactTypeComponent
	desc.Annotations = map[string]string{spec.AnnotationComponent: c.Name}
	return desc, contents, nil
}

func ingestFile(ctx context.Context, store *Store, full, mediaType string) (ocispec.Descriptor, error) {
	f, err := os.Open(full)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	defer f.Close()
	return store.Ingest(ctx, mediaType, f)
}

// newestInput returns the newest modification time among the definition and
// the local paths it names (truncated to seconds, as RFC 3339 keeps them).
func newestInput(dir string, pkg *definition.Package) (time.Time, error) {
	paths := []string{definition.FileName}
	for _, c := range pkg.Components {
		for _, f := range c.Files {
			paths = append(paths, f.Path)
		}
		for _, m := range c.Manifests {
			paths = append(paths, m.Path)
		}
		for _, ch := range c.Charts {
			paths = append(paths, ch.Path)
		}
	}
	var newest time.Time
	for _, p := range paths {
		full, err := definition.Resolve(dir, p)
		if err != nil {
			return time.Time{}, err
		}
		t, err := newestIn(full)
		if err != nil {
			return time.Time{}, err
		}
		if t.After(newest) {
			newest = t
		}
	}
	return newest.UTC().Truncate(time.Second), nil
}
