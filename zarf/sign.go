// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package zarf

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"time"

	goyaml "github.com/goccy/go-yaml"
	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
)

// The version requirement Zarf adds when it signs (a bundle signature
// needs Zarf v0.71.0 to be verified).
const (
	signedVersion = "v0.71.0"
	signedReason  = "This package contains a bundle format signature which requires Zarf v0.71.0 or later"
)

// MarkSigned makes, from a zarf.yaml, the one Zarf signs: in each document
// of an apiVersion Zarf reads, build.signed true, zarf.bundle.sig among
// build.provenanceFiles, and the version requirement a bundle signature
// brings (each added once); every document kept, in order. It re-encodes
// the documents as Zarf does (goccy/go-yaml, from the values it read, so
// no scalar is re-interpreted), then checks that, read back by Zarf's
// parser, every document is what it was but for those three fields: a
// definition that would change otherwise is refused, never signed. A
// definition ParseDefinition refuses is not signed either.
func MarkSigned(data []byte) (out []byte, err error) {
	if _, err := ParseDefinition(data); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%w: %s: malformed YAML (parser panic: %v)", ErrInvalid, DefinitionFile, r)
		}
	}()
	bodies, err := yamlDocuments(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, DefinitionFile, err)
	}
	var parts [][]byte
	for _, body := range bodies {
		var doc goyaml.MapSlice
		if err := goyaml.NodeToValue(body, &doc, goyaml.UseOrderedMap()); err != nil {
			return nil, fmt.Errorf("%w: %s: expected documents that are mappings: %v", ErrInvalid, DefinitionFile, err)
		}
		if version, _ := apiVersionOf(body); known(version) {
			doc = markSigned(doc)
		}
		part, err := goyaml.MarshalWithOptions(doc, goyaml.Indent(2), goyaml.IndentSequence(true), goyaml.UseLiteralStyleIfMultiline(true))
		if err != nil {
			return nil, err
		}
		parts = append(parts, part)
	}
	out = bytes.Join(parts, []byte("---\n"))
	if err := sameButSigned(data, out); err != nil {
		return nil, fmt.Errorf("%w: %s: signing would change more than build.signed, build.provenanceFiles and build.versionRequirements (%v): refused", ErrInvalid, DefinitionFile, err)
	}
	if d, err := ParseDefinition(out); err != nil || !d.Signed() {
		return nil, fmt.Errorf("%w: %s: marked signed, it no longer reads as signed: %v", ErrInvalid, DefinitionFile, err)
	}
	return out, nil
}

// markSigned makes Zarf's three edits to one document.
func markSigned(doc goyaml.MapSlice) goyaml.MapSlice {
	build, _ := get(doc, "build").(goyaml.MapSlice)
	build = put(build, "signed", true)
	files, _ := get(build, "provenanceFiles").([]any)
	if !slices.Contains(files, any(BundleFile)) {
		files = append(files, BundleFile)
	}
	build = put(build, "provenanceFiles", files)
	reqs, _ := get(build, "versionRequirements").([]any)
	has := false
	for _, r := range reqs {
		if m, ok := r.(goyaml.MapSlice); ok && get(m, "version") == signedVersion {
			has = true
		}
	}
	if !has {
		reqs = append(reqs, goyaml.MapSlice{{Key: "version", Value: signedVersion}, {Key: "reason", Value: signedReason}})
	}
	build = put(build, "versionRequirements", reqs)
	return put(doc, "build", build)
}

// get returns m's value at key (nil when absent).
func get(m goyaml.MapSlice, key string) any {
	for _, item := range m {
		if item.Key == key {
			return item.Value
		}
	}
	return nil
}

// put sets m's value at key, in place of what was there, else at the end.
func put(m goyaml.MapSlice, key string, value any) goyaml.MapSlice {
	for i, item := range m {
		if item.Key == key {
			m[i].Value = value
			return m
		}
	}
	return append(m, goyaml.MapItem{Key: key, Value: value})
}

// sameButSigned checks that, read by Zarf's parser, signed holds the
// documents of original, in order, each the same but for the three build
// fields signing sets (and the provenance files it had, kept).
func sameButSigned(original, signed []byte) error {
	a, err := plainDocuments(original)
	if err != nil {
		return err
	}
	b, err := plainDocuments(signed)
	if err != nil {
		return err
	}
	if len(a) != len(b) {
		return fmt.Errorf("%d documents became %d", len(a), len(b))
	}
	for i := range a {
		before, _ := buildOf(a[i])["provenanceFiles"].([]any)
		after, _ := buildOf(b[i])["provenanceFiles"].([]any)
		for _, f := range before {
			if !slices.Contains(after, f) {
				return fmt.Errorf("document %d: the provenance file %v was lost", i, f)
			}
		}
		withoutSigning(a[i])
		withoutSigning(b[i])
		if !reflect.DeepEqual(a[i], b[i]) {
			return fmt.Errorf("document %d reads differently once re-encoded", i)
		}
	}
	return nil
}

