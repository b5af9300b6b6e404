// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	orasregistry "oras.land/oras-go/v2/registry"

	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
)

// mirroredAt is an image mirror pushed, and where.
type mirroredAt struct {
	img ocispec.Descriptor
	dst orasregistry.Reference
}

// RecordMirrored signs, once the mirror res verified in full, a
// verification summary of each image it mirrored, about the image at its
// new location, and pushes it there as cosign v3 does (a bundle referrer
// of the image) and as cosign v2 and policy-controller read it (in the
// image's legacy ".att" tag, beside the attestations the image carried).
func (h *Handle) RecordMirrored(ctx context.Context, res *MirrorResult, opts RecordOptions, t TransferOptions) error {
	if res == nil || res.by != h || !h.verified || !h.res.Verified || len(res.at) != len(res.Images) {
		return ErrNotRecorded // only what this handle verified and mirrored, all of it checked
	}
	src := newOverlay(h)
	repos := &uploads{byRepo: map[string]*upload{}, opts: t.Registry}
	var done []func()
	seen := map[string]bool{}
	for i, m := range res.at {
		name := m.dst.Registry + "/" + m.dst.Repository
		if seen[name+"@"+m.img.Digest.String()] { // one image listed twice
			continue
		}
		seen[name+"@"+m.img.Digest.String()] = true
		rec, err := h.recordImage(ctx, m.img, name, "oci://"+name+"@"+m.img.Digest.String(), opts)
		if err != nil {
			return err
		}
		ref, err := spec.NewBundleReferrer(m.img, rec.Bundle, attest.PredicateVSA, recordTime(opts))
		if err != nil {
			return err
		}
		src.put(ref.Descriptor.Digest, ref.Manifest)
		src.put(ref.Bundle.Digest, rec.Bundle)
		att, err := h.legacyAttestations(ctx, m.img.Digest, rec.Bundle, src)
		if err != nil {
			return err
		}
		u, err := repos.get(m.dst)
		if err != nil {
			return err
		}
		for _, d := range []ocispec.Descriptor{ref.Descriptor, att} {
			if err := u.add(ctx, src, d); err != nil {
				return err
			}
		}
		u.tags = append(u.tags, tagging{att, registry.LegacyTag(m.img.Digest, registry.LegacyAttestationSuffix)})
		into, location := &res.Images[i], name+"@"+ref.Descriptor.Digest.String()
		done = append(done, func() {
			into.Record = ref.Descriptor.Digest.String()
			h.recorded(rec, location)
		})
	}
	if err := transfer(ctx, src, repos.list, t); err != nil {
		return fmt.Errorf("push the verification summaries: %w", err)
	}
	for _, d := range done {
		d()
	}
	return nil
}

// legacyAttestations makes cosign's legacy ".att" manifest of an image:
// the DSSE envelopes of the legacy attestations it carried, if any, and
// the record's, one layer each. Its blobs are put in src.
func (h *Handle) legacyAttestations(ctx context.Context, img digest.Digest, bundle []byte, src overlay) (ocispec.Descriptor, error) {
	var b struct {
		DSSEEnvelope json.RawMessage `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil || len(b.DSSEEnvelope) == 0 {
		return ocispec.Descriptor{}, errors.New("the record's bundle holds no DSSE envelope")
	}
	envelope := []byte(b.DSSEEnvelope)
	var layers []ocispec.Descriptor
	for _, r := range h.byImage[img] {
		if r.kind == kindLegacyAtt {
			layers = append(layers, r.layers...)
		}
	}
	layers = append(layers, ocispec.Descriptor{MediaType: mediaTypeDSSE, Digest: digest.FromBytes(envelope), Size: int64(len(envelope)),
		Annotations: map[string]string{annotationCosignSig: "", "predicateType": attest.PredicateVSA}})
	src.put(layers[len(layers)-1].Digest, envelope)
	diffIDs := make([]digest.Digest, len(layers))
	for i, l := range layers {
		diffIDs[i] = l.Digest
	}
	config, err := json.Marshal(ocispec.Image{RootFS: ocispec.RootFS{Type: "layers", DiffIDs: diffIDs}, Created: &time.Time{}})
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	cfg := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(config), Size: int64(len(config))}
	src.put(cfg.Digest, config)
	manifest, err := json.Marshal(ocispec.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest, Config: cfg, Layers: layers})
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(manifest), Size: int64(len(manifest))}
	src.put(desc.Digest, manifest)
	return desc, nil
}
