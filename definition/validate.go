// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package definition

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"oras.land/oras-go/v2/registry"

	"github.com/airlock-dev/airlock/internal/yamlfile"
)

var (
	// namePattern is the shape of package and component names.
	namePattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9._-]{0,126}[a-z0-9])?$`)
	// versionPattern is an OCI tag, since the version becomes the package's tag.
	versionPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
	// platformPattern is "os/arch" or "os/arch/variant".
	platformPattern = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9_]+(?:/[a-z0-9]+)?$`)
)

// validate checks the definition and returns every problem found, each a
// *yamlfile.FieldError.
func (p *Package) validate() []error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if p.APIVersion != APIVersion {
		add(yamlfile.Field("$.apiVersion", "expected %q, found %q", APIVersion, p.APIVersion))
	}
	if p.Kind != Kind {
		add(yamlfile.Field("$.kind", "expected %q, found %q", Kind, p.Kind))
	}
	if !namePattern.MatchString(p.Metadata.Name) {
		add(yamlfile.Field("$.metadata.name", "expected lower-case letters, digits, '.', '_' or '-' (1-128), found %q", p.Metadata.Name))
	}
	if !versionPattern.MatchString(p.Metadata.Version) {
		add(yamlfile.Field("$.metadata.version", "expected an OCI tag ([A-Za-z0-9_][A-Za-z0-9._-]*, at most 128), found %q", p.Metadata.Version))
	}
	if len(p.Components) == 0 {
		add(yamlfile.Field("$.components", "expected at least one component, found none"))
	}
	if p.ImagePolicy != nil {
		add(p.ImagePolicy.validate("$.imagePolicy"))
	}
	seen := map[string]bool{}
	targets := map[string]string{}
	for i, c := range p.Components {
		at := fmt.Sprintf("$.components[%d]", i)
		for j, f := range c.Files {
			field := fmt.Sprintf("%s.files[%d].target", at, j)
			if prev, dup := targets[path.Clean(f.Target)]; f.Target != "" && dup {
				add(yamlfile.Field(field, "target %q is already the target of %s", f.Target, yamlfile.FieldName(prev)))
			}
			if f.Target != "" {
				targets[path.Clean(f.Target)] = field
			}
		}
		if !namePattern.MatchString(c.Name) {
			add(yamlfile.Field(at+".name", "expected lower-case letters, digits, '.', '_' or '-', found %q", c.Name))
		}
		if seen[c.Name] {
			add(yamlfile.Field(at+".name", "component %q is defined twice", c.Name))
		}
		seen[c.Name] = true
		errs = append(errs, c.validate(at)...)
	}
	return errs
}

// validate checks a component, returning every problem.
func (c *Component) validate(at string) []error {
	if len(c.Files)+len(c.Manifests)+len(c.Charts)+len(c.Images) == 0 {
		return []error{yamlfile.Field(at, "component %q is empty: expected files, manifests, charts or images", c.Name)}
	}
	var errs []error
	titles := map[string]string{}
	check := func(field string, p string) {
		if err := checkRelative(p); err != nil {
			errs = append(errs, yamlfile.Field(field, "%v", err))
			return
		}
		clean := path.Clean(p)
		if prev, dup := titles[clean]; dup {
			errs = append(errs, yamlfile.Field(field, "%q is already listed at %s", p, yamlfile.FieldName(prev)))
		}
		titles[clean] = field
	}
	for i, f := range c.Files {
		field := fmt.Sprintf("%s.files[%d]", at, i)
		check(field+".path", f.Path)
		if f.Target != "" && !path.IsAbs(f.Target) {
			errs = append(errs, yamlfile.Field(field+".target", "expected an absolute path, found %q", f.Target))
		}
	}
	for i, m := range c.Manifests {
		check(fmt.Sprintf("%s.manifests[%d].path", at, i), m.Path)
	}
	for i, ch := range c.Charts {
		check(fmt.Sprintf("%s.charts[%d].path", at, i), ch.Path)
	}
	for i, img := range c.Images {
		errs = append(errs, img.validate(fmt.Sprintf("%s.images[%d]", at, i))...)
	}
	return errs
}

