// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/goccy/go-yaml"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/internal/pipe"
	"github.com/airlock-dev/airlock/kube"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// extractor writes a plan's items into a fresh folder of its own.
type extractor struct {
	h    *Handle
	root string // the temporary folder
	dir  string // where it will be renamed to
	src  content.Fetcher
}

// writeAll writes every item, then each component's image map.
func (w *extractor) writeAll(ctx context.Context, p *extractPlan, res *ExtractResult) error {
	for _, it := range p.items {
		f, err := w.write(ctx, it, p.images)
		if err != nil {
			return fmt.Errorf("extract %s: %w", it.rel, err)
		}
		res.Files = append(res.Files, f)
		if it.kind == "chart" && len(p.images) > 0 {
			if named := w.chartImages(it.rel, p.images); len(named) > 0 {
				res.Charts = append(res.Charts, ChartImages{Chart: f.Path, Images: named})
			}
		}
	}
	for _, c := range p.comps {
		if imgs := p.byComp[c]; len(imgs) > 0 {
			f, err := w.writeImageMap(c, imgs)
			if err != nil {
				return err
			}
			res.Files = append(res.Files, f)
		}
	}
	return nil
}

// write writes one item, read once through the handle: a manifest whose
// image references are rewritten is read whole (bounded), anything else
// streams.
func (w *extractor) write(ctx context.Context, it item, images []mirrored) (ExtractedFile, error) {
	f := ExtractedFile{Path: filepath.Join(w.dir, filepath.FromSlash(it.rel)), Kind: it.kind, Layer: it.layer.Digest.String()}
	if raw := w.h.raw(it.layer); raw != nil && it.kind != "manifest" {
		// An archive's bytes, hashed beside the writing: the folder is
		// renamed into place only once every digest matched.
		f.Digest = f.Layer
		return f, w.createChecked(ctx, it.rel, raw, it.layer)
	}
	rc, err := w.src.Fetch(ctx, it.layer)
	if err != nil {
		return f, err
	}
	defer rc.Close()
	var r io.Reader = limited.Context(ctx, rc)
	if it.kind == "manifest" && len(images) > 0 {
		data, err := graph.ReadBounded(ctx, w.src, it.layer, kube.MaxSize)
		if err != nil {
			return f, err
		}
		out, found, err := kube.RewriteImages(data, func(ref string) (string, bool) { return lookup(images, ref) })
		if err != nil {
			return f, err
		}
		for _, img := range found {
			if img.NewRef != "" {
				f.Rewritten = append(f.Rewritten, RewrittenImage{From: img.Ref, To: img.NewRef,
					Object: fmt.Sprintf("%s/%s container %s, line %d", img.Kind, img.Name, img.Container, img.Line)})
			}
		}
		r = strings.NewReader(string(out))
	}
	if f.Rewritten == nil {
		// The bytes are the layer's, checked as they are read: its digest.
		_, err = w.create(it.rel, r, false)
		f.Digest = f.Layer
		return f, err
	}
	f.Digest, err = w.create(it.rel, r, true)
	return f, err
}

// create makes a new regular file at rel under the folder (which the
// extractor made, so no link can be in the way) and fills it from r,
// reading (and so checking) and writing at once. With hash it returns the
// digest of what it wrote.
func (w *extractor) create(rel string, r io.Reader, hash bool) (string, error) {
	full := filepath.Join(w.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return "", err
	}
	file, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return "", err
	}
	var dst io.Writer = file
	h := sha256.New()
	if hash {
		dst = io.MultiWriter(file, h)
	}
	err = pipe.Copy(dst, r)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), err
}

// raw returns a pinned blob's unchecked bytes when they come from an
// archive (nil otherwise: a registry's are checked as they stream).
func (h *Handle) raw(desc ocispec.Descriptor) io.Reader {
	r := h.pkg.archiveReader()
	if r == nil || !h.g.Has(desc) {
		return nil
	}
	sr, err := r.Raw(desc)
	if err != nil {
		return nil
	}
	return sr
}

