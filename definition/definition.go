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

	"github.com/airlock-dev/airlock/internal/yamlfile"
	"github.com/airlock-dev/airlock/policy"
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
	// ImagePolicy is the default upstream policy of every image without its own verify: block.
	ImagePolicy *ImageVerify `yaml:"imagePolicy,omitempty"`
	// Components are built in order, each into one manifest of the package.
	Components []Component `yaml:"components"`
	// Source is the definition's bytes as read (for provenance).
	Source []byte `yaml:"-"`
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
	// Path is relative to the definition's folder: a file, or a folder whose
	// every regular file (in lexical order, each at its own path) is one.
	Path string `yaml:"path"`
	// Target is where the file is meant to land; optional, absolute.
	Target string `yaml:"target,omitempty"`
}

// Manifest is a Kubernetes manifest file of a component.
type Manifest struct {
	// Path is relative to the definition's folder: a file, or a folder of
	// them (as for files).
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
	// From, when set, is where the image is read instead of its registry:
	// an OCI image layout folder, an OCI layout tar, or a `docker save`
	// tarball, relative to the definition's folder. Ref still names the
	// image (where it is mirrored to, what manifests refer to).
	From string `yaml:"from,omitempty"`
	// Platforms narrows a multi-platform index ("os/arch[/variant]"); empty keeps it whole.
	Platforms []string `yaml:"platforms,omitempty"`
	// Verify is what the image's publisher must have signed; it overrides the
	// package's imagePolicy. Without either, the image is carried "not
	// verified upstream".
	Verify *ImageVerify `yaml:"verify,omitempty"`
}

// ImageVerify is an image's upstream policy: the fields of a policy file's
// signer (key paths relative to the definition's folder), plus the
// attestations required beside the signature.
type ImageVerify struct {
	policy.SignerSpec `yaml:",inline"`
	PredicateTypes    []string `yaml:"predicateTypes,omitempty"`
	// InsecureIgnoreTlog accepts the publisher's key signatures without a
	// transparency-log entry.
	InsecureIgnoreTlog bool `yaml:"insecureIgnoreTlog,omitempty"`
}

// ImagePolicyOf returns the upstream policy of img: its verify: block, else the
// package's imagePolicy, else nil.
func (p *Package) ImagePolicyOf(img Image) *ImageVerify {
	if img.Verify != nil {
		return img.Verify
	}
	return p.ImagePolicy
}

// Load reads, parses and validates dir/airlock.yaml, checks that every
// path it names stays inside dir, and expands each files or manifests
// folder into its files (see [Package.Components]).
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
	pkg, errs := parse(path, data)
	if pkg == nil {
		return nil, errors.Join(errs...)
	}
	if err := pkg.checkPaths(path, data, dir); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := pkg.expandFolders(path, data, dir); err != nil {
		return nil, err
	}
	return pkg, nil
}

// Parse parses and validates a definition's bytes; name is used in errors.
// It checks the paths' shape but not the file system: [Load] does both.
// Every problem is reported at once (errors.Join), each as
// FILE:LINE:COLUMN, an unknown field with the field meant when one is near.
func Parse(name string, data []byte) (*Package, error) {
	pkg, errs := parse(name, data)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return pkg, nil
}

// parse is Parse returning every problem, and the package whenever it
// decoded (for Load to check its paths too).
//
// The strict decoder has the last word: an unknown field the walker does
// not see (behind an anchor, a merge key, an explicit key) is still an
// error. At most MaxErrors problems are located.
func parse(name string, data []byte) (*Package, []error) {
	if err := yamlfile.CheckShape(data, yamlfile.Shape{MaxDepth: yamlfile.MaxDepth}); err != nil {
		return nil, []error{fmt.Errorf("%s: %w: %v", name, ErrInvalid, err)}
	}
	var pkg Package
	errs := yamlfile.UnknownFields(name, data, &pkg, ErrInvalid)
	if err := yamlfile.DecodeLoose(name, data, &pkg, ErrInvalid); err != nil {
		return nil, capErrors(name, append(errs, err))
	}
	if len(errs) == 0 {
		var strict Package
		if err := yamlfile.Decode(name, data, &strict, ErrInvalid); err != nil {
			errs = append(errs, err)
		}
	}
	for i, err := range pkg.validate() {
		if len(errs) > MaxErrors || i > MaxErrors {
			errs = append(errs, err) // counted, not located
			continue
		}
		errs = append(errs, yamlfile.Locate(name, data, err, ErrInvalid))
	}
	pkg.Source = data
	return &pkg, capErrors(name, errs)
}

// MaxErrors is how many of a definition's problems are reported.
const MaxErrors = 50

// capErrors keeps the first MaxErrors problems and says how many more.
func capErrors(name string, errs []error) []error {
	if len(errs) <= MaxErrors {
		return errs
	}
	return append(errs[:MaxErrors:MaxErrors], fmt.Errorf("%s: %w: and %d more problems", name, ErrInvalid, len(errs)-MaxErrors))
}

// Position is where field (a YAML path such as
// "$.components[0].images[1].ref") is in dir's airlock.yaml, as
// FILE:LINE:COLUMN (or the file alone when it cannot be found).
func Position(dir string, pkg *Package, field string) string {
	name := filepath.Join(dir, FileName)
	return yamlfile.Position(name, pkg.Source, field)
}
