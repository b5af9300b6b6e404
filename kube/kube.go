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
// initContainers and ephemeralContainers are read.
package kube

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/airlock-dev/airlock/internal/yamlfile"
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
// those for which rewrite returns true with the value it returns. Only the
// bytes of each replaced value change (its quotes kept); every other byte of
// the manifest stays as it was. It returns the manifest (data itself when
// nothing was rewritten) and every reference found, in the order of the
// manifest. A reference that cannot be replaced alone (an anchor or alias,
// escapes, several lines), or a replacement that is not a plain image
// reference, is an error: nothing is rewritten rather than something else.
func RewriteImages(data []byte, rewrite func(ref string) (string, bool)) (out []byte, images []Image, err error) {
	if len(data) > MaxSize {
		return nil, nil, fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrInvalid, len(data), MaxSize)
	}
	if err := yamlfile.CheckShape(data, yamlfile.Shape{MaxDepth: yamlfile.MaxDepth}); err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	defer func() {
		if r := recover(); r != nil { // go-yaml panics on some hostile input (ADR 5)
			out, images, err = nil, nil, fmt.Errorf("%w: the YAML parser failed: %v", ErrInvalid, r)
		}
	}()
	tokens := lexer.Tokenize(string(data))
	f, err := parser.Parse(tokens, parser.ParseComments)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	edits := map[*token.Token]string{}
	for _, doc := range f.Docs {
		refs, err := imageNodes(doc.Body, 0)
		if err != nil {
			return nil, nil, err
		}
		sort.SliceStable(refs, func(i, j int) bool { return refs[i].image.Line < refs[j].image.Line })
		for _, ref := range refs {
			img := ref.image
			if rewrite != nil {
				if to, ok := rewrite(img.Ref); ok && to != img.Ref {
					if !plainRef.MatchString(to) {
						return nil, nil, fmt.Errorf("line %d: expected a plain image reference to write, found %q", img.Line, to)
					}
					edits[ref.node.Token], img.NewRef = to, to
				}
			}
			images = append(images, img)
		}
	}
	if len(edits) == 0 {
		return data, images, nil
	}
	out, err = splice(data, tokens, edits)
	return out, images, err
}

// plainRef is what a replacement may hold: an image reference, which YAML
// reads alike plain, single- or double-quoted.
var plainRef = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$`)

// splice replaces the value of each edited token in data. The lexer's
// tokens are walked in order with a cursor into data, each token's source
// text matched where the cursor is (whitespace the lexer dropped skipped),
// so each edited value is found at its exact bytes; if the source does not
// match the tokens, nothing is rewritten.
func splice(data []byte, tokens token.Tokens, edits map[*token.Token]string) ([]byte, error) {
	var out bytes.Buffer
	src, cur, last := string(data), 0, 0
	for _, tk := range tokens {
		text := strings.TrimLeft(tk.Origin, " \t\r\n")
		if !strings.HasPrefix(src[cur:], tk.Origin) {
			cur += len(src[cur:]) - len(strings.TrimLeft(src[cur:], " \t\r\n"))
			if !strings.HasPrefix(src[cur:], text) {
				return nil, fmt.Errorf("%w: line %d: the manifest's text does not match its tokens: nothing was rewritten", ErrInvalid, tk.Position.Line)
			}
		} else {
			cur += len(tk.Origin) - len(text)
		}
		to, ok := edits[tk]
		if !ok {
			cur += len(text)
			continue
		}
		raw := strings.TrimRight(text, " \t\r\n")
		quote := ""
		switch raw {
		case tk.Value:
		case `"` + tk.Value + `"`:
			quote = `"`
		case `'` + tk.Value + `'`:
			quote = `'`
		default:
			return nil, fmt.Errorf("%w: line %d: image %q is written with escapes or over several lines: airlock rewrites only a plain or quoted reference", ErrInvalid, tk.Position.Line, tk.Value)
		}
		out.WriteString(src[last:cur])
		out.WriteString(quote + to + quote)
		last, cur = cur+len(raw), cur+len(text)
	}
	out.WriteString(src[last:])
	return out.Bytes(), nil
}

// found is an image reference's node and what it says.
type found struct {
	node  *ast.StringNode
	image Image
}

// maxNesting bounds how deep Lists may nest.
const maxNesting = 8

// imageNodes lists the image references of the object in n (a List's
// items, recursively). An alias or anchor where a pod spec's structure or an
// image is expected is an error: rewriting through it would change other
// fields, or miss an image.
func imageNodes(n ast.Node, depth int) ([]found, error) {
	obj := mapping(n)
	if obj == nil || depth > maxNesting {
		return nil, nil
	}
	kind := scalar(field(obj, "kind"))
	if kind == "List" || strings.HasSuffix(kind, "List") {
		var out []found
		if items, ok := unwrap(field(obj, "items")).(*ast.SequenceNode); ok {
			for _, item := range items.Values {
				found, err := imageNodes(item, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, found...)
			}
		}
		return out, nil
	}
	path, ok := podSpecs[kind]
	if !ok {
		return nil, nil
	}
	name := scalar(field(mapping(field(obj, "metadata")), "name"))
	spec := obj
	for _, key := range path {
		v := field(spec, key)
		if err := notAliased(v, kind, name, key); err != nil {
			return nil, err
		}
		if spec = mapping(v); spec == nil {
			return nil, nil
		}
	}
	var out []found
	for _, list := range containerLists {
		v := field(spec, list)
		if err := notAliased(v, kind, name, list); err != nil {
			return nil, err
		}
		seq, ok := unwrap(v).(*ast.SequenceNode)
		if !ok {
			continue
		}
		for _, c := range seq.Values {
			cm := mapping(c)
			v := field(cm, "image")
			if err := notAliased(c, kind, name, list); err != nil {
				return nil, err
			}
			if err := notAliased(v, kind, name, "image"); err != nil {
				return nil, err
			}
			s, ok := unwrap(v).(*ast.StringNode)
			if !ok {
				continue
			}
			out = append(out, found{s, Image{Ref: s.Value, Kind: kind, Name: name, Container: scalar(field(cm, "name")), Line: s.GetToken().Position.Line}})
		}
	}
	return out, nil
}

// notAliased refuses an alias, or an anchor others may alias, where images
// are looked for.
func notAliased(n ast.Node, kind, name, key string) error {
	switch n.(type) {
	case *ast.AliasNode, *ast.AnchorNode:
		return fmt.Errorf("%w: %s/%s: %s is a YAML anchor or alias: airlock rewrites images only where they are written out", ErrInvalid, kind, name, key)
	}
	return nil
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
