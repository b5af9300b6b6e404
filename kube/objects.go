// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package kube

import (
	"fmt"
	"strings"
)

// RewriteObject finds the pod-spec image references of obj, an object as
// decoded from JSON (the form a client applies), and replaces in place
// those for which rewrite returns true. It returns every reference found.
// Working on the decoded object rather than on its text leaves no room
// between what was rewritten and what is applied. An image that is not a
// string, or a replacement that is not a plain image reference, is an
// error, with nothing rewritten.
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
			e.container["image"] = images[i].NewRef
		}
	}
	return images, nil
}

// objectEdit is one container whose image may be rewritten.
type objectEdit struct {
	container map[string]any
	ref       string
}

// objectImages lists the image references of obj (a List's items,
// recursively), in order.
func objectImages(obj map[string]any, depth int, edits *[]objectEdit) ([]Image, error) {
	kind, _ := obj["kind"].(string)
	if depth > maxNesting {
		return nil, fmt.Errorf("%w: Lists nested over %d deep", ErrInvalid, maxNesting)
	}
	if kind == "List" || strings.HasSuffix(kind, "List") {
		items, _ := obj["items"].([]any)
		var out []Image
		for _, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			imgs, err := objectImages(m, depth+1, edits)
			if err != nil {
				return nil, err
			}
			out = append(out, imgs...)
		}
		return out, nil
	}
	path, ok := podSpecs[kind]
	if !ok {
		return nil, nil
	}
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	spec := obj
	for _, key := range path {
		if spec, _ = spec[key].(map[string]any); spec == nil {
			return nil, nil
		}
	}
	var out []Image
	for _, list := range containerLists {
		containers, _ := spec[list].([]any)
		for _, c := range containers {
			cm, ok := c.(map[string]any)
			if !ok || cm["image"] == nil {
				continue
			}
			ref, ok := cm["image"].(string)
			if !ok {
				return nil, fmt.Errorf("%w: %s/%s: expected the image as a string, found %T", ErrInvalid, kind, name, cm["image"])
			}
			cname, _ := cm["name"].(string)
			out = append(out, Image{Ref: ref, Kind: kind, Name: name, Container: cname})
			*edits = append(*edits, objectEdit{container: cm, ref: ref})
		}
	}
	return out, nil
}
