// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package build

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"

	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/oci"
	orasregistry "oras.land/oras-go/v2/registry"

	"github.com/airlock-dev/airlock/definition"
	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/spec"
)

// Bounds on what is read of a local image's metadata.
const (
	maxLocalEntries = 100000
	maxLocalJSON    = 4 << 20
)

// localImage reads an image from img.From (relative to dir) instead of its
// registry, into store: an OCI image layout folder, an OCI layout tar
// (`crane pull --format oci`, then tar), or a `docker save` tarball (also
// `crane pull --format tarball` or `legacy`), which is made into an OCI
// image manifest of its config and layers. The image is the one
// index.json or manifest.json names by img.Ref, else the only one; a
// digest in img.Ref must be the image's. Every blob is checked against its
// digest as it is stored.
func localImage(ctx context.Context, dir string, img definition.Image, store *Store, opts Options) (ocispec.Descriptor, error) {
	full, err := definition.Resolve(dir, img.From)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	info, err := os.Stat(full)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	var src content.ReadOnlyStorage
	var index []byte
	if info.IsDir() {
		root, rerr := os.OpenRoot(full)
		if rerr != nil {
			return ocispec.Descriptor{}, rerr
		}
		defer root.Close()
		fsys := regularFS{root}
		if index, err = readAll(fsys, "index.json"); err == nil {
			src, err = oci.NewFromFS(ctx, fsys)
		}
	} else {
		entries, terr := tarEntries(full)
		switch {
		case terr != nil:
			return ocispec.Descriptor{}, fmt.Errorf("%s: expected an OCI layout folder or tar, or a docker save tarball: %w", img.From, terr)
		case entries["index.json"] && entries["oci-layout"]:
			if index, err = tarFile(full, "index.json"); err == nil {
				src, err = oci.NewFromTar(ctx, full)
			}
		case entries["manifest.json"]:
			if r, err := orasregistry.ParseReference(img.Ref); err == nil {
				if d, err := r.Digest(); err == nil {
					return ocispec.Descriptor{}, fmt.Errorf("%s: a docker save tarball's image is made anew, so no digest can pin it (%s): pin it by an OCI layout, or name it by tag", img.From, d)
				}
			}
			return dockerArchive(ctx, full, img, store)
		default:
			return ocispec.Descriptor{}, fmt.Errorf("%s: expected an OCI layout (index.json, oci-layout) or a docker save tarball (manifest.json), found neither", img.From)
		}
	}
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("%s: %w", img.From, err)
	}
	root, err := chooseImage(index, img.Ref)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("%s: %w", img.From, err)
	}
	return copyImage(ctx, src, store, root, img.Platforms, opts)
}

// chooseImage picks, from an OCI layout's index.json, the image ref names
// (by its org.opencontainers.image.ref.name, the whole reference or its
// tag), else the only one; a digest in ref must be the image's.
func chooseImage(index []byte, ref string) (ocispec.Descriptor, error) {
	var idx ocispec.Index
	if err := json.Unmarshal(index, &idx); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("index.json: %w", err)
	}
	r, err := orasregistry.ParseReference(ref)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	var named []ocispec.Descriptor
	for _, m := range idx.Manifests {
		if n := m.Annotations[ocispec.AnnotationRefName]; n != "" && (n == ref || n == r.Reference) {
			named = append(named, m)
		}
	}
	if len(named) == 0 && len(idx.Manifests) == 1 {
		named = idx.Manifests
	}
	if len(named) != 1 {
		return ocispec.Descriptor{}, fmt.Errorf("expected one image named %s (or only one image), found %d of %d", ref, len(named), len(idx.Manifests))
	}
	root := ocispec.Descriptor{MediaType: named[0].MediaType, Digest: named[0].Digest, Size: named[0].Size}
	if d, err := r.Digest(); err == nil && d != root.Digest {
		return ocispec.Descriptor{}, fmt.Errorf("expected the image %s, found %s", d, root.Digest)
	}
	if !spec.IsManifest(root.MediaType) {
		return ocispec.Descriptor{}, fmt.Errorf("expected an image manifest or index, found %s", root.MediaType)
	}
	return root, nil
}

