// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/airlock-dev/airlock/cluster"
	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/kube"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// maxChartArchive bounds a chart deploy reads into memory (Helm's loader
// then bounds what it decompresses).
const maxChartArchive = 64 << 20

// deployPlan is what a deploy applies, read through the handle and
// rewritten before anything is sent to the cluster.
type deployPlan struct {
	comps []*deployComponent
	// carried are the images of the components deployed.
	carried []mirrored
	// all are every image the package carries, where the mirror has them.
	all []mirrored
	mu  sync.Mutex
	// used are the carried images deployed objects name, by source.
	used  map[string]DeployedImage
	notes []string
}

// deployComponent is one component's objects and charts.
type deployComponent struct {
	name    string
	objects []*unstructured.Unstructured
	charts  []*deployChart
}

// deployChart is one chart, read and checked, and its release.
type deployChart struct {
	chart    cluster.Chart
	name     string
	version  string
	rendered *cluster.Rendered
}

// deployPlan reads the chosen components, in the definition's order.
func (h *Handle) deployPlan(ctx context.Context, to DeployTo) (*deployPlan, error) {
	p := &deployPlan{used: map[string]DeployedImage{}}
	var err error
	if p.all, err = h.pkg.mirroredImages(to.Mirror); err != nil {
		return nil, err
	}
	var names []string
	comps, err := h.components(ctx)
	if err != nil {
		return nil, err
	}
	for _, comp := range comps {
		name := comp.Annotations[spec.AnnotationTitle]
		names = append(names, name)
		if len(to.Components) > 0 && !slices.Contains(to.Components, name) {
			continue
		}
		c, err := h.deployComponent(ctx, p, name, comp.Layers, to)
		if err != nil {
			return nil, err
		}
		p.comps = append(p.comps, c)
	}
	for _, want := range to.Components {
		if !slices.Contains(names, want) {
			return nil, fmt.Errorf("component %q: the package has no such component (it has %s)", want, strings.Join(names, ", "))
		}
	}
	return p, nil
}

// deployComponent reads one component's manifests and charts, and checks
// that its images can be found.
func (h *Handle) deployComponent(ctx context.Context, p *deployPlan, name string, layers []ocispec.Descriptor, to DeployTo) (*deployComponent, error) {
	c := &deployComponent{name: name}
	for _, m := range p.all {
		if m.component == name {
			p.carried = append(p.carried, m)
		}
	}
	if to.Mirror == "" {
		n := 0
		for _, img := range h.pkg.Images() {
			if img.Annotations[spec.AnnotationComponent] == name {
				n++
			}
		}
		if n > 0 {
			return nil, fmt.Errorf("component %s carries %d images: say where they were mirrored (--registry oci://REGISTRY[/PREFIX]), so that every object pulls them from there", name, n)
		}
	}
	for _, l := range layers {
		title := l.Annotations[spec.AnnotationTitle]
		switch l.MediaType {
		case spec.MediaTypeManifest:
			data, err := graph.ReadBounded(ctx, h, l, cluster.MaxManifest)
			if err != nil {
				return nil, classify(err)
			}
			objs, err := cluster.Decode(data)
			if err != nil {
				return nil, fmt.Errorf("component %s: %s: %w", name, title, err)
			}
			for _, obj := range objs {
				if err := p.rewrite(obj); err != nil {
					return nil, fmt.Errorf("component %s: %s: %w", name, title, err)
				}
			}
			c.objects = append(c.objects, objs...)
		case spec.MediaTypeChart:
			ch, err := h.deployChart(ctx, p, l, to)
			if err != nil {
				return nil, fmt.Errorf("component %s: chart %s: %w", name, title, err)
			}
			c.charts = append(c.charts, ch)
		case spec.MediaTypeFile:
			if target := l.Annotations[spec.AnnotationFileTarget]; target != "" {
				p.notes = append(p.notes, fmt.Sprintf("component %s: file %s has target %s: files are not a cluster concern; install them with `airlock extract --install-targets`", name, title, target))
			}
		}
	}
	return c, nil
}

// deployChart reads a chart whole, once, through the handle (checked
// against its digest as it streams) and names its release after it.
func (h *Handle) deployChart(ctx context.Context, p *deployPlan, l ocispec.Descriptor, to DeployTo) (*deployChart, error) {
	archive, err := graph.ReadBounded(ctx, h, l, maxChartArchive)
	if err != nil {
		return nil, classify(err)
	}
	_, m, err := chartMeta(bytes.NewReader(archive))
	if err != nil {
		return nil, err
	}
	return &deployChart{name: m.Name, version: m.Version, chart: cluster.Chart{
		Archive: archive, Release: m.Name, Values: to.Values[m.Name], PostRender: p.rewrite, Owner: h.pkg.Info().Name,
	}}, nil
}

// rewrite points each image of obj that the package carries at its
// mirrored location, by digest, and notes the images it does not carry. It
// refuses a deployment record: only deploy writes those.
func (p *deployPlan) rewrite(obj *unstructured.Unstructured) error {
	if obj.GetKind() == "Secret" && obj.Object["type"] == cluster.RecordType {
		return fmt.Errorf("a package cannot carry a deployment record (Secret %s of type %s)", obj.GetName(), cluster.RecordType)
	}
	images, err := kube.RewriteObject(obj.Object, func(ref string) (string, bool) { return lookup(p.all, ref) })
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, img := range images {
		if img.NewRef == "" {
			note := fmt.Sprintf("%s/%s container %s: image %s is not carried by the package: left as written", img.Kind, img.Name, img.Container, img.Ref)
			if !slices.Contains(p.notes, note) {
				p.notes = append(p.notes, note)
			}
			continue
		}
		for _, m := range p.all {
			if m.internal == img.NewRef {
				p.used[m.source] = DeployedImage{Source: m.source, Mirrored: m.internal, Digest: m.digest}
			}
		}
	}
	return nil
}

// toCheck are the images the mirror must hold: those of the components
// deployed, and any other the deployed objects name.
func (p *deployPlan) toCheck() []mirrored {
	out := slices.Clone(p.carried)
	for _, m := range p.all {
		if _, ok := p.used[m.source]; ok && !slices.ContainsFunc(out, func(o mirrored) bool { return o.internal == m.internal }) {
			out = append(out, m)
		}
	}
	return out
}

// imagesUsed lists the images deployed objects name, in a stable order.
func (p *deployPlan) imagesUsed() []DeployedImage {
	out := []DeployedImage{}
	for _, m := range p.all {
		if u, ok := p.used[m.source]; ok && !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// failPlan says what reading the plan met: a package that is not what it
// should be fails verification; anything else is the deploy's.
func failPlan(h *Handle, err error) error {
	if _, ok := verify.AsFailure(classify(err)); ok {
		return h.fail(err, "deploy")
	}
	return err
}
