// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"
	"io"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/internal/progress"
	"github.com/airlock-dev/airlock/spec"
)

// Progress receives the progress of blob transfers in push, pull and mirror;
// the command line draws bars from it. Calls for different blobs may come
// from several goroutines at once.
type Progress interface {
	// Started is called when a blob's transfer starts; desc.Size is its total.
	Started(desc ocispec.Descriptor)
	// Moved is called as n more bytes of the blob have moved.
	Moved(desc ocispec.Descriptor, n int)
	// Finished is called once when the blob's transfer ends.
	Finished(desc ocispec.Descriptor)
}

// withProgress reports the blobs read from store to p (manifests are small
// and not reported).
func withProgress(store content.ReadOnlyStorage, p Progress) content.ReadOnlyStorage {
	if p == nil {
		return store
	}
	return progressStore{ReadOnlyStorage: store, p: p}
}

type progressStore struct {
	content.ReadOnlyStorage
	p Progress
}

func (s progressStore) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	rc, err := s.ReadOnlyStorage.Fetch(ctx, desc)
	if err != nil || spec.IsManifest(desc.MediaType) {
		return rc, err
	}
	return progress.Reader(rc, desc, s.p), nil
}

// FetchRaw passes an unchecked read through, reporting it, when the store
// offers one.
func (s progressStore) FetchRaw(ctx context.Context, desc ocispec.Descriptor, offset int64) (io.ReadCloser, error) {
	raw, ok := s.ReadOnlyStorage.(archive.RawFetcher)
	if !ok {
		return archive.FetchFrom(ctx, s, desc, offset)
	}
	rc, err := raw.FetchRaw(ctx, desc, offset)
	if err != nil || spec.IsManifest(desc.MediaType) {
		return rc, err
	}
	return progress.Reader(rc, desc, s.p), nil
}

// labelled is a progress store whose blobs are reported with their names
// (the title annotation of the descriptor given to Progress): a file by
// its component and path, an image's blobs by the image's reference.
type labelled struct {
	content.ReadOnlyStorage
	labels map[digest.Digest]string
}

func (l labelled) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	return l.ReadOnlyStorage.Fetch(ctx, l.label(desc))
}

// FetchRaw passes an unchecked read through with its label.
func (l labelled) FetchRaw(ctx context.Context, desc ocispec.Descriptor, offset int64) (io.ReadCloser, error) {
	if raw, ok := l.ReadOnlyStorage.(archive.RawFetcher); ok {
		return raw.FetchRaw(ctx, l.label(desc), offset)
	}
	return archive.FetchFrom(ctx, l, desc, offset)
}

// label names desc for progress, keeping everything else.
func (l labelled) label(desc ocispec.Descriptor) ocispec.Descriptor {
	name, ok := l.labels[desc.Digest]
	if !ok || desc.Annotations[ocispec.AnnotationTitle] != "" {
		return desc
	}
	annotations := map[string]string{ocispec.AnnotationTitle: name}
	for k, v := range desc.Annotations {
		annotations[k] = v
	}
	desc.Annotations = annotations
	return desc
}

// progressOf reports the handle's blobs read through src to p, each named
// as [labelled] says.
func (h *Handle) progressOf(ctx context.Context, src content.ReadOnlyStorage, p Progress) content.ReadOnlyStorage {
	if p == nil {
		return src
	}
	return labelled{ReadOnlyStorage: withProgress(src, p), labels: h.labels(ctx)}
}

// labels names the handle's blobs for progress, from the manifests it
// read: files by component and path, images' blobs by reference. What
// cannot be read is left unnamed (progress only).
func (h *Handle) labels(ctx context.Context) map[digest.Digest]string {
	out := map[digest.Digest]string{}
	for _, m := range h.pkg.index.Manifests {
		if m.ArtifactType != spec.ArtifactTypeComponent {
			continue
		}
		var man ocispec.Manifest
		if data, err := h.g.Read(ctx, plain(m)); err == nil && json.Unmarshal(data, &man) == nil {
			for _, l := range man.Layers {
				if title := l.Annotations[spec.AnnotationTitle]; title != "" {
					out[l.Digest] = man.Annotations[spec.AnnotationTitle] + "/" + title
				}
			}
		}
	}
	for _, img := range h.pkg.Images() {
		ref := img.Annotations[spec.AnnotationImageRef]
		queue := []ocispec.Descriptor{plain(img)}
		for len(queue) > 0 && len(out) < graph.MaxNodes {
			d := queue[0]
			queue = queue[1:]
			if _, named := out[d.Digest]; named && d.Digest != img.Digest {
				continue
			}
			out[d.Digest] = ref
			if !spec.IsManifest(d.MediaType) {
				continue
			}
			if data, err := h.g.Read(ctx, d); err == nil {
				children, _ := spec.Children(d.MediaType, data)
				queue = append(queue, children...)
			}
		}
	}
	return out
}

// namedProgress reports to p with each blob named as labels names it.
type namedProgress struct {
	p      Progress
	labels map[digest.Digest]string
}

// Started reports the blob, named.
func (n namedProgress) Started(d ocispec.Descriptor) {
	n.p.Started(labelled{labels: n.labels}.label(d))
}

// Moved reports n more bytes of the blob.
func (n namedProgress) Moved(d ocispec.Descriptor, m int) { n.p.Moved(d, m) }

// Finished reports the blob done.
func (n namedProgress) Finished(d ocispec.Descriptor) { n.p.Finished(d) }
