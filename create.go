// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/build"
	"github.com/airlock-dev/airlock/definition"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/trust"
)

// SBOM formats.
const (
	SBOMSPDX      = "spdx"
	SBOMCycloneDX = "cyclonedx"
)

// CreateOptions tunes [Create]. The zero value is valid.
type CreateOptions struct {
	// Created is the package's creation time, and the build time the
	// provenance records. Default: the newest modification time of the
	// definition and its inputs for the package, the wall clock for the
	// provenance (set it, as SOURCE_DATE_EPOCH does, for byte-identical
	// archives).
	Created time.Time
	// NoProvenance skips the SLSA provenance statement.
	NoProvenance bool
	// NoSBOM skips the SBOM statement.
	NoSBOM bool
	// SBOMFormat is "spdx" (SPDX 2.3 JSON, the default) or "cyclonedx" (CycloneDX 1.6).
	SBOMFormat string
	// Env looks up the CI environment for the provenance's builder and
	// invocation (GitHub Actions, GitLab CI). Default: nil, a local build.
	Env func(string) (string, bool)
	// Trust is the trust material images' keyless signatures are verified
	// against. Default: the embedded public-good root.
	Trust *trust.Material
	// RequireImageSignatures makes an image without a verify: block (or the
	// package's imagePolicy) an error instead of "not verified upstream".
	RequireImageSignatures bool
	// Registry says how images are pulled.
	Registry registry.Options
	// TempDir holds the build's scratch store, removed when Create returns.
	// It needs room for the whole package. Default: the output's folder, which
	// the caller chose for a file of that size (a tmpfs /tmp may not fit it).
	TempDir string
	// Logger receives progress. Default: discard.
	Logger *slog.Logger
}

// CreateResult describes the package [Create] wrote.
type CreateResult struct {
	// Name and Version come from the definition.
	Name, Version string
	// Root is the package root's descriptor; its digest is what gets signed.
	Root ocispec.Descriptor
	// Statements are the unsigned statements written beside it (provenance,
	// SBOM); `sign` signs them along with the package.
	Statements []ocispec.Descriptor
}

// Create builds dir/airlock.yaml into a package archive at output, with an
// unsigned SLSA provenance statement and SBOM as referrers of the root. The
// archive is written atomically: on failure nothing is left at output.
func Create(ctx context.Context, dir, output string, opts CreateOptions) (*CreateResult, error) {
	if opts.SBOMFormat != "" && opts.SBOMFormat != SBOMSPDX && opts.SBOMFormat != SBOMCycloneDX {
		return nil, fmt.Errorf("SBOM format: expected %q or %q, found %q", SBOMSPDX, SBOMCycloneDX, opts.SBOMFormat)
	}
	started := time.Now()
	pkg, err := definition.Load(dir)
	if err != nil {
		return nil, err
	}
	tmp := opts.TempDir
	if tmp == "" {
		tmp = filepath.Dir(output)
	}
	scratch, err := os.MkdirTemp(tmp, ".airlock-create-*")
	if err != nil {
		return nil, fmt.Errorf("create scratch folder: %w", err)
	}
	defer os.RemoveAll(scratch)
	store := build.NewStore(scratch)
	built, err := build.Build(ctx, dir, pkg, store, build.Options{
		Created: opts.Created, Registry: opts.Registry, Logger: opts.Logger, ImageAnnotations: imageAnnotations(dir, pkg),
	})
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", pkg.Metadata.Name, err)
	}
	upstream, err := carryUpstream(ctx, built, store, opts)
	if err != nil {
		return nil, err
	}
	res := &CreateResult{Name: pkg.Metadata.Name, Version: pkg.Metadata.Version, Root: built.Root}
	statements, err := statements(ctx, pkg, built, upstreamSBOMs(upstream), store, started, opts)
	if err != nil {
		return nil, err
	}
	res.Statements = statements
	manifests := append(append([]ocispec.Descriptor{built.Root}, statements...), indexEntries(upstream)...)
	if err := archive.WriteFile(ctx, output, store, manifests); err != nil {
		return nil, fmt.Errorf("write %s: %w", output, err)
	}
	return res, nil
}

// statements writes the provenance and SBOM statements into the store as
// referrers of the root and returns their descriptors.
func statements(ctx context.Context, pkg *definition.Package, built *build.Result, sboms map[digest.Digest][]digest.Digest, store *build.Store, started time.Time, opts CreateOptions) ([]ocispec.Descriptor, error) {
	if opts.NoProvenance && opts.NoSBOM {
		return nil, nil
	}
	finished := time.Now()
	if !opts.Created.IsZero() {
		started, finished = opts.Created, opts.Created
	}
	b := attest.Build{
		Name: pkg.Metadata.Name, Version: pkg.Metadata.Version, Description: pkg.Metadata.Description,
		Root: built.Root.Digest, Definition: pkg.Source, Started: started, Finished: finished, Env: opts.Env,
	}
	for _, c := range built.Contents {
		b.Dependencies = append(b.Dependencies, attest.Dependency{
			Kind: c.Kind, Name: c.Name, Component: c.Component,
			Digest: c.Descriptor.Digest, Size: c.Descriptor.Size, MediaType: c.Descriptor.MediaType,
			SBOMs: sboms[c.Descriptor.Digest],
		})
	}
	type maker struct {
		skip          bool
		predicateType string
		make          func(attest.Build) ([]byte, error)
	}
	sbom := maker{opts.NoSBOM, attest.PredicateSPDX, attest.SPDX}
	if opts.SBOMFormat == SBOMCycloneDX {
		sbom = maker{opts.NoSBOM, attest.PredicateCycloneDX, attest.CycloneDX}
	}
	var out []ocispec.Descriptor
	for _, m := range []maker{{opts.NoProvenance, attest.PredicateSLSAProvenance, attest.Provenance}, sbom} {
		if m.skip {
			continue
		}
		st, err := m.make(b)
		if err != nil {
			return nil, err
		}
		ref, err := spec.NewStatementReferrer(built.Root, st, m.predicateType, built.Created)
		if err != nil {
			return nil, err
		}
		for _, blob := range []struct {
			mediaType string
			data      []byte
		}{{spec.MediaTypeInToto, st}, {ocispec.MediaTypeImageManifest, ref.Manifest}} {
			if _, err := store.PushBytes(ctx, blob.mediaType, blob.data); err != nil {
				return nil, err
			}
		}
		out = append(out, ref.Descriptor)
	}
	return out, nil
}

// upstreamSBOMs maps each image digest to the SBOM attestations carried for
// it, by the predicate types their listings name.
func upstreamSBOMs(carried []registry.Referrer) map[digest.Digest][]digest.Digest {
	out := map[digest.Digest][]digest.Digest{}
	for _, r := range carried {
		switch r.Annotations[spec.AnnotationBundlePredicateType] {
		case attest.PredicateSPDX, attest.PredicateCycloneDX, "https://spdx.dev/Document/v2.3":
			if r.Subject != "" {
				out[r.Subject] = append(out[r.Subject], r.Digest)
			}
		}
	}
	return out
}