// plainDocuments decodes every document as Zarf's parser reads it.
func plainDocuments(data []byte) ([]map[string]any, error) {
	bodies, err := yamlDocuments(data)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(bodies))
	for _, body := range bodies {
		var doc map[string]any
		if err := goyaml.NodeToValue(body, &doc); err != nil {
			return nil, err
		}
		out = append(out, doc)
	}
	return out, nil
}

func buildOf(doc map[string]any) map[string]any {
	b, _ := doc["build"].(map[string]any)
	return b
}

// withoutSigning removes what signing sets from a document's build, and
// the build itself when nothing else is left in it.
func withoutSigning(doc map[string]any) {
	b := buildOf(doc)
	if b == nil {
		return
	}
	for _, k := range []string{"signed", "provenanceFiles", "versionRequirements"} {
		delete(b, k)
	}
	if len(b) == 0 {
		delete(doc, "build")
	}
}

// Rewrite writes the tarball again to out, compressed as it was: each
// file as it is (checked by check against what was verified as it is
// copied, so that what is written is what was shown), the files in
// replace with their new content (added in sorted place when absent),
// those in drop left out.
func (t *Tarball) Rewrite(ctx context.Context, out io.Writer, replace map[string][]byte, drop map[string]bool, check func(name string, d digest.Digest) error) error {
	w, closeW := out, func() error { return nil }
	if t.Compressed {
		zw, err := zstd.NewWriter(out)
		if err != nil {
			return err
		}
		w, closeW = zw, zw.Close
	}
	tw := tar.NewWriter(w)
	pending := sortedKeys(replace)
	put := func(before string) error {
		for len(pending) > 0 && (before == "" || pending[0] < before) {
			if err := writeEntry(tw, pending[0], replace[pending[0]]); err != nil {
				return err
			}
			pending = pending[1:]
		}
		return nil
	}
	err := t.copyEntries(ctx, tw, func(name string) (skip bool, err error) {
		if err := put(name); err != nil {
			return false, err
		}
		if _, ok := replace[name]; ok {
			return true, nil // written in its sorted place
		}
		return drop[name], nil
	}, check)
	if err == nil {
		err = put("")
	}
	if err == nil {
		err = tw.Close()
	}
	if cerr := closeW(); err == nil {
		err = cerr
	}
	return err
}

// copyEntries copies every entry skip does not skip, read as strictly as
// Walk reads it (a split package's parts checked against .part000), each
// file checked once copied.
func (t *Tarball) copyEntries(ctx context.Context, tw *tar.Writer, skip func(string) (bool, error), check func(string, digest.Digest) error) error {
	r, raw, whole, closeAll, err := t.stream(ctx)
	if err != nil {
		return err
	}
	defer closeAll()
	skipped := map[string]bool{}
	_, err = walkTar(r, func(e entry) error {
		s, err := skip(e.name)
		if err != nil || s {
			skipped[e.name] = true
			return err
		}
		if err := tw.WriteHeader(e.hdr); err != nil {
			return err
		}
		_, err = io.Copy(tw, e.body)
		return err
	}, func(name string, d digest.Digest) error {
		if skipped[name] {
			return nil
		}
		return check(name, d)
	})
	if err != nil {
		return err
	}
	return t.checkSplit(raw, whole)
}

func writeEntry(tw *tar.Writer, name string, data []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// ConfigJSON is the config Zarf publishes a package with: its definition
// (the document Zarf reads) as JSON. Nothing verifies it (the signature is
// over zarf.yaml); Zarf and registries show it.
func ConfigJSON(definition []byte) ([]byte, error) {
	def, err := ParseDefinition(definition)
	if err != nil {
		return nil, err
	}
	docs, err := plainDocuments(definition)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, DefinitionFile, err)
	}
	for _, doc := range docs {
		v, _ := doc["apiVersion"].(string)
		if v == def.APIVersion || v == "" && def.APIVersion == APIVersionV1Alpha1 {
			return json.Marshal(doc)
		}
	}
	return nil, fmt.Errorf("%w: %s: no %s document", ErrInvalid, DefinitionFile, def.APIVersion)
}
