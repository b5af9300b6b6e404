// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package yamlfile

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// UnknownFields lists every key of the document in data that v's type
// does not have, each as FILE:LINE:COLUMN wrapping invalid, with the field
// meant when one is close ("did you mean"). It parses only; the caller
// decodes. Keys are matched as the yaml tags of v's fields name them
// (inline structs included).
func UnknownFields(name string, data []byte, v any, invalid error) []error {
	file, err := parseSafely(data)
	if err != nil || len(file.Docs) == 0 || file.Docs[0] == nil {
		return nil // the decoder reports what is malformed
	}
	var errs []error
	walkFields(file.Docs[0].Body, reflect.TypeOf(v), func(key *ast.StringNode, known []string, where string) {
		pos := key.GetToken().Position
		msg := fmt.Sprintf("unknown field %q", key.Value)
		if where != "" {
			msg += " in " + where
		}
		if near := closest(key.Value, known); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		errs = append(errs, fmt.Errorf("%s:%d:%d: %w: %s", name, pos.Line, pos.Column, invalid, msg))
	}, "")
	return errs
}

// walkFields walks node along t, calling unknown for each mapping key t
// does not have.
func walkFields(node ast.Node, t reflect.Type, unknown func(*ast.StringNode, []string, string), where string) {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface) {
		if t.Kind() == reflect.Interface {
			return
		}
		t = t.Elem()
	}
	if t == nil || node == nil {
		return
	}
	switch n := node.(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			walkKey(mv, t, unknown, where)
		}
	case *ast.MappingValueNode:
		walkKey(n, t, unknown, where)
	case *ast.SequenceNode:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, item := range n.Values {
				walkFields(item, t.Elem(), unknown, fmt.Sprintf("%s[%d]", where, i))
			}
		}
	}
}

// walkKey checks one key of a mapping against t and walks its value.
func walkKey(mv *ast.MappingValueNode, t reflect.Type, unknown func(*ast.StringNode, []string, string), where string) {
	key, ok := mv.Key.(*ast.StringNode)
	if !ok {
		return
	}
	switch t.Kind() {
	case reflect.Map:
		walkFields(mv.Value, t.Elem(), unknown, where+"."+key.Value)
	case reflect.Struct:
		fields := Fields(t)
		ft, found := fields[key.Value]
		if !found {
			known := make([]string, 0, len(fields))
			for k := range fields {
				known = append(known, k)
			}
			sort.Strings(known)
			unknown(key, known, strings.TrimPrefix(where, "."))
			return
		}
		walkFields(mv.Value, ft, unknown, where+"."+key.Value)
	}
}

// Fields maps the keys a struct type reads (its fields' yaml tags, inline
// structs flattened) to their types.
func Fields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		switch {
		case tag == "-" || !f.IsExported():
			continue
		case strings.Contains(opts, "inline") || (f.Anonymous && name == ""):
			for k, v := range Fields(f.Type) {
				out[k] = v
			}
			continue
		case name == "":
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

// closest is the known name nearest to s, when it is near enough to be a
// misspelling of it ("" otherwise).
func closest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if d := distance(strings.ToLower(s), strings.ToLower(k)); d < bestD || d == 0 {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
