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

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/build"
	"github.com/airlock-dev/airlock/definition"
	"github.com/airlock-dev/airlock/registry"
)

// CreateOptions tunes [Create]. The zero value is valid.
type CreateOptions struct {
	// Created is the package's creation time. Default: the newest
	// modification time of the definition and its inputs.
	Created time.Time
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
}

// Create builds dir/airlock.yaml into a package archive at output. The
// archive is written atomically: on failure nothing is left at output.
func Create(ctx context.Context, dir, output string, opts CreateOptions) (*CreateResult, error) {
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
	root, err := build.Build(ctx, dir, pkg, store, build.Options{
		Created:  opts.Created,
		Registry: opts.Registry,
		Logger:   opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", pkg.Metadata.Name, err)
	}
	if err := archive.WriteFile(ctx, output, store, []ocispec.Descriptor{root}); err != nil {
		return nil, fmt.Errorf("write %s: %w", output, err)
	}
	return &CreateResult{Name: pkg.Metadata.Name, Version: pkg.Metadata.Version, Root: root}, nil
}
