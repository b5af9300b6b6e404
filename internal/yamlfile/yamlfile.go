// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package yamlfile decodes the YAML files airlock reads (package definitions,
// policies) strictly, and reports errors as "FILE:LINE:COL: message", naming
// the field. It turns a parser panic on hostile input into an error.
package yamlfile

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Decode decodes data into v strictly: unknown fields and duplicate keys are
// errors. go-yaml v1.19.2 panics on some malformed documents (found by
// fuzzing), so a panic is turned into an error. Errors are wrapped with
// invalid and carry the file, line and column.
func Decode(name string, data []byte, v any, invalid error) error {
	return decode(name, data, v, invalid, yaml.Strict())
}

// DecodeLoose is [Decode] without its strictness about unknown fields (for
// a caller that reports them all with [UnknownFields]).
func DecodeLoose(name string, data []byte, v any, invalid error) error {
	return decode(name, data, v, invalid)
}

func decode(name string, data []byte, v any, invalid error, opts ...yaml.DecodeOption) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %w: malformed YAML (parser panic: %v)", name, invalid, r)
		}
	}()
	if err := yaml.UnmarshalWithOptions(data, v, opts...); err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil {
			pos := ye.GetToken().Position
			return fmt.Errorf("%s:%d:%d: %w: %s", name, pos.Line, pos.Column, invalid, ye.GetMessage())
		}
		return fmt.Errorf("%s: %w: %v", name, invalid, err)
	}
	return nil
}

// FieldError is a validation failure at a YAML path such as
// "$.components[0].files[1].path".
type FieldError struct {
	Path string
	Msg  string
}

// Error says which field and what is wrong with it.
func (e *FieldError) Error() string { return FieldName(e.Path) + ": " + e.Msg }

// Field returns a *FieldError for path.
func Field(path, format string, args ...any) error {
	return &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Locate prefixes a *FieldError with the file, line and column of its field
// (or of its nearest parent present in the file) and wraps invalid. Other
// errors are only prefixed with the file.
func Locate(name string, data []byte, err error, invalid error) error {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return fmt.Errorf("%s: %w: %v", name, invalid, err)
	}
	file, perr := parseSafely(data)
	if perr == nil {
		for p := fe.Path; p != "" && p != "$"; p = parent(p) {
			if node := lookup(file, p); node != nil {
				pos := node.GetToken().Position
				return fmt.Errorf("%s:%d:%d: %w: %s: %s", name, pos.Line, pos.Column, invalid, FieldName(fe.Path), fe.Msg)
			}
		}
	}
	return fmt.Errorf("%s: %w: %s: %s", name, invalid, FieldName(fe.Path), fe.Msg)
}

// Position is where path (or its nearest parent present) is in data, as
// NAME:LINE:COLUMN; NAME alone when it cannot be found.
func Position(name string, data []byte, path string) string {
	file, err := parseSafely(data)
	if err != nil {
		return name
	}
	for p := path; p != "" && p != "$"; p = parent(p) {
		if node := lookup(file, p); node != nil {
			pos := node.GetToken().Position
			return fmt.Sprintf("%s:%d:%d", name, pos.Line, pos.Column)
		}
	}
	return name
}

func parseSafely(data []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parser panic: %v", r)
		}
	}()
	return parser.ParseBytes(data, 0)
}

func lookup(file *ast.File, path string) ast.Node {
	p, err := yaml.PathString(path)
	if err != nil {
		return nil
	}
	node, err := p.FilterFile(file)
	if err != nil || node == nil || node.GetToken() == nil {
		return nil
	}
	return node
}

// parent drops the last element of a YAML path.
func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}

// FieldName turns "$.components[0].files[1].path" into "components[0].files[1].path".
func FieldName(p string) string { return strings.TrimPrefix(strings.TrimPrefix(p, "$"), ".") }
