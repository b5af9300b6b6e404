// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
	"github.com/airlock-dev/airlock/zarf"
)

// signZarfPublished signs a published Zarf package as `zarf package sign`
// signs one in place: zarf.yaml marked signed and a message signature over
// it in zarf.bundle.sig, both new layers of a new manifest (its config
// made from the new zarf.yaml, its layers in digest order as Zarf orders
// them), the index updated to name it, and the tag moved last, only if it
// still names what was read. The new manifest also gets a cosign-compatible
// signature referrer, so that `cosign verify` and admission controllers
// accept it as they accept an airlock package. The package's checksums are
// checked first: only what was shown is signed.
func signZarfPublished(ctx context.Context, zp *zarfPublished, key *sign.Key, opts SignOptions) (*SignResult, error) {
	z, err := zp.read(ctx)
	if err != nil {
		return nil, err
	}
	if check, err := z.checkIntegrity(newResult(zp.target)); err != nil {
		return nil, fmt.Errorf("sign %s: %s: %w", zp.target, check, err)
	}
	if (z.bundle != nil || z.legacy != nil || z.def.Signed()) && !opts.Overwrite {
		return nil, fmt.Errorf("sign %s: the Zarf package is already signed: sign it again with SignOptions.Overwrite (--overwrite)", zp.target)
	}
	definition, bundle, err := signZarfDefinition(ctx, z.definition, key, opts)
	if err != nil {
		return nil, err
	}
	src := newOverlay(zp.b.store)
	man, err := zp.signedManifest(src, definition, bundle)
	if err != nil {
		return nil, err
	}
	root, err := zp.newRoot(src, man)
	if err != nil {
		return nil, err
	}
	rootSig, err := signRoot(ctx, man.Digest, key, opts.Sign)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	s := &signed{replaced: map[*referrer]bool{}, extra: src}
	sigRef, err := s.add(man, rootSig, spec.PredicateTypeCosignSign, now())
	if err != nil {
		return nil, err
	}
	if err := zp.publish(ctx, src, root, sigRef, opts); err != nil {
		return nil, fmt.Errorf("sign %s: %w", zp.target, err)
	}
	return &SignResult{Root: man, Signature: sigRef}, nil
}

// signZarfDefinition makes the signed zarf.yaml and its bundle, checked
// against the key when signing offline.
func signZarfDefinition(ctx context.Context, old []byte, key *sign.Key, opts SignOptions) ([]byte, []byte, error) {
	definition, err := zarf.MarkSigned(old)
	if err != nil {
		return nil, nil, err
	}
	bundle, err := sign.Message(ctx, definition, key, opts.Sign)
	if err != nil {
		return nil, nil, err
	}
	if key != nil && opts.Sign.RekorURL == "" {
		if err := selfCheck(digest.FromBytes(definition), bundle, key); err != nil {
			return nil, nil, err
		}
	}
	return definition, bundle, nil
}

// signedManifest makes the manifest with the signed zarf.yaml and its
// bundle in place of the old ones, serving its new blobs from src.
func (zp *zarfPublished) signedManifest(src overlay, definition, bundle []byte) (ocispec.Descriptor, error) {
	config, err := zarf.ConfigJSON(definition)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	var layers []ocispec.Descriptor
	for _, l := range zp.man.Layers {
		switch l.Annotations[ocispec.AnnotationTitle] {
		case zarf.DefinitionFile, zarf.BundleFile, zarf.LegacySigFile:
			continue
		}
		layers = append(layers, l)
	}
	for name, data := range map[string][]byte{zarf.DefinitionFile: definition, zarf.BundleFile: bundle} {
		d := ocispec.Descriptor{MediaType: zarf.MediaTypeLayer, Digest: digest.FromBytes(data), Size: int64(len(data)),
			Annotations: map[string]string{ocispec.AnnotationTitle: name}}
		src.put(d.Digest, data)
		layers = append(layers, d)
	}
	sort.SliceStable(layers, func(i, j int) bool { return layers[i].Digest < layers[j].Digest })
	m := zp.man
	m.Config = ocispec.Descriptor{MediaType: zarf.MediaTypeConfig, Digest: digest.FromBytes(config), Size: int64(len(config))}
	m.Layers = layers
	src.put(m.Config.Digest, config)
	return putJSON(src, ocispec.MediaTypeImageManifest, m)
}

// newRoot is the index naming man in place of the manifest read (or man
// itself when the package was published as a lone manifest).
func (zp *zarfPublished) newRoot(src overlay, man ocispec.Descriptor) (ocispec.Descriptor, error) {
	if zp.index == nil {
		return man, nil
	}
	idx := *zp.index
	idx.Manifests = append([]ocispec.Descriptor{}, zp.index.Manifests...)
	for i, m := range idx.Manifests {
		if m.Digest == zp.manifest.Digest {
			entry := man
			entry.Platform, entry.Annotations = m.Platform, m.Annotations
			idx.Manifests[i] = entry
		}
	}
	return putJSON(src, ocispec.MediaTypeImageIndex, idx)
}

// putJSON serves v as JSON from src and describes it.
func putJSON(src overlay, mediaType string, v any) (ocispec.Descriptor, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
	src.put(d.Digest, data)
	return d, nil
}

// publish pushes the new root (blobs, then manifests), then, only if the
// tag still names the root read, the signature referrer and the tag: a
// tag moved meanwhile is TAG_MOVED, the signed package left pushed by
// digest and nothing else (registries offer no compare-and-swap of a tag:
// the window between the last look and the move is as short as it can be).
func (zp *zarfPublished) publish(ctx context.Context, src overlay, root, sigRef ocispec.Descriptor, opts SignOptions) error {
	t := TransferOptions{Registry: opts.Registry}
	if err := pushGraph(ctx, zp.b.repository(), src, root, t); err != nil {
		return err
	}
	if zp.tag != "" {
		now, err := zp.b.repository().Resolve(ctx, zp.tag)
		if err != nil {
			return fmt.Errorf("resolve %s again: %w", zp.target, err)
		}
		if now.Digest != zp.root.Digest {
			return verify.Fail(verify.ReasonTagMoved, "expected the tag %s to still name %s, found %s: the signed package is pushed as %s, the tag left alone", zp.tag, zp.root.Digest, now.Digest, root.Digest)
		}
	}
	if err := pushGraph(ctx, zp.b.repository(), src, sigRef, t); err != nil {
		return err
	}
	if zp.tag == "" {
		return nil
	}
	return zp.b.repository().Tag(ctx, root, zp.tag)
}