// copyImage copies root's graph from src into store, narrowed to
// platforms as a pulled image is.
func copyImage(ctx context.Context, src content.ReadOnlyStorage, store *Store, root ocispec.Descriptor, platforms []string, opts Options) (ocispec.Descriptor, error) {
	if opts.Progress != nil {
		src = reporting{ReadOnlyStorage: src, p: opts.Progress, name: opts.progressName}
	}
	copyOpts := oras.CopyGraphOptions{Concurrency: opts.Concurrency}
	if copyOpts.Concurrency <= 0 {
		copyOpts.Concurrency = 4
	}
	isIndex := root.MediaType == ocispec.MediaTypeImageIndex || root.MediaType == spec.MediaTypeDockerManifestList
	if len(platforms) == 0 || !isIndex {
		return root, oras.CopyGraph(ctx, src, store, root, copyOpts)
	}
	return narrow(ctx, src, store, root, platforms, copyOpts)
}

// dockerManifest is one image of a docker save tarball's manifest.json.
type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// dockerArchive makes an OCI image of a docker save tarball's image ref
// names (else its only one): its config and its layers (gzip-compressed or
// not, as they are) stored as they are, and a manifest listing them.
func dockerArchive(ctx context.Context, file string, img definition.Image, store *Store) (ocispec.Descriptor, error) {
	data, err := tarFile(file, "manifest.json")
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	var list []dockerManifest
	if err := json.Unmarshal(data, &list); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("%s: manifest.json: %w", img.From, err)
	}
	var picked []dockerManifest
	for _, m := range list {
		if slices.Contains(m.RepoTags, img.Ref) {
			picked = append(picked, m)
		}
	}
	if len(picked) == 0 && len(list) == 1 {
		picked = list
	}
	if len(picked) != 1 {
		return ocispec.Descriptor{}, fmt.Errorf("%s: expected one image tagged %s (or only one image), found %d of %d", img.From, img.Ref, len(picked), len(list))
	}
	m := picked[0]
	config, err := ingestEntry(ctx, file, m.Config, ocispec.MediaTypeImageConfig, store)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	man := ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, Config: config}
	for _, l := range m.Layers {
		layer, err := ingestEntry(ctx, file, l, ocispec.MediaTypeImageLayer, store)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		man.Layers = append(man.Layers, layer)
	}
	out, err := json.Marshal(man)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return store.PushBytes(ctx, ocispec.MediaTypeImageManifest, out)
}

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// ingestEntry stores the tar entry name as a blob of mediaType (a layer
// marked +gzip when it is compressed).
func ingestEntry(ctx context.Context, file, name, mediaType string, store *Store) (ocispec.Descriptor, error) {
	var desc ocispec.Descriptor
	err := withEntry(file, name, func(r io.Reader) error {
		br := bufio.NewReader(r)
		if head, _ := br.Peek(2); mediaType == ocispec.MediaTypeImageLayer && bytes.Equal(head, gzipMagic) {
			mediaType = ocispec.MediaTypeImageLayerGzip
		}
		var err error
		desc, err = store.Ingest(ctx, mediaType, br)
		return err
	})
	return desc, err
}

// tarEntries lists a tar's entry names (cleaned), bounded.
func tarEntries(file string) (map[string]bool, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(out) == maxLocalEntries {
			return nil, fmt.Errorf("more than %d entries", maxLocalEntries)
		}
		out[path.Clean(hdr.Name)] = true
	}
}

// tarFile reads a small tar entry whole.
func tarFile(file, name string) ([]byte, error) {
	var data []byte
	err := withEntry(file, name, func(r io.Reader) error {
		var err error
		data, err = limited.ReadAll(r, maxLocalJSON)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

// withEntry calls use with the content of the regular tar entry name.
func withEntry(file, name string, use func(io.Reader) error) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	want := path.Clean(name)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%s holds no %s", file, name)
		}
		if err != nil {
			return err
		}
		if path.Clean(hdr.Name) == want {
			if hdr.Typeflag != tar.TypeReg {
				return fmt.Errorf("%s: expected a regular file, found tar type %q", name, hdr.Typeflag)
			}
			return use(tr)
		}
	}
}

// regularFS serves the regular files of a folder, and its folders: no link
// is followed, no file of another kind (a device, a pipe) opened, nothing
// outside it reached.
type regularFS struct{ root *os.Root }

func (r regularFS) Open(name string) (fs.File, error) {
	info, err := r.root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() && !info.IsDir() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fmt.Errorf("expected a regular file, found %s", info.Mode().Type())}
	}
	return r.root.Open(name)
}

// readAll reads a small file of fsys whole.
func readAll(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := limited.ReadAll(f, maxLocalJSON)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}