// createChecked creates rel from raw, unchecked bytes of desc, hashing
// them on one goroutine while they are written on another (the same
// buffers: the bytes written are the bytes hashed), and fails unless they
// match desc.
func (w *extractor) createChecked(ctx context.Context, rel string, raw io.Reader, desc ocispec.Descriptor) error {
	full := filepath.Join(w.root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return err
	}
	file, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return err
	}
	hash := desc.Digest.Algorithm().Hash()
	err = pipe.FanOut(limited.Context(ctx, raw), file, hash)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if found := digest.NewDigest(desc.Digest.Algorithm(), hash); err == nil && found != desc.Digest {
		err = classify(fmt.Errorf("blob %s: %w: expected content hashing to %s, found content hashing to %s", desc.Digest, archive.ErrDigestMismatch, desc.Digest, found))
	}
	return err
}

// kustomizeImage is one entry of a kustomize images: block.
type kustomizeImage struct {
	Name    string `yaml:"name"`
	NewName string `yaml:"newName"`
	Digest  string `yaml:"digest"`
}

// writeImageMap writes COMPONENT/images.yaml: the component's images at
// their mirrored locations, as a kustomize images: block and as a map from
// each original reference for Helm values.
func (w *extractor) writeImageMap(component string, images []mirrored) (ExtractedFile, error) {
	doc := struct {
		Images []kustomizeImage `yaml:"images"`
		Mirror yaml.MapSlice    `yaml:"mirror"`
	}{}
	for _, m := range images {
		name, _, _ := strings.Cut(m.source, "@")
		if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
			name = name[:i]
		}
		newName, _, _ := strings.Cut(m.internal, "@")
		if i := strings.LastIndex(newName, ":"); i > strings.LastIndex(newName, "/") {
			newName = newName[:i]
		}
		doc.Images = append(doc.Images, kustomizeImage{Name: name, NewName: newName, Digest: m.digest})
		doc.Mirror = append(doc.Mirror, yaml.MapItem{Key: m.source, Value: m.internal})
	}
	data, err := yaml.Marshal(doc)
	if err != nil {
		return ExtractedFile{}, err
	}
	header := "# Images component " + component + " carries, where `airlock mirror` put them, pinned by digest.\n" +
		"# images: is a kustomize images: block; mirror: maps each original reference, for Helm values.\n"
	rel := component + "/images.yaml"
	dgst, err := w.create(rel, strings.NewReader(header+string(data)), true)
	return ExtractedFile{Path: filepath.Join(w.dir, filepath.FromSlash(rel)), Digest: dgst, Kind: "images"}, err
}

// Bounds on reading a chart for the image names it mentions.
const (
	maxChartFile  = 4 << 20
	maxChartBytes = 64 << 20
)

// chartImages lists the package's images a written chart names in its
// files (values and templates): by the image's name with or without its
// registry. Unreadable charts name none.
func (w *extractor) chartImages(rel string, images []mirrored) []string {
	f, err := os.Open(filepath.Join(w.root, filepath.FromSlash(rel)))
	if err != nil {
		return nil
	}
	defer f.Close()
	zr, err := gzip.NewReader(io.LimitReader(f, maxChartBytes))
	if err != nil {
		return nil
	}
	named := map[string]bool{}
	tr, total := tar.NewReader(zr), int64(0)
	for total < maxChartBytes {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		if hdr.Typeflag != tar.TypeReg || hdr.Size > maxChartFile {
			continue
		}
		data, _ := io.ReadAll(io.LimitReader(tr, maxChartFile))
		total += int64(len(data))
		for _, m := range images {
			_, short, _ := strings.Cut(m.name, "/")
			if strings.Contains(string(data), m.name) || strings.Contains(string(data), short) {
				named[m.source] = true
			}
		}
	}
	out := make([]string, 0, len(named))
	for s := range named {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// readJSON reads a small document through fetch and decodes it.
func readJSON(ctx context.Context, fetch content.Fetcher, desc ocispec.Descriptor, v any) error {
	data, err := graph.ReadBounded(ctx, fetch, desc, spec.MaxManifestSize)
	if err != nil {
		return classify(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return verify.Fail(verify.ReasonMalformedPackage, "%s: %v", desc.Digest, err)
	}
	return nil
}
