// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package kube reads Kubernetes manifests the way airlock uses them inside
// an air gap: it finds the image references of the pod specs in a
// manifest (one or more YAML or JSON documents) and rewrites those a caller
// maps elsewhere, leaving every other document, field, comment and quote as
// it was written (goccy/go-yaml's syntax tree, edited in place; a comment's
// spacing may change). It does no I/O.
//
// A pod spec is found where Kubernetes puts one: a Pod's spec, a
// PodTemplate's template, the spec.template of a Deployment, StatefulSet,
// DaemonSet, ReplicaSet, ReplicationController or Job, a CronJob's
// spec.jobTemplate.spec.template, and the items of a List. Its containers,
// initContainers and ephemeralContainers are read.
package kube

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// MaxSize bounds a manifest this package parses: 16 MiB, far more than any
// object the Kubernetes API server accepts (1.5 MiB).
const MaxSize = 16 << 20

// ErrInvalid marks a manifest that cannot be parsed.
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
// those for which rewrite returns true with the value it returns. It
// returns the manifest (data itself, byte for byte, when nothing was
// rewritten) and every reference found, in the order of the manifest.
func RewriteImages(data []byte, rewrite func(ref string) (string, bool)) (out []byte, images []Image, err error) {
	if len(data) > MaxSize {
		return nil, nil, fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrInvalid, len(data), MaxSize)
	}
	defer func() {
		if r := recover(); r != nil { // go-yaml panics on some hostile input (ADR 5)
			out, images, err = nil, nil, fmt.Errorf("%w: the YAML parser failed: %v", ErrInvalid, r)
		}
	}()
	f, err := parser.ParseBytes(data, parser.ParseComments)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	changed := false
	for _, doc := range f.Docs {
		refs := imageNodes(doc.Body, 0)
		sort.SliceStable(refs, func(i, j int) bool { return refs[i].image.Line < refs[j].image.Line })
		for _, ref := range refs {
			img := ref.image
			if rewrite != nil {
				if to, ok := rewrite(img.Ref); ok && to != img.Ref {
					ref.node.Value, ref.node.Token.Value = to, to
					img.NewRef, changed = to, true
				}
			}
			images = append(images, img)
		}
	}
	if !changed {
		return data, images, nil
	}
	return []byte(f.String()), images, nil
}

// found is an image reference's node and what it says.
type found struct {
	node  *ast.StringNode
	image Image
}

// maxNesting bounds how deep Lists may nest.
const maxNesting = 8

// imageNodes lists the image references of the object in n (a List's
// items, recursively).
func imageNodes(n ast.Node, depth int) []found {
	obj := mapping(n)
	if obj == nil || depth > maxNesting {
		return nil
	}
	kind := scalar(field(obj, "kind"))
	if kind == "List" || strings.HasSuffix(kind, "List") {
		var out []found
		if items, ok := unwrap(field(obj, "items")).(*ast.SequenceNode); ok {
			for _, item := range items.Values {
				out = append(out, imageNodes(item, depth+1)...)
			}
		}
		return out
	}
	path, ok := podSpecs[kind]
	if !ok {
		return nil
	}
	name := scalar(field(mapping(field(obj, "metadata")), "name"))
	spec := obj
	for _, key := range path {
		if spec = mapping(field(spec, key)); spec == nil {
			return nil
		}
	}
	var out []found
	for _, list := range containerLists {
		seq, ok := unwrap(field(spec, list)).(*ast.SequenceNode)
		if !ok {
			continue
		}
		for _, c := range seq.Values {
			cm := mapping(c)
			s, ok := unwrap(field(cm, "image")).(*ast.StringNode)
			if !ok {
				continue
			}
			out = append(out, found{s, Image{Ref: s.Value, Kind: kind, Name: name, Container: scalar(field(cm, "name")), Line: s.GetToken().Position.Line}})
		}
	}
	return out
}

// unwrap looks through anchors and tags to the value.
func unwrap(n ast.Node) ast.Node {
	for i := 0; i < maxNesting; i++ {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
	return n
}

// mapping returns n as a mapping, or nil.
func mapping(n ast.Node) *ast.MappingNode {
	switch v := unwrap(n).(type) {
	case *ast.MappingNode:
		return v
	case *ast.MappingValueNode:
		return &ast.MappingNode{Values: []*ast.MappingValueNode{v}}
	}
	return nil
}

// field returns the value of key in m, or nil.
func field(m *ast.MappingNode, key string) ast.Node {
	if m == nil {
		return nil
	}
	for _, v := range m.Values {
		if scalar(v.Key) == key {
			return v.Value
		}
	}
	return nil
}

// scalar returns a scalar node's value, or "".
func scalar(n ast.Node) string {
	if n == nil {
		return ""
	}
	switch v := unwrap(n).(type) {
	case *ast.StringNode:
		return v.Value
	case ast.ScalarNode:
		return fmt.Sprint(v.GetValue())
	case *ast.MappingKeyNode:
		return scalar(v.Value)
	}
	return ""
}
