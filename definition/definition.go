// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package definition reads and validates airlock.yaml, the declarative file a
// package is built from. The schema is versioned by apiVersion; this package
// implements airlock.dev/v1alpha1.
//
// Every error names the file, the line and the field. Unknown fields are
// errors, and paths that leave the definition's folder (through "..", an
// absolute name or a symbolic link) are refused.
package definition

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// APIVersion is the only definition version this release reads.
const APIVersion = "airlock.dev/v1alpha1"

// Kind is the kind of a package definition.
const Kind = "Package"

// FileName is the definition's file name inside a package folder.
const FileName = "airlock.yaml"

// MaxSize bounds the definition file: 1 MiB is far more than any real one.
const MaxSize = 1 << 20

// ErrInvalid is wrapped by every error that rejects a definition.
var ErrInvalid = errors.New("invalid definition")

// Package is a parsed airlock.yaml.
type Package struct {
	// APIVersion must be [APIVersion].
	APIVersion string `yaml:"apiVersion"`
	// Kind must be [Kind].
	Kind string `yaml:"kind"`
	// Metadata names the package.
	Metadata Metadata `yaml:"metadata"`
	// Components are built in order, each into one manifest of the package.
	Components []Component `yaml:"components"`
}

// Metadata names and describes a package.
type Metadata struct {
	// Name is required: lower-case letters, digits, '.', '_' and '-'.
	Name string `yaml:"name"`
	// Version is required; it becomes the package's tag in archives and registries.
	Version string `yaml:"version"`
	// Description is optional free text.
	Description string `yaml:"description,omitempty"`
}

// Component is a named group of files, manifests, charts and images.
type Component struct {
	// Name is required and unique within the package.
	Name string `yaml:"name"`
	// Files are plain files carried byte for byte.
	Files []File `yaml:"files,omitempty"`
	// Manifests are Kubernetes manifests.
	Manifests []Manifest `yaml:"manifests,omitempty"`
	// Charts are Helm charts, as a folder or a .tgz.
	Charts []Chart `yaml:"charts,omitempty"`
	// Images are OCI images pulled from their registries at create time.
	Images []Image `yaml:"images,omitempty"`
}

// File is a plain file of a component.
type File struct {
	// Path is relative to the definition's folder.
	Path string `yaml:"path"`
	// Target is where the file is meant to land; optional, absolute.
	Target string `yaml:"target,omitempty"`
}

// Manifest is a Kubernetes manifest file of a component.
type Manifest struct {
	// Path is relative to the definition's folder.
	Path string `yaml:"path"`
}

// Chart is a Helm chart of a component.
type Chart struct {
	// Path is a chart folder or a packaged .tgz, relative to the definition's folder.
	Path string `yaml:"path"`
}

// Image is an OCI image of a component.
type Image struct {
	// Ref is a reference with a tag, a digest, or both (the digest wins).
	Ref string `yaml:"ref"`
	// Platforms narrows a multi-platform index ("os/arch[/variant]"); empty keeps it whole.
	Platforms []string `yaml:"platforms,omitempty"`
}

// Load reads, parses and validates dir/airlock.yaml, and checks that every
// path it names stays inside dir.
func Load(dir string) (*Package, error) {
	path := filepath.Join(dir, FileName)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read definition: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read definition %s: %w", path, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", path, ErrInvalid, MaxSize)
	}
	pkg, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	if err := pkg.checkPaths(path, data, dir); err != nil {
		return nil, err
	}
	return pkg, nil
}

// Parse parses and validates a definition's bytes; name is used in errors.
// It checks the paths' shape but not the file system: [Load] does both.
func Parse(name string, data []byte) (*Package, error) {
	var pkg Package
	if err := unmarshal(data, &pkg); err != nil {
		return nil, yamlError(name, err)
	}
	if err := pkg.validate(); err != nil {
		return nil, locate(name, data, err)
	}
	return &pkg, nil
}

// unmarshal decodes strictly. go-yaml v1.19.2 panics on some malformed
// documents (found by FuzzParse; the crasher is kept in testdata), so a panic
// is turned into an error: hostile input must never crash the caller.
func unmarshal(data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed YAML (parser panic: %v)", r)
		}
	}()
	return yaml.UnmarshalWithOptions(data, v, yaml.Strict())
}

// yamlError turns a go-yaml error into "FILE:LINE:COL: message".
func yamlError(name string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		pos := ye.GetToken().Position
		return fmt.Errorf("%s:%d:%d: %w: %s", name, pos.Line, pos.Column, ErrInvalid, ye.GetMessage())
	}
	return fmt.Errorf("%s: %w: %v", name, ErrInvalid, err)
}

// fieldError is a validation failure at a YAML path such as
// "$.components[0].files[1].path".
type fieldError struct {
	path string
	msg  string
}

func (e *fieldError) Error() string { return e.path + ": " + e.msg }

func fieldErr(path, format string, args ...any) error {
	return &fieldError{path: path, msg: fmt.Sprintf(format, args...)}
}

// locate prefixes a field error with the file, line and column of the field,
// or of its nearest parent present in the file.
func locate(name string, data []byte, err error) error {
	var fe *fieldError
	if !errors.As(err, &fe) {
		return fmt.Errorf("%s: %w: %v", name, ErrInvalid, err)
	}
	file, perr := parser.ParseBytes(data, 0)
	if perr == nil {
		for p := fe.path; p != "" && p != "$"; p = parent(p) {
			if node := lookup(file, p); node != nil {
				pos := node.GetToken().Position
				return fmt.Errorf("%s:%d:%d: %w: %s: %s", name, pos.Line, pos.Column, ErrInvalid, fieldName(fe.path), fe.msg)
			}
		}
	}
	return fmt.Errorf("%s: %w: %s: %s", name, ErrInvalid, fieldName(fe.path), fe.msg)
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

// fieldName turns "$.components[0].files[1].path" into "components[0].files[1].path".
func fieldName(p string) string { return strings.TrimPrefix(strings.TrimPrefix(p, "$"), ".") }
