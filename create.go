// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"errors"
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
	"github.com/airlock-dev/airlock/sign"
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
	// Progress receives each image blob's transfer as it is pulled, named by
	// the image's reference. Default: none.
	Progress Progress
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
	// Key, when set, signs the package root, its provenance and its SBOM in
	// the same step that makes them: the signer signs only what it produced.
	Key *sign.Key
	// Sign says how they are signed. Default: with Key alone, offline. With
	// Sign.FulcioURL set and no Key, they are signed keylessly.
	Sign sign.Options
	// Base, when set (an archive or oci:// reference), makes a differential
	// archive: the same package root, without the blobs the base holds
	// (the base is only asked which it holds). Default: a complete archive.
	Base string
	// PartSize, when set, writes the archive as parts of at most that many
	// bytes (OUTPUT.001, OUTPUT.002, ...). Default: one file.
	PartSize int64
}

// signing reports whether the options ask for signatures.
func (o CreateOptions) signing() bool { return o.Key != nil || o.Sign.FulcioURL != "" }

// CreateResult describes the package [Create] wrote.
type CreateResult struct {
	// Name and Version come from the definition.
	Name, Version string
	// Root is the package root's descriptor; its digest is what gets signed.
	Root ocispec.Descriptor
	// Statements are the referrers holding the provenance and SBOM: unsigned
	// statements, or signed attestations when Create signed.
	Statements []ocispec.Descriptor
	// Signature is the package's signature referrer, when Create signed.
	Signature *ocispec.Descriptor
	// Files are what was written: the archive, or its parts.
	Files []string
	// Omitted counts the blobs a differential archive leaves to its base,
	// and their bytes.
	Omitted      int
	OmittedBytes int64
}

// Create builds dir/airlock.yaml into a package archive at output, with an
// SLSA provenance statement and an SBOM as referrers of the root: signed
// with the package when opts names a key or keyless signing, unsigned
// otherwise (then `sign --statement` signs them). The archive is written
// atomically: on failure nothing is left at output.
func Create(ctx context.Context, dir, output string, opts CreateOptions) (*CreateResult, error) {
	if opts.SBOMFormat != "" && opts.SBOMFormat != SBOMSPDX && opts.SBOMFormat != SBOMCycloneDX {
		return nil, fmt.Errorf("SBOM format: expected %q or %q, found %q", SBOMSPDX, SBOMCycloneDX, opts.SBOMFormat)
	}
	started := time.Now()
	pkg, err := definition.Load(dir)
	if err != nil {
		return nil, err
	}
	if err := localImagePolicies(pkg); err != nil {
		return nil, err
	}
	if err := offlineImages(pkg, opts.Registry); err != nil {
		return nil, err
	}
	wopts := archive.Options{PartSize: opts.PartSize}
	if opts.Base != "" {
		holds, annotations, closeBase, err := baseHolds(ctx, opts.Base, opts)
		if err != nil {
			return nil, err
		}
		defer closeBase()
		wopts.Omit, wopts.Annotations = holds, annotations
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
		Progress: opts.Progress,
	})
	if err != nil {
		var ie *build.ImageError
		if errors.As(err, &ie) {
			return nil, fmt.Errorf("build %s: %s: %w", pkg.Metadata.Name, definition.Position(dir, pkg, ie.Field()), err)
		}
		return nil, fmt.Errorf("build %s: %w", pkg.Metadata.Name, err)
	}
	upstream, err := carryUpstream(ctx, built, store, opts)
	if err != nil {
		return nil, err
	}
	res := &CreateResult{Name: pkg.Metadata.Name, Version: pkg.Metadata.Version, Root: built.Root}
	made, err := statements(pkg, built, upstreamSBOMs(upstream), started, opts)
	if err != nil {
		return nil, err
	}
	if err := res.attach(ctx, made, store, built, opts); err != nil {
		return nil, err
	}
	manifests := append([]ocispec.Descriptor{built.Root}, res.Statements...)
	if res.Signature != nil {
		manifests = append([]ocispec.Descriptor{built.Root, *res.Signature}, res.Statements...)
	}
	for _, c := range upstream {
		manifests = append(manifests, descriptors([]*referrer{c.ref})...)
	}
	if holds := wopts.Omit; holds != nil {
		wopts.Omit = func(d ocispec.Descriptor) bool {
			if d.Digest == built.Root.Digest || !holds(d) {
				return false
			}
			res.Omitted, res.OmittedBytes = res.Omitted+1, res.OmittedBytes+d.Size
			return true
		}
	}
	if res.Files, err = archive.WriteFileWith(ctx, output, store, manifests, wopts); err != nil {
		return nil, fmt.Errorf("write %s: %w", output, err)
	}
	return res, nil
}

