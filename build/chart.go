// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package build

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/definition"
	"github.com/airlock-dev/airlock/spec"
)

// chartMeta is the part of Chart.yaml a package needs.
type chartMeta struct {
	Name    string `yaml:"name"`
	Version string `yaml:"version"`
}

// addChart stores a chart: a .tgz as it is, a folder packaged the way
// `helm package` lays it out (every file under "<name>/"), deterministically.
func addChart(ctx context.Context, dir, rel string, store *Store) (ocispec.Descriptor, error) {
	full, err := definition.Resolve(dir, rel)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	info, err := os.Stat(full)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	var desc ocispec.Descriptor
	var title string
	if info.IsDir() {
		meta, err := readChartMeta(full)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		title = meta.Name + "-" + meta.Version + ".tgz"
		desc, err = packageChart(ctx, full, meta.Name, store)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
	} else {
		if !strings.HasSuffix(full, ".tgz") && !strings.HasSuffix(full, ".tar.gz") {
			return ocispec.Descriptor{}, fmt.Errorf("expected a chart folder or a .tgz, found %s", filepath.Base(full))
		}
		title = filepath.Base(rel)
		if desc, err = ingestFile(ctx, store, full, spec.MediaTypeChart); err != nil {
			return ocispec.Descriptor{}, err
		}
	}
	desc.Annotations = map[string]string{spec.AnnotationTitle: title}
	return desc, nil
}

func readChartMeta(dir string) (chartMeta, error) {
	f, err := os.Open(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return chartMeta{}, fmt.Errorf("expected a Chart.yaml: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, definition.MaxSize))
	if err != nil {
		return chartMeta{}, err
	}
	var meta chartMeta
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return chartMeta{}, fmt.Errorf("Chart.yaml: %w", err)
	}
	if meta.Name == "" || meta.Version == "" || strings.ContainsAny(meta.Name, `/\`) {
		return chartMeta{}, fmt.Errorf("Chart.yaml: expected a name and a version, found name %q, version %q", meta.Name, meta.Version)
	}
	return meta, nil
}

// packageChart tars and gzips a chart folder into the store, streaming.
func packageChart(ctx context.Context, dir, name string, store *Store) (ocispec.Descriptor, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeChart(pw, dir, name)) }()
	desc, err := store.Ingest(ctx, spec.MediaTypeChart, pr)
	pr.CloseWithError(err)
	return desc, err
}

// writeChart writes a deterministic .tgz: entries in lexical order, fixed
// modes and times, no owner names, and a gzip header without name or time.
func writeChart(w io.Writer, dir, name string) error {
	zw, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		hdr := &tar.Header{Name: name + "/" + filepath.ToSlash(rel), ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		switch {
		case d.IsDir():
			hdr.Typeflag, hdr.Mode, hdr.Name = tar.TypeDir, 0o755, hdr.Name+"/"
			return tw.WriteHeader(hdr)
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			hdr.Typeflag, hdr.Mode, hdr.Size = tar.TypeReg, 0o644, info.Size()
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			return copyFile(tw, p)
		default:
			return fmt.Errorf("chart file %s: expected a regular file or folder, found %s (links are not followed)", rel, d.Type())
		}
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

func copyFile(w io.Writer, p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// newestIn returns the newest modification time of p and, for a folder, everything in it.
func newestIn(p string) (time.Time, error) {
	var newest time.Time
	err := filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.ModTime().After(newest) {
			newest = info.ModTime()
		}
		return nil
	})
	return newest, err
}
