// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"strings"

	orasregistry "oras.land/oras-go/v2/registry"

	"github.com/airlock-dev/airlock/spec"
)

// imageName splits an image reference as Docker and Kubernetes read it:
// its name with the registry filled in (docker.io and its library/ for
// short names), its tag and its digest.
func imageName(ref string) (name, tag, dgst string) {
	rest := ref
	if i := strings.Index(rest, "@"); i >= 0 {
		rest, dgst = rest[:i], rest[i+1:]
	}
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		rest, tag = rest[:i], rest[i+1:]
	}
	registry, path, found := strings.Cut(rest, "/")
	if !found || (!strings.ContainsAny(registry, ".:") && registry != "localhost") {
		registry, path = "docker.io", rest
	}
	if registry == "index.docker.io" {
		registry = "docker.io"
	}
	if registry == "docker.io" && !strings.Contains(path, "/") {
		path = "library/" + path
	}
	return registry + "/" + path, tag, dgst
}

// mirrored is an image a package carries and where mirror puts it.
type mirrored struct {
	// source is the reference the package recorded; component its component.
	source, component string
	name, tag, digest string
	// internal is REGISTRY/PREFIX/PATH[:TAG]@DIGEST; repo is its
	// repository, REGISTRY/PREFIX/PATH.
	internal string
	repo     orasregistry.Reference
}

// mirroredImages lists the package's images and their mirrored locations
// under mirror (oci://REGISTRY[/PREFIX]); none when mirror is "".
func (p *Package) mirroredImages(mirror string) ([]mirrored, error) {
	if mirror == "" {
		return nil, nil
	}
	prefix, err := parsePrefix(mirror)
	if err != nil {
		return nil, err
	}
	var out []mirrored
	for _, img := range p.Images() {
		source := img.Annotations[spec.AnnotationImageRef]
		dst, tag, err := destination(prefix, source)
		if err != nil {
			return nil, err
		}
		m := mirrored{source: source, component: img.Annotations[spec.AnnotationComponent], tag: tag, digest: img.Digest.String(), repo: dst}
		m.name, _, _ = imageName(source)
		m.internal = dst.String()
		if tag != "" {
			m.internal += ":" + tag
		}
		m.internal += "@" + img.Digest.String()
		out = append(out, m)
	}
	return out, nil
}

// lookup returns where ref (as a manifest writes it) is mirrored, when it
// names an image the package carries: the same name, and the same digest
// when ref has one, else the same tag ("latest" when ref has none).
func lookup(images []mirrored, ref string) (string, bool) {
	name, tag, dgst := imageName(ref)
	if dgst == "" && tag == "" {
		tag = "latest"
	}
	for _, m := range images {
		if m.name != name {
			continue
		}
		if (dgst != "" && dgst == m.digest) || (dgst == "" && tag == m.tag) {
			return m.internal, true
		}
	}
	return "", false
}