// offlineImages refuses, before anything is built, a definition with
// images pulled from registries when the network is off.
func offlineImages(pkg *definition.Package, reg registry.Options) error {
	if !reg.Offline {
		return nil
	}
	for _, c := range pkg.Components {
		for _, img := range c.Images {
			if img.From == "" {
				return fmt.Errorf("image %s: %w: it is pulled from its registry (give it from: a local copy, or drop registry.Options.Offline)", img.Ref, registry.ErrOffline)
			}
		}
	}
	return nil
}

// localImagePolicies refuses an upstream policy on an image read from a
// local file: its publisher's signatures are in its registry.
func localImagePolicies(pkg *definition.Package) error {
	for _, c := range pkg.Components {
		for _, img := range c.Images {
			if img.From != "" && pkg.ImagePolicyOf(img) != nil {
				return fmt.Errorf("image %s is read from %s: its publisher's signatures are in its registry, not there; drop its verify: (or the imagePolicy), or pull it from its registry", img.Ref, img.From)
			}
		}
	}
	return nil
}

// made is a statement create made, before it is stored.
type made struct {
	predicateType string
	statement     []byte
}

// attach stores the statements as referrers of the root: signed, with a
// signature of the root, when opts asks; unsigned otherwise.
func (res *CreateResult) attach(ctx context.Context, statements []made, store *build.Store, built *build.Result, opts CreateOptions) error {
	put := func(mediaType string, data []byte) error {
		_, err := store.PushBytes(ctx, mediaType, data)
		return err
	}
	if opts.signing() {
		bundle, err := signRoot(ctx, built.Root.Digest, opts.Key, opts.Sign)
		if err != nil {
			return err
		}
		statements = append([]made{{spec.PredicateTypeCosignSign, bundle}}, statements...)
	}
	for i, m := range statements {
		var ref *spec.BundleReferrer
		var err error
		layer := m.statement
		switch {
		case opts.signing() && i == 0:
			ref, err = spec.NewBundleReferrer(built.Root, layer, m.predicateType, built.Created)
		case opts.signing():
			if layer, err = signStatement(ctx, built.Root.Digest, m.statement, opts.Key, opts.Sign); err == nil {
				ref, err = spec.NewBundleReferrer(built.Root, layer, m.predicateType, built.Created)
			}
		default:
			ref, err = spec.NewStatementReferrer(built.Root, layer, m.predicateType, built.Created)
		}
		if err != nil {
			return err
		}
		if err := put(ref.Bundle.MediaType, layer); err != nil {
			return err
		}
		if err := put(ocispec.MediaTypeImageManifest, ref.Manifest); err != nil {
			return err
		}
		if opts.signing() && i == 0 {
			res.Signature = &ref.Descriptor
			continue
		}
		res.Statements = append(res.Statements, ref.Descriptor)
	}
	return nil
}

// statements makes the provenance and SBOM statements.
func statements(pkg *definition.Package, built *build.Result, sboms map[digest.Digest][]digest.Digest, started time.Time, opts CreateOptions) ([]made, error) {
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
	var out []made
	for _, m := range []maker{{opts.NoProvenance, attest.PredicateSLSAProvenance, attest.Provenance}, sbom} {
		if m.skip {
			continue
		}
		st, err := m.make(b)
		if err != nil {
			return nil, err
		}
		out = append(out, made{m.predicateType, st})
	}
	return out, nil
}

// upstreamSBOMs maps each image digest to the SBOM attestations carried for
// it, by the predicate types their listings name.
func upstreamSBOMs(carried []carriedImage) map[digest.Digest][]digest.Digest {
	out := map[digest.Digest][]digest.Digest{}
	for _, c := range carried {
		switch c.predicateType {
		case attest.PredicateSPDX, attest.PredicateCycloneDX, "https://spdx.dev/Document/v2.3":
			out[c.subject] = append(out[c.subject], c.ref.desc.Digest)
		}
	}
	return out
}
