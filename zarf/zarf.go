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
	"sort"
	"strings"

	"github.com/opencontainers/go-digest"
	yaml "go.yaml.in/yaml/v3"

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

// Definition is what airlock reads of a zarf.yaml.
type Definition struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
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
		Name          string   `yaml:"name"`
		Images        []string `yaml:"images"`
		ImageArchives []struct {
			Images []string `yaml:"images"`
		} `yaml:"imageArchives"`
	} `yaml:"components"`
}

// ParseDefinition reads a zarf.yaml, bounded and shape-checked first.
func ParseDefinition(data []byte) (*Definition, error) {
	if len(data) > MaxDefinitionSize {
		return nil, fmt.Errorf("%w: %s is %d bytes, more than the %d allowed", ErrInvalid, DefinitionFile, len(data), MaxDefinitionSize)
	}
	if err := yamlfile.CheckShape(data, yamlfile.Shape{MaxDepth: 64, NoAliases: true}); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, DefinitionFile, err)
	}
	var d Definition
	if err := yaml.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, DefinitionFile, err)
	}
	if d.Kind != "ZarfPackageConfig" && d.Kind != "ZarfInitConfig" {
		return nil, fmt.Errorf("%w: %s: expected kind ZarfPackageConfig or ZarfInitConfig, found %q", ErrInvalid, DefinitionFile, d.Kind)
	}
	if !packageName.MatchString(d.Metadata.Name) {
		return nil, fmt.Errorf("%w: %s: expected a package name ([a-z0-9][a-z0-9-]*), found %q", ErrInvalid, DefinitionFile, d.Metadata.Name)
	}
	return &d, nil
}

var packageName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// AggregateChecksum is the sha256 of checksums.txt the definition vouches
// for (metadata's in v1alpha1, build's in v1beta1).
func (d *Definition) AggregateChecksum() string {
	if d.Metadata.AggregateChecksum != "" {
		return d.Metadata.AggregateChecksum
	}
	return d.Build.AggregateChecksum
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
		refs := append([]string{}, c.Images...)
		for _, a := range c.ImageArchives {
			refs = append(refs, a.Images...)
		}
		for _, r := range refs {
			if !seen[r] {
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
