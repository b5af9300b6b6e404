// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package zarf reads Zarf packages (https://zarf.dev, v0.84) as hostile
// input, for airlock to verify, sign and attest them: the definition
// (zarf.yaml), the checksums it vouches for (checksums.txt, bound by its
// aggregateChecksum), the tarball (.tar or .tar.zst, or split in
// .part000... parts) read in one streaming pass, and the edit Zarf makes to
// zarf.yaml when it signs. It does not verify signatures: the verify
// package does, against the bytes of zarf.yaml.
package zarf

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	goyaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/internal/yamlfile"
)

// The files of a Zarf package airlock reads.
const (
	DefinitionFile = "zarf.yaml"
	ChecksumsFile  = "checksums.txt"
	BundleFile     = "zarf.bundle.sig"
	LegacySigFile  = "zarf.yaml.sig"
	ImageIndexFile = "images/index.json"
)

// Media types of a published Zarf package.
const (
	MediaTypeConfig = "application/vnd.zarf.config.v1+json"
	MediaTypeLayer  = "application/vnd.zarf.layer.v1.blob"
)

// Bounds on what is read from a package.
const (
	MaxDefinitionSize = 4 << 20
	MaxChecksumsSize  = 16 << 20
	MaxSignatureSize  = 1 << 20
	MaxFiles          = 100000
)

// ErrInvalid marks a package that is not a well-formed Zarf package.
var ErrInvalid = errors.New("invalid Zarf package")

// The apiVersions of zarf.yaml Zarf v0.84 reads. A zarf.yaml may hold one
// document per apiVersion; Zarf reads the highest it knows (v1beta1 over
// v1alpha1; no apiVersion is v1alpha1).
const (
	APIVersionV1Alpha1 = "zarf.dev/v1alpha1"
	APIVersionV1Beta1  = "zarf.dev/v1beta1"
)

// Definition is what airlock reads of a zarf.yaml: the document Zarf reads.
type Definition struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name              string `yaml:"name"`
		Version           string `yaml:"version"`
		Description       string `yaml:"description"`
		Architecture      string `yaml:"architecture"`
		Uncompressed      bool   `yaml:"uncompressed"`
		AggregateChecksum string `yaml:"aggregateChecksum"`
	} `yaml:"metadata"`
	Build struct {
		Architecture      string   `yaml:"architecture"`
		Timestamp         string   `yaml:"timestamp"`
		Version           string   `yaml:"version"`
		Signed            *bool    `yaml:"signed"`
		ProvenanceFiles   []string `yaml:"provenanceFiles"`
		AggregateChecksum string   `yaml:"aggregateChecksum"`
	} `yaml:"build"`
	Components []struct {
		Name          string     `yaml:"name"`
		Images        []ImageRef `yaml:"images"`
		ImageArchives []struct {
			Images []string `yaml:"images"`
		} `yaml:"imageArchives"`
	} `yaml:"components"`
}

// ImageRef is an image a component names: a reference (v1alpha1), or an
// entry with its reference as name (v1beta1).
type ImageRef string

// UnmarshalYAML reads either form.
func (r *ImageRef) UnmarshalYAML(data []byte) error {
	var name string
	if err := goyaml.Unmarshal(data, &name); err == nil {
		*r = ImageRef(name)
		return nil
	}
	var entry struct {
		Name string `yaml:"name"`
	}
	if err := goyaml.Unmarshal(data, &entry); err != nil {
		return err
	}
	*r = ImageRef(entry.Name)
	return nil
}

