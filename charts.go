// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/airlock-dev/airlock/internal/yamlfile"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// MediaTypeHelmConfig is the config media type of a Helm chart in a registry.
const MediaTypeHelmConfig = "application/vnd.cncf.helm.config.v1+json"

// maxChartYAML bounds a chart's Chart.yaml.
const maxChartYAML = 1 << 20

// maxChartKept bounds a chart kept in memory once read and checked, so that
// a mirror from a registry downloads it once; a larger one is read again.
const maxChartKept = 32 << 20

// chartArtifact is one of the package's charts as Helm stores charts in
// registries: an image manifest whose config is the chart's metadata (its
// Chart.yaml as JSON) and whose one layer is the chart, as signed. The
// manifest and config are airlock's, made from the verified chart; the
// layer is the package's.
type chartArtifact struct {
	name, version string
	manifest      ocispec.Descriptor
	layer         ocispec.Descriptor
	blobs         map[digest.Digest][]byte // the manifest, the config, and a small chart
}

// tag is the chart's version as an OCI tag (Helm writes "+" as "_").
func (c chartArtifact) tag() string { return strings.ReplaceAll(c.version, "+", "_") }

// charts makes the OCI artifact of every chart the handle pins. Each chart
// is read whole through the handle, so its Chart.yaml is used only once the
// chart matched its pinned digest.
func (h *Handle) charts(ctx context.Context) ([]chartArtifact, error) {
	var out []chartArtifact
	seen := map[digest.Digest]bool{}
	comps, err := h.components(ctx)
	if err != nil {
		return nil, err
	}
	for _, comp := range comps {
		for _, l := range comp.Layers {
			if l.MediaType != spec.MediaTypeChart || seen[l.Digest] {
				continue
			}
			seen[l.Digest] = true
			c, err := h.chart(ctx, l)
			if err != nil {
				return nil, fmt.Errorf("chart %s: %w", l.Annotations[spec.AnnotationTitle], err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// components reads the manifests of the handle's components, in the
// definition's order.
func (h *Handle) components(ctx context.Context) ([]ocispec.Manifest, error) {
	var out []ocispec.Manifest
	for _, m := range h.pkg.index.Manifests {
		if m.ArtifactType != spec.ArtifactTypeComponent {
			continue
		}
		var comp ocispec.Manifest
		if err := readJSON(ctx, h, m, &comp); err != nil {
			return nil, err
		}
		out = append(out, comp)
	}
	return out, nil
}

// chart reads one chart and makes its artifact.
func (h *Handle) chart(ctx context.Context, layer ocispec.Descriptor) (chartArtifact, error) {
	rc, err := h.Fetch(ctx, layer)
	if err != nil {
		return chartArtifact{}, err
	}
	defer rc.Close()
	var kept bytes.Buffer
	r := io.Reader(rc)
	if layer.Size <= maxChartKept {
		r = io.TeeReader(rc, &kept)
	}
	config, m, err := chartMeta(r)
	if err != nil {
		return chartArtifact{}, err
	}
	if _, err := io.Copy(io.Discard, r); err != nil { // the rest, so the digest is checked
		return chartArtifact{}, classify(err)
	}
	c := chartArtifact{name: m.Name, version: m.Version, layer: ocispec.Descriptor{MediaType: spec.MediaTypeChart, Digest: layer.Digest, Size: layer.Size},
		blobs: map[digest.Digest][]byte{}}
	cfg := ocispec.Descriptor{MediaType: MediaTypeHelmConfig, Digest: digest.FromBytes(config), Size: int64(len(config))}
	manifest, err := json.Marshal(ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		Config: cfg, Layers: []ocispec.Descriptor{c.layer},
		Annotations: map[string]string{ocispec.AnnotationTitle: m.Name, ocispec.AnnotationVersion: m.Version, ocispec.AnnotationDescription: m.Description},
	})
	if err != nil {
		return chartArtifact{}, err
	}
	c.manifest = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(manifest), Size: int64(len(manifest))}
	c.blobs[cfg.Digest], c.blobs[c.manifest.Digest] = config, manifest
	if kept.Len() > 0 {
		c.blobs[layer.Digest] = kept.Bytes()
	}
	return c, nil
}

// chartMetadata is what airlock reads of a chart's Chart.yaml.
type chartMetadata struct{ Name, Version, Description string }

// chartMeta reads a chart archive up to its Chart.yaml and returns it as
// JSON (a registry chart's config) and its name and version, checked to be
// a repository path element and an OCI tag.
func chartMeta(r io.Reader) ([]byte, chartMetadata, error) {
	var m chartMetadata
	meta, err := chartYAML(r)
	if err != nil {
		return nil, m, err
	}
	config, err := yamlToJSON(meta)
	if err != nil {
		return nil, m, verify.Fail(verify.ReasonMalformedPackage, "Chart.yaml: %v", err)
	}
	if err := json.Unmarshal(config, &m); err != nil || !chartName.MatchString(m.Name) || !chartTag.MatchString(strings.ReplaceAll(m.Version, "+", "_")) {
		return nil, m, verify.Fail(verify.ReasonMalformedPackage,
			"Chart.yaml: expected a name that is one repository path element and a version that is an OCI tag, found %q %q", m.Name, m.Version)
	}
	return config, m, nil
}

// chartYAML reads a chart archive up to its top-level Chart.yaml (at
// NAME/Chart.yaml, as helm package writes it).
func chartYAML(r io.Reader) ([]byte, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, verify.Fail(verify.ReasonMalformedPackage, "expected a gzip-compressed chart: %v", err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if err != nil {
			return nil, verify.Fail(verify.ReasonMalformedPackage, "expected a Chart.yaml in the chart, found none (%v)", err)
		}
		if hdr.Typeflag != tar.TypeReg || path.Base(hdr.Name) != "Chart.yaml" || strings.Count(path.Clean(hdr.Name), "/") != 1 {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(tr, maxChartYAML+1))
		if err != nil || len(data) > maxChartYAML {
			return nil, verify.Fail(verify.ReasonMalformedPackage, "Chart.yaml: unreadable or over %d bytes", maxChartYAML)
		}
		return data, nil
	}
}

// chartName and chartTag are what a chart's name and version must be to
// name it in a registry (PREFIX/charts/NAME:VERSION): one repository path
// element (lower case, as Helm's own names are), and an OCI tag.
var (
	chartName = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	chartTag  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
)

// yamlToJSON converts YAML from a package to JSON. Its shape is checked
// first (no aliases, which decoding would expand exponentially; bounded
// depth); go.yaml.in/yaml/v3 then decodes it in time linear in its size
// (goccy/go-yaml's decoder is quadratic in the keys of one mapping).
func yamlToJSON(data []byte) (out []byte, err error) {
	if err := yamlfile.CheckShape(data, yamlfile.Shape{MaxDepth: 32, NoAliases: true}); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("the YAML parser failed: %v", r)
		}
	}()
	var v any
	if err := yamlv3.Unmarshal(data, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
