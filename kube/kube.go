// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package kube reads Kubernetes manifests the way airlock uses them inside
// an air gap: it finds the image references of the pod specs in a
// manifest (one or more YAML or JSON documents) and rewrites those a caller
// maps elsewhere, changing only the bytes of those values: every other
// byte (documents, fields, comments, quotes, spacing) stays as written. It
// does no I/O.
//
// A pod spec is found where Kubernetes puts one: a Pod's spec, a
// PodTemplate's template, the spec.template of a Deployment, StatefulSet,
// DaemonSet, ReplicaSet, ReplicationController or Job, a CronJob's
// spec.jobTemplate.spec.template, and the items of a List. Its containers,
// initContainers and ephemeralContainers are read. Whatever would let
// Kubernetes read an image this package does not see (a merge key, an
// anchor or alias, a block scalar, a tag other than !!str) is refused.
package kube

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/airlock-dev/airlock/internal/yamlfile"
)

// MaxSize bounds a manifest this package parses: 16 MiB, far more than any
// object the Kubernetes API server accepts (1.5 MiB).
const MaxSize = 16 << 20

// ErrInvalid marks a manifest that cannot be parsed, or whose images
// cannot all be found and rewritten alone.
var ErrInvalid = errors.New("invalid Kubernetes manifest")

// Image is one image reference of a pod spec.
type Image struct {
	// Ref is the reference as the manifest wrote it.
	Ref string `json:"ref"`
	// NewRef is what it was rewritten to ("" when it was kept).
	NewRef string `json:"newRef,omitempty"`
	// Kind and Name say which object holds it; Container which container.
	Kind      string `json:"kind"`
	Name      string `json:"name,omitempty"`
	Container string `json:"container,omitempty"`
	// Line is its line in the manifest (1-based).
	Line int `json:"line"`
}

// podSpecs says where each kind keeps its pod spec.
var podSpecs = map[string][]string{
	"Pod":                   {"spec"},
	"PodTemplate":           {"template", "spec"},
	"Deployment":            {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
}

// containerLists are the pod spec's fields that hold containers.
var containerLists = []string{"containers", "initContainers", "ephemeralContainers"}

// RewriteImages finds every pod-spec image reference in data and replaces
// those for which rewrite returns true with the value it returns. Only the
// bytes of each replaced value change (its quotes kept); every other byte of
// the manifest stays as it was. It returns the manifest (data itself when
// nothing was rewritten) and every reference found, in the order of the
// manifest. A reference that cannot be found or replaced alone (see the
// package doc; escapes, several lines), or a replacement that is not a
// plain image reference, is an error: nothing is rewritten rather than
// something else.
func RewriteImages(data []byte, rewrite func(ref string) (string, bool)) ([]byte, []Image, error) {
	if len(data) > MaxSize {
		return nil, nil, fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrInvalid, len(data), MaxSize)
	}
	if err := yamlfile.CheckShape(data, yamlfile.Shape{MaxDepth: yamlfile.MaxDepth}); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	found, err := findImages(data)
	if err != nil {
		return nil, nil, err
	}
	var images []Image
	var edits []edit
	for _, f := range found {
		img := f.image
		if rewrite != nil {
			if to, ok := rewrite(img.Ref); ok && to != img.Ref {
				if !plainRef(to) {
					return nil, nil, fmt.Errorf("line %d: expected a plain image reference to write, found %q", img.Line, to)
				}
				edits, img.NewRef = append(edits, edit{node: f.node, to: to}), to
			}
		}
		images = append(images, img)
	}
	if len(edits) == 0 {
		return data, images, nil
	}
	out, err := splice(data, edits)
	return out, images, err
}

// found is an image reference's node and what it says.
type found struct {
	node  *yaml.Node
	image Image
}

// findImages parses every document (go.yaml.in/yaml/v3: linear in the
// input) and lists its images in the order of the manifest.
func findImages(data []byte) (out []found, err error) {
	defer func() {
		if r := recover(); r != nil { // never trust a parser with hostile input
			out, err = nil, fmt.Errorf("%w: the YAML parser failed: %v", ErrInvalid, r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		if len(doc.Content) == 0 {
			continue
		}
		f, err := imageNodes(doc.Content[0], 0)
		if err != nil {
			return nil, err
		}
		out = append(out, f...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].node, out[j].node
		return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
	})
	return out, nil
}

// maxNesting bounds how deep Lists may nest.
const maxNesting = 8

// imageNodes lists the image references of the object in n (a List's
// items, recursively).
func imageNodes(n *yaml.Node, depth int) ([]found, error) {
	obj, err := mapping(n, "the object")
	if obj == nil || err != nil || depth > maxNesting {
		return nil, err
	}
	kind := scalar(field(obj, "kind"))
	if kind == "List" || strings.HasSuffix(kind, "List") {
		items, err := structural(field(obj, "items"), kind, "items")
		if err != nil || items == nil || items.Kind != yaml.SequenceNode {
			return nil, err
		}
		var out []found
		for _, item := range items.Content {
			f, err := imageNodes(item, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, f...)
		}
		return out, nil
	}
	path, ok := podSpecs[kind]
	if !ok {
		return nil, nil
	}
	name := scalar(field(asMapping(field(obj, "metadata")), "name"))
	spec := obj
	for _, key := range path {
		if spec, err = mapping(field(spec, key), kind+"/"+name+": "+key); spec == nil || err != nil {
			return nil, err
		}
	}
	return containerImages(spec, kind, name)
}

// containerImages lists the images of a pod spec's containers.
func containerImages(spec *yaml.Node, kind, name string) ([]found, error) {
	var out []found
	for _, list := range containerLists {
		seq, err := structural(field(spec, list), kind+"/"+name, list)
		if err != nil {
			return nil, err
		}
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, c := range seq.Content {
			cm, err := mapping(c, kind+"/"+name+": a container")
			if err != nil {
				return nil, err
			}
			if cm == nil {
				continue
			}
			img, err := imageValue(field(cm, "image"), kind, name)
			if err != nil {
				return nil, err
			}
			if img == nil {
				continue
			}
			out = append(out, found{img, Image{Ref: img.Value, Kind: kind, Name: name, Container: scalar(field(cm, "name")), Line: img.Line}})
		}
	}
	return out, nil
}
