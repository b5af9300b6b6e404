// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package attest builds the in-toto statements airlock attaches to a package:
// SLSA provenance v1 saying what built it from what, an SBOM (SPDX 2.3 or
// CycloneDX 1.6) listing everything in it, and statements with the author's
// own predicates. Every statement's subject is the package root.
package attest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
)

// Predicate types airlock writes.
const (
	PredicateSLSAProvenance = "https://slsa.dev/provenance/v1"
	PredicateSPDX           = "https://spdx.dev/Document"
	PredicateCycloneDX      = "https://cyclonedx.org/bom"
	// BuildType is the SLSA buildType of `airlock create`.
	BuildType = "https://airlock.dev/create/v1"
	// BuildTypeZarf is the SLSA buildType of a Zarf package airlock
	// describes: built by `zarf package create`, read by airlock.
	BuildTypeZarf = "https://airlock.dev/zarf-package/v1"
)

// Dependency is one thing a package was built from.
type Dependency struct {
	// Kind is "file", "manifest", "chart" or "image".
	Kind string
	// Name is the path in the definition, or the image reference.
	Name string
	// Component is the component it belongs to.
	Component string
	// Digest is its content's digest (an image's manifest or index digest).
	Digest digest.Digest
	// Size is its size in bytes (an image's manifest size).
	Size int64
	// MediaType is its media type in the package.
	MediaType string
	// SBOMs are the referrer manifests of the image's own upstream SBOM
	// attestations that the package carries (images only).
	SBOMs []digest.Digest
}

// Build describes one `airlock create`, for provenance and SBOM.
type Build struct {
	// Name, Version and Description name the package.
	Name, Version, Description string
	// Root is the package root's digest: every statement's subject.
	Root digest.Digest
	// Definition is airlock.yaml's content.
	Definition []byte
	// Dependencies are the files, manifests, charts and images it holds.
	Dependencies []Dependency
	// Started and Finished bound the build.
	Started, Finished time.Time
	// Env looks up the CI environment (GitHub Actions, GitLab CI). Nil: local.
	Env func(string) (string, bool)
	// BuildType is the provenance's buildType. Default: [BuildType].
	BuildType string
}

// path is where a file or manifest is in the package: under its
// component, or at the top when it has none.
func (d Dependency) path() string {
	if d.Component == "" {
		return d.Name
	}
	return d.Component + "/" + d.Name
}

// Statement returns an in-toto Statement v1 about subject with the given
// predicate type and predicate (a JSON object; nil means {}), serialised as
// cosign serialises statements.
func Statement(subject digest.Digest, predicateType string, predicate []byte) ([]byte, error) {
	if predicateType == "" {
		return nil, fmt.Errorf("statement: expected a predicate type, found none")
	}
	if len(predicate) == 0 {
		predicate = []byte("{}")
	}
	return statement(subject, "", predicateType, predicate)
}

// Parsed is the part of a statement a verifier reports.
type Parsed struct {
	// PredicateType is the statement's predicate type.
	PredicateType string `json:"predicateType"`
	// Subject lists what the statement is about.
	Subject []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
}

// Parse reads a statement's predicate type and subjects.
func Parse(statement []byte) (*Parsed, error) {
	var p Parsed
	if err := json.Unmarshal(statement, &p); err != nil {
		return nil, fmt.Errorf("parse statement: %w", err)
	}
	return &p, nil
}

// About reports whether the statement names d among its subjects.
func (p *Parsed) About(d digest.Digest) bool {
	for _, s := range p.Subject {
		if s.Digest[d.Algorithm().String()] == d.Encoded() {
			return true
		}
	}
	return false
}