// ParseDefinition reads a zarf.yaml as Zarf v0.84 reads it, with the same
// YAML parser (goccy/go-yaml, at Zarf's version) and the same selection:
// of its documents, the one of the highest apiVersion Zarf knows. It is
// bounded and shape-checked first (no aliases, no merge keys, depth 64),
// and fails closed where two readers could see two packages: an
// apiVersion twice, documents that disagree on the package's name,
// version, checksums or signed state, an aggregateChecksum in two places
// that differ, provenance files other than the signatures (Zarf exempts
// them from checksums.txt once signed).
func ParseDefinition(data []byte) (def *Definition, err error) {
	if len(data) > MaxDefinitionSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than the %d allowed", ErrInvalid, DefinitionFile, len(data), MaxDefinitionSize)
	}
	if err := yamlfile.CheckShape(data, yamlfile.Shape{MaxDepth: 64, NoAliases: true, NoMergeKeys: true}); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, DefinitionFile, err)
	}
	defer func() {
		if r := recover(); r != nil {
			def, err = nil, fmt.Errorf("%w: %s: malformed YAML (parser panic: %v)", ErrInvalid, DefinitionFile, r)
		}
	}()
	docs, err := documents(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, DefinitionFile, err)
	}
	var chosen *Definition
	for _, d := range docs {
		if err := d.check(); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, DefinitionFile, err)
		}
		if chosen != nil && !chosen.agrees(d) {
			return nil, fmt.Errorf("%w: %s: its %s and %s documents describe different packages", ErrInvalid, DefinitionFile, chosen.APIVersion, d.APIVersion)
		}
		if chosen == nil || d.APIVersion == APIVersionV1Beta1 {
			chosen = d
		}
	}
	return chosen, nil
}

// yamlDocuments parses a zarf.yaml into its documents as Zarf does, empty
// ones left out.
func yamlDocuments(data []byte) ([]ast.Node, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, err
	}
	var out []ast.Node
	for _, d := range file.Docs {
		if d != nil && d.Body != nil {
			out = append(out, d.Body)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no package definition found")
	}
	return out, nil
}

// apiVersionOf reads a document's apiVersion as Zarf does ("" for none).
func apiVersionOf(body ast.Node) (string, error) {
	var probe struct {
		APIVersion string `yaml:"apiVersion"`
	}
	err := goyaml.NodeToValue(body, &probe)
	return probe.APIVersion, err
}

// known says whether Zarf reads documents of this apiVersion.
func known(version string) bool {
	return version == "" || version == APIVersionV1Alpha1 || version == APIVersionV1Beta1
}

// documents decodes every document of a zarf.yaml of an apiVersion Zarf
// knows, each apiVersion once.
func documents(data []byte) ([]*Definition, error) {
	bodies, err := yamlDocuments(data)
	if err != nil {
		return nil, err
	}
	var out []*Definition
	seen := map[string]bool{}
	for i, body := range bodies {
		version, err := apiVersionOf(body)
		if err != nil {
			return nil, fmt.Errorf("document %d: reading apiVersion: %v", i, err)
		}
		if !known(version) {
			continue // Zarf skips what it does not know
		}
		if version == "" {
			version = APIVersionV1Alpha1
		}
		if seen[version] {
			return nil, fmt.Errorf("expected each apiVersion once, found %s twice", version)
		}
		seen[version] = true
		var d Definition
		if err := goyaml.NodeToValue(body, &d); err != nil {
			return nil, fmt.Errorf("document %d: %v", i, err)
		}
		d.APIVersion = version
		out = append(out, &d)
	}
	if len(out) == 0 {
		return nil, errors.New("expected a document of apiVersion zarf.dev/v1alpha1 or zarf.dev/v1beta1, found none")
	}
	return out, nil
}

// check checks one document: its kind, its name, where its aggregate is,
// its provenance files.
func (d *Definition) check() error {
	switch {
	case d.Kind != "ZarfPackageConfig" && d.Kind != "ZarfInitConfig":
		return fmt.Errorf("expected kind ZarfPackageConfig or ZarfInitConfig, found %q", d.Kind)
	case !packageName.MatchString(d.Metadata.Name):
		return fmt.Errorf("expected a package name ([a-z0-9][a-z0-9-]*), found %q", d.Metadata.Name)
	case d.Metadata.AggregateChecksum != "" && d.Build.AggregateChecksum != "" && d.Metadata.AggregateChecksum != d.Build.AggregateChecksum:
		return fmt.Errorf("expected one aggregateChecksum, found %q in metadata and %q in build", d.Metadata.AggregateChecksum, d.Build.AggregateChecksum)
	case d.APIVersion == APIVersionV1Beta1 && d.Metadata.AggregateChecksum != "":
		return errors.New("expected a v1beta1 aggregateChecksum under build, found one under metadata, which Zarf does not read")
	}
	for _, f := range d.Build.ProvenanceFiles {
		switch f {
		case ChecksumsFile, BundleFile, LegacySigFile:
		default:
			return fmt.Errorf("build.provenanceFiles: expected only %s and the signature files, found %q, which Zarf would then not check against %s", ChecksumsFile, f, ChecksumsFile)
		}
	}
	return nil
}

