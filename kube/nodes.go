// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package kube

import (
	"fmt"

	yaml "go.yaml.in/yaml/v3"
)

// structural returns n, a node on the way to an image, refusing what
// would make Kubernetes read something this package does not see: an
// alias, an anchor (its aliases would change with it), or a mapping with a
// merge key.
func structural(n *yaml.Node, where, key string) (*yaml.Node, error) {
	if n == nil {
		return nil, nil
	}
	switch {
	case n.Kind == yaml.AliasNode || n.Anchor != "":
		return nil, fmt.Errorf("%w: %s: %s is a YAML anchor or alias: airlock rewrites images only where they are written out", ErrInvalid, where, key)
	case n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Tag == "!!merge" || k.Value == "<<" && k.Style == 0 {
				return nil, fmt.Errorf("%w: %s: %s holds a YAML merge key (<<): airlock rewrites images only where they are written out", ErrInvalid, where, key)
			}
		}
	}
	return n, nil
}

// mapping returns n as a structural mapping, nil when it is something else.
func mapping(n *yaml.Node, where string) (*yaml.Node, error) {
	n, err := structural(n, where, "it")
	if n == nil || err != nil || n.Kind != yaml.MappingNode {
		return nil, err
	}
	return n, nil
}

// asMapping returns n when it is a mapping (for names, which only report).
func asMapping(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.MappingNode {
		return n
	}
	return nil
}

// field returns the value of key in mapping m, or nil.
func field(m *yaml.Node, key string) *yaml.Node {
	if m == nil {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Kind == yaml.ScalarNode && m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// scalar returns a scalar node's value, or "".
func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// imageValue returns a container's image node: a string, plain or quoted,
// written out on one line. A null image is none; anything else Kubernetes
// could read as an image (a block scalar, a tag, an anchor or alias, a
// number) is refused.
func imageValue(n *yaml.Node, kind, name string) (*yaml.Node, error) {
	if n == nil {
		return nil, nil
	}
	where := fmt.Sprintf("%s/%s, line %d", kind, name, n.Line)
	if _, err := structural(n, where, "image"); err != nil {
		return nil, err
	}
	switch {
	case n.Kind != yaml.ScalarNode:
		return nil, fmt.Errorf("%w: %s: expected the image as a string, found a collection", ErrInvalid, where)
	case n.Tag == "!!null":
		return nil, nil
	case n.Style&(yaml.TaggedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 || n.Tag != "!!str":
		return nil, fmt.Errorf("%w: %s: expected the image as a plain or quoted string, found %s: airlock rewrites only those", ErrInvalid, where, describe(n))
	}
	return n, nil
}

func describe(n *yaml.Node) string {
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return "a block scalar"
	case n.Style&yaml.TaggedStyle != 0:
		return "an explicit tag " + n.Tag
	}
	return "a value of type " + n.Tag
}
