// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package zarf

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	yaml "go.yaml.in/yaml/v3"
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
// brings (each added once); every document kept, in order. Nothing else
// changes: checksums.txt does not list zarf.yaml. A definition
// ParseDefinition refuses is not signed.
func MarkSigned(data []byte) ([]byte, error) {
	if _, err := ParseDefinition(data); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%w: %s: expected documents that are mappings", ErrInvalid, DefinitionFile)
		}
		if known(doc.Content[0]) {
			markSigned(doc.Content[0])
		}
		if err := enc.Encode(&doc); err != nil {
			return nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	if d, err := ParseDefinition(out.Bytes()); err != nil || !d.Signed() {
		return nil, fmt.Errorf("%w: %s: marked signed, it no longer reads as signed: %v", ErrInvalid, DefinitionFile, err)
	}
	return out.Bytes(), nil
}

// known says whether Zarf reads a document of this apiVersion.
func known(m *yaml.Node) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "apiVersion" {
			v := m.Content[i+1].Value
			return v == "" || v == APIVersionV1Alpha1 || v == APIVersionV1Beta1
		}
	}
	return true
}

// markSigned makes Zarf's three edits to one document.
func markSigned(m *yaml.Node) {
	build := child(m, "build", yaml.MappingNode)
	set(build, "signed", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
	files := child(build, "provenanceFiles", yaml.SequenceNode)
	if !hasScalar(files, BundleFile) {
		files.Content = append(files.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: BundleFile})
	}
	reqs := child(build, "versionRequirements", yaml.SequenceNode)
	if !hasRequirement(reqs) {
		req := &yaml.Node{Kind: yaml.MappingNode}
		set(req, "version", &yaml.Node{Kind: yaml.ScalarNode, Value: signedVersion})
		set(req, "reason", &yaml.Node{Kind: yaml.ScalarNode, Value: signedReason})
		reqs.Content = append(reqs.Content, req)
	}
}

// child returns m's value at key, made of kind when it is absent
// (in place of a value of another kind).
func child(m *yaml.Node, key string, kind yaml.Kind) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == kind {
			return m.Content[i+1]
		}
	}
	n := &yaml.Node{Kind: kind}
	set(m, key, n)
	return n
}

// set puts value at key in m, in place of what was there.
func set(m *yaml.Node, key string, value *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = value
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, value)
}

func hasScalar(seq *yaml.Node, v string) bool {
	for _, n := range seq.Content {
		if n.Kind == yaml.ScalarNode && n.Value == v {
			return true
		}
	}
	return false
}

func hasRequirement(seq *yaml.Node) bool {
	for _, n := range seq.Content {
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "version" && n.Content[i+1].Value == signedVersion {
				return true
			}
		}
	}
	return false
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
// as JSON. Nothing verifies it (the signature is over zarf.yaml); Zarf
// and registries show it.
func ConfigJSON(definition []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(definition, &v); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, DefinitionFile, err)
	}
	return json.Marshal(v)
}