// agrees says whether two documents describe the same package.
func (d *Definition) agrees(o *Definition) bool {
	return d.Metadata.Name == o.Metadata.Name && d.Metadata.Version == o.Metadata.Version &&
		d.AggregateChecksum() == o.AggregateChecksum() && d.Signed() == o.Signed() &&
		slices.Equal(d.Build.ProvenanceFiles, o.Build.ProvenanceFiles) && d.Architecture() == o.Architecture()
}

var packageName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// AggregateChecksum is the sha256 of checksums.txt the definition vouches
// for, where its apiVersion keeps it (metadata in v1alpha1, build in
// v1beta1).
func (d *Definition) AggregateChecksum() string {
	if d.APIVersion == APIVersionV1Beta1 {
		return d.Build.AggregateChecksum
	}
	return d.Metadata.AggregateChecksum
}

// Signed reports whether the definition says the package is signed, as
// Zarf decides it.
func (d *Definition) Signed() bool { return d.Build.Signed != nil && *d.Build.Signed }

// Architecture is the package's architecture.
func (d *Definition) Architecture() string {
	if d.Build.Architecture != "" {
		return d.Build.Architecture
	}
	return d.Metadata.Architecture
}

// Images lists every image the components name, each once, in order.
func (d *Definition) Images() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range d.Components {
		var refs []string
		for _, r := range c.Images {
			refs = append(refs, string(r))
		}
		for _, a := range c.ImageArchives {
			refs = append(refs, a.Images...)
		}
		for _, r := range refs {
			if r != "" && !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out
}

// Checksums is what checksums.txt says: each file's sha256, by path.
type Checksums map[string]digest.Digest

// ParseChecksums reads checksums.txt strictly: lines "<64 hex> <path>"
// ending in a newline, each path clean, relative and listed once.
func ParseChecksums(data []byte) (Checksums, error) {
	if len(data) > MaxChecksumsSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than the %d allowed", ErrInvalid, ChecksumsFile, len(data), MaxChecksumsSize)
	}
	out := Checksums{}
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		sum, path, ok := strings.Cut(line, " ")
		d := digest.NewDigestFromEncoded(digest.SHA256, sum)
		switch {
		case !ok || d.Validate() != nil || strings.ToLower(sum) != sum:
			return nil, fmt.Errorf("%w: %s line %d: expected \"<sha256> <path>\", found %q", ErrInvalid, ChecksumsFile, i+1, line)
		case SafePath(path) != nil:
			return nil, fmt.Errorf("%w: %s line %d: %v", ErrInvalid, ChecksumsFile, i+1, SafePath(path))
		case out[path] != "":
			return nil, fmt.Errorf("%w: %s lists %s twice", ErrInvalid, ChecksumsFile, path)
		case len(out) >= MaxFiles:
			return nil, fmt.Errorf("%w: %s lists more than %d files", ErrInvalid, ChecksumsFile, MaxFiles)
		}
		out[path] = d
	}
	return out, nil
}

// Paths lists the files the checksums name, sorted.
func (c Checksums) Paths() []string {
	out := make([]string, 0, len(c))
	for p := range c {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Unlisted reports whether a file is not one checksums.txt lists but one
// a package may hold beside them: the definition, the checksums, the
// signatures.
func Unlisted(path string) bool {
	switch path {
	case DefinitionFile, ChecksumsFile, BundleFile, LegacySigFile:
		return true
	}
	return false
}

// SafePath refuses a path that is not clean, relative and within the
// package.
func SafePath(p string) error {
	switch {
	case p == "" || len(p) > 4096:
		return errors.New("expected a path of 1 to 4096 bytes")
	case strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || strings.ContainsRune(p, 0):
		return fmt.Errorf("expected a relative path without backslashes, found %q", p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("expected a clean path, found %q", p)
		}
	}
	return nil
}