// validate checks an image, returning every problem.
func (img *Image) validate(at string) []error {
	var errs []error
	ref, err := registry.ParseReference(img.Ref)
	switch {
	case err != nil:
		errs = append(errs, yamlfile.Field(at+".ref", "expected REGISTRY/REPOSITORY[:TAG][@DIGEST], found %q: %v", img.Ref, err))
	case ref.Reference == "":
		errs = append(errs, yamlfile.Field(at+".ref", "expected a tag or a digest in %q", img.Ref))
	}
	if img.From != "" {
		if err := checkRelative(img.From); err != nil {
			errs = append(errs, yamlfile.Field(at+".from", "%v", err))
		}
	}
	for j, p := range img.Platforms {
		if !platformPattern.MatchString(p) {
			errs = append(errs, yamlfile.Field(fmt.Sprintf("%s.platforms[%d]", at, j), "expected os/arch[/variant], found %q", p))
		}
	}
	if img.Verify != nil {
		if err := img.Verify.validate(at + ".verify"); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// validate checks an image policy's shape; key files are checked by Load.
func (v *ImageVerify) validate(at string) error {
	if v.Key != "" {
		if err := checkRelative(v.Key); err != nil {
			return yamlfile.Field(at+".key", "%v", err)
		}
		return nil
	}
	if _, err := v.SignerSpec.Signer("."); err != nil {
		return yamlfile.Field(at, "%v", err)
	}
	return nil
}

// checkRelative refuses empty, absolute and escaping paths.
func checkRelative(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("expected a path, found none")
	case path.IsAbs(p) || filepath.IsAbs(p) || strings.HasPrefix(p, `\`):
		return fmt.Errorf("expected a path relative to the definition's folder, found absolute %q", p)
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("expected a path, found a NUL byte in %q", p)
	}
	clean := path.Clean(filepath.ToSlash(p))
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("expected a path inside the definition's folder, found %q", p)
	}
	if clean == "." {
		return fmt.Errorf("expected a file, found the definition's folder itself")
	}
	return nil
}

// Resolve returns the absolute path of rel inside dir, following symbolic
// links, and fails if the result is outside dir.
func Resolve(dir, rel string) (string, error) {
	if err := checkRelative(rel); err != nil {
		return "", err
	}
	base, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", dir, err)
	}
	base, err = filepath.Abs(base)
	if err != nil {
		return "", err
	}
	full, err := filepath.EvalSymlinks(filepath.Join(base, filepath.FromSlash(rel)))
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", rel, err)
	}
	inside, err := filepath.Rel(base, full)
	if err != nil || inside == ".." || strings.HasPrefix(inside, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("expected %q to stay inside %s, found it leads to %s", rel, base, full)
	}
	return full, nil
}

// checkPaths resolves every path against dir, checks its kind, and
// returns every problem found, located. A files or manifests path may be a
// folder; a chart folder must hold a Chart.yaml; an image's from a folder
// (an OCI layout) or a file (a tar).
func (p *Package) checkPaths(name string, data []byte, dir string) error {
	type entry struct {
		field, rel string
		folderOK   bool
		inside     string // a file the folder must hold
	}
	var entries []entry
	for i, c := range p.Components {
		for j, f := range c.Files {
			entries = append(entries, entry{fmt.Sprintf("$.components[%d].files[%d].path", i, j), f.Path, true, ""})
		}
		for j, m := range c.Manifests {
			entries = append(entries, entry{fmt.Sprintf("$.components[%d].manifests[%d].path", i, j), m.Path, true, ""})
		}
		for j, ch := range c.Charts {
			entries = append(entries, entry{fmt.Sprintf("$.components[%d].charts[%d].path", i, j), ch.Path, true, "Chart.yaml"})
		}
		for j, img := range c.Images {
			if img.From != "" {
				entries = append(entries, entry{fmt.Sprintf("$.components[%d].images[%d].from", i, j), img.From, true, "index.json"})
			}
			if img.Verify != nil && img.Verify.Key != "" {
				entries = append(entries, entry{fmt.Sprintf("$.components[%d].images[%d].verify.key", i, j), img.Verify.Key, false, ""})
			}
		}
	}
	if p.ImagePolicy != nil && p.ImagePolicy.Key != "" {
		entries = append(entries, entry{"$.imagePolicy.key", p.ImagePolicy.Key, false, ""})
	}
	var errs []error
	for _, e := range entries {
		if err := checkPath(dir, e.rel, e.folderOK, e.inside); err != nil {
			errs = append(errs, yamlfile.Locate(name, data, yamlfile.Field(e.field, "%v", err), ErrInvalid))
		}
	}
	return errors.Join(errs...)
}

// checkPath checks one path: inside dir, of the right kind, a folder
// holding inside when it must.
func checkPath(dir, rel string, folderOK bool, inside string) error {
	full, err := Resolve(dir, rel)
	if err != nil {
		return err
	}
	info, err := os.Stat(full)
	if err != nil {
		return err
	}
	switch {
	case info.IsDir() && folderOK && inside != "":
		if _, err := os.Stat(filepath.Join(full, inside)); err != nil {
			return fmt.Errorf("expected a %s in the folder %s, found none", inside, rel)
		}
	case info.IsDir() && folderOK:
	case !info.Mode().IsRegular():
		return fmt.Errorf("expected a regular file, found %s", info.Mode().Type())
	}
	return nil
}
