// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package kube

import (
	"fmt"
	"slices"
	"strings"
)

// maxObjectDepth bounds how deep RewriteObject looks into an object.
const maxObjectDepth = 100

// RewriteObject finds the image references of obj, an object as decoded
// from JSON (the form a client applies), and replaces in place those for
// which rewrite returns true. It returns every reference found. Working on
// the decoded object rather than on its text leaves no room between what
// was rewritten and what is applied.
//
// Images are looked for wherever an object of any kind holds them, not
// only in Kubernetes' own workloads (custom resources such as Argo
// Rollouts and Workflows, Tekton tasks or KubeVirt machines hold images in
// their own shapes): every string under a key "image", in any case, and
// every image volume's "image.reference", at any depth.
// An image that is not a string, or a replacement that is not a plain
// image reference, is an error, with nothing rewritten.
func RewriteObject(obj map[string]any, rewrite func(ref string) (string, bool)) ([]Image, error) {
	var edits []objectEdit
	images, err := objectImages(obj, 0, &edits)
	if err != nil {
		return nil, err
	}
	for i, e := range edits {
		if rewrite == nil {
			break
		}
		if to, ok := rewrite(e.ref); ok && to != e.ref {
			if !plainRef(to) {
				return nil, fmt.Errorf("%s/%s: expected a plain image reference to write, found %q", images[i].Kind, images[i].Name, to)
			}
			images[i].NewRef = to
		}
	}
	for i, e := range edits {
		if images[i].NewRef != "" {
			e.holder[e.key] = images[i].NewRef
		}
	}
	return images, nil
}

// objectEdit is one image value that may be rewritten: holder[key].
type objectEdit struct {
	holder map[string]any
	key    string
	ref    string
}

// objectImages lists the image references of obj (a List's items each as
// its own object), in a stable order.
func objectImages(obj map[string]any, depth int, edits *[]objectEdit) ([]Image, error) {
	kind, _ := obj["kind"].(string)
	if depth > maxNesting {
		return nil, fmt.Errorf("%w: Lists nested over %d deep", ErrInvalid, maxNesting)
	}
	if items, ok := obj["items"].([]any); ok && (kind == "List" || strings.HasSuffix(kind, "List")) {
		var out []Image
		for _, it := range items {
			if m, ok := it.(map[string]any); ok {
				imgs, err := objectImages(m, depth+1, edits)
				if err != nil {
					return nil, err
				}
				out = append(out, imgs...)
			}
		}
		return out, nil
	}
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	w := &walker{kind: kind, name: name, edits: edits}
	if err := w.value(obj, 0); err != nil {
		return nil, err
	}
	return w.out, nil
}

// walker looks through one object for images.
type walker struct {
	kind, name string
	edits      *[]objectEdit
	out        []Image
}

// value walks v: a mapping's keys in order, a list's items. Every string
// under a key "image" (in any case) is an image, wherever it is (a
// container's, a Tekton step's, a KubeVirt containerDisk's), and so is an
// image volume's image.reference: an image a custom kind holds cannot
// hide from the rewrite by its shape.
func (w *walker) value(v any, depth int) error {
	if depth > maxObjectDepth {
		return fmt.Errorf("%w: %s/%s: nested over %d deep", ErrInvalid, w.kind, w.name, maxObjectDepth)
	}
	switch v := v.(type) {
	case []any:
		for _, item := range v {
			if err := w.value(item, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if strings.EqualFold(k, "image") {
				if err := w.image(v, k); err != nil {
					return err
				}
			}
			if err := w.value(v[k], depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// image notes holder[key], an image: a string, or a mapping whose
// "reference" is one (an image volume's).
func (w *walker) image(holder map[string]any, key string) error {
	label, _ := holder["name"].(string)
	switch v := holder[key].(type) {
	case nil:
		return nil
	case string:
		w.note(holder, key, v, label)
	case map[string]any:
		ref, ok := v["reference"].(string)
		if !ok {
			return nil
		}
		w.note(v, "reference", ref, "volume "+label)
	default:
		return fmt.Errorf("%w: %s/%s: expected the image as a string, found %T", ErrInvalid, w.kind, w.name, v)
	}
	return nil
}

// note records one image, to rewrite at holder[key].
func (w *walker) note(holder map[string]any, key, ref, label string) {
	w.out = append(w.out, Image{Ref: ref, Kind: w.kind, Name: w.name, Container: label})
	*w.edits = append(*w.edits, objectEdit{holder: holder, key: key, ref: ref})
}
