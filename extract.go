// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// FilesOptions says how [Handle.Extract] writes a package's files out. The
// zero value is valid.
type FilesOptions struct {
	// Mirror, when set (oci://REGISTRY[/PREFIX], where `mirror` put the
	// images), rewrites every image reference in the Kubernetes manifests
	// that names an image the package carries to its mirrored location,
	// pinned by digest, and writes each component's images.yaml. Default:
	// nothing is rewritten.
	Mirror string
	// InstallTargets also writes each file that names a target to that
	// absolute path. Default: files stay under the folder only.
	InstallTargets bool
	// Force lets InstallTargets replace an existing target whose content
	// differs. Default: refuse, changing nothing.
	Force bool
	// Progress receives the progress of blobs read. Default: none.
	Progress Progress
}

// ExtractOptions tunes [Extract]. The zero value is not enough: the policy
// must name a signer, unless InsecureSkipVerify is set.
type ExtractOptions struct {
	// VerifyOptions say what the package must satisfy.
	VerifyOptions
	// InsecureSkipVerify extracts without checking the package's
	// signature. Digests are still checked, and paths still confined.
	InsecureSkipVerify bool
	// FilesOptions say how the files are written.
	FilesOptions
}

// ExtractResult is what [Extract] wrote.
type ExtractResult struct {
	// Verification is the package's verification result.
	Verification *verify.Result `json:"verification"`
	// Dir is the folder written.
	Dir string `json:"dir"`
	// Files lists every path written, with the digest of its bytes.
	Files []ExtractedFile `json:"files"`
	// Charts says, per chart, which of the package's images it names.
	Charts []ChartImages `json:"charts"`
	done   bool
}

// ExtractedFile is one path [Extract] wrote.
type ExtractedFile struct {
	// Path is where it was written.
	Path string `json:"path"`
	// Digest is the sha256 of the bytes written.
	Digest string `json:"digest"`
	// Kind is "file", "manifest", "chart", "images" or "target".
	Kind string `json:"kind"`
	// Layer is the package layer it came from (its digest differs from
	// Digest only for a manifest whose image references were rewritten).
	Layer string `json:"layer,omitempty"`
	// Rewritten lists the image references rewritten in a manifest.
	Rewritten []RewrittenImage `json:"rewritten,omitempty"`
}

// RewrittenImage is one image reference a manifest had rewritten.
type RewrittenImage struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Object says which workload: KIND/NAME container CONTAINER, line N.
	Object string `json:"object"`
}

// ChartImages says which of the package's images a chart names.
type ChartImages struct {
	Chart  string   `json:"chart"`
	Images []string `json:"images"`
}

// Extract opens the package at target once, verifies it as [Verify] does,
// and writes its content into dir (see [Handle.Extract]). On any failure
// nothing is written.
func Extract(ctx context.Context, target, dir string, opts ExtractOptions) (*ExtractResult, error) {
	out := &ExtractResult{Dir: dir, Files: []ExtractedFile{}, Charts: []ChartImages{}}
	if opts.InstallTargets && opts.InsecureSkipVerify {
		return out, errTargetsUnverified
	}
	if err := checkEmpty(dir); err != nil {
		return out, err
	}
	opts.HashAsRead = true // every byte extracted is checked as it is written, once
	pkg, h, err := openChecked(ctx, target, opts.VerifyOptions, opts.InsecureSkipVerify)
	out.Verification = h.Result()
	if err != nil {
		return out, err
	}
	defer pkg.Close()
	res, err := h.Extract(ctx, dir, opts.FilesOptions)
	if res != nil {
		res.Verification = out.Verification
		return res, err
	}
	return out, err
}

// Extract writes the handle's files into dir, which must be absent or
// empty: under dir/COMPONENT/, each file and manifest at its path and each
// chart as charts/NAME-VERSION.tgz. Every byte written is read once through
// the handle (checked against its pinned digest as it streams) into a
// temporary folder beside dir, renamed into place only when all of it was
// written. Paths are confined to dir whatever the package says: a name that
// climbs (..), is absolute, or collides with another is refused, and only
// regular files and folders are made. On any failure nothing is left.
func (h *Handle) Extract(ctx context.Context, dir string, opts FilesOptions) (*ExtractResult, error) {
	res := &ExtractResult{Verification: h.res, Dir: dir, Files: []ExtractedFile{}, Charts: []ChartImages{}}
	if opts.InstallTargets && !h.verified {
		return res, errTargetsUnverified
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return res, err
	}
	if err := checkEmpty(abs); err != nil {
		return res, err
	}
	existed := exists(abs)
	plan, err := h.plan(ctx, opts)
	if err != nil {
		return res, h.fail(err, "extract")
	}
	targets, err := plan.checkTargets(abs, opts)
	if err != nil {
		return res, err
	}
	made, err := makeParents(abs)
	if err != nil {
		return res, err
	}
	// The temporary folder is beside an absent dir, or inside an empty one
	// (which stays, as a mount point or a shell's working folder must).
	tmp, err := os.MkdirTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".tmp-*")
	if existed {
		tmp, err = os.MkdirTemp(abs, ".airlock-extract-*")
	}
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	defer func() {
		if made != "" && !res.done {
			os.RemoveAll(made) // the parents made for a folder that never came
		}
	}()
	w := &extractor{h: h, root: tmp, dir: dir, src: h.progressOf(ctx, h, opts.Progress)}
	if err := w.writeAll(ctx, plan, res); err != nil {
		return res, h.fail(err, "extract")
	}
	if err := commit(tmp, abs, existed, targets, res); err != nil {
		return res, err
	}
	res.done = true
	if !h.hashed {
		h.res.AddCheck("blobs", verify.StatusPassed, "every extracted blob hashed as it was written")
		h.res.Verified = h.verified
	}
	return res, nil
}

// errTargetsUnverified refuses to install targets, absolute paths the
// package names, from a package whose signature was not verified.
var errTargetsUnverified = errors.New("targets are installed only from a verified package: --install-targets cannot be used with --insecure")

// makeParents makes dir's missing parent folders and returns the topmost it
// made ("" when all were there), for a failure to remove. Only what does
// not exist at all is made (a link, even one that leads nowhere, is there).
func makeParents(dir string) (string, error) {
	parent := filepath.Dir(filepath.Clean(dir))
	top := ""
	for p := parent; p != filepath.Dir(p); p = filepath.Dir(p) {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			break
		}
		top = p
	}
	if top == "" {
		return "", nil
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		os.RemoveAll(top) // what MkdirAll made before it failed; top did not exist
		return "", err
	}
	return top, nil
}

// checkEmpty refuses a dir that exists and is not an empty folder.
func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("extract into %s: %w", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("extract into %s: expected an absent or empty folder, found %d entries (nothing was changed)", dir, len(entries))
	}
	return nil
}

// item is one file to write: a layer to read, and where it goes.
type item struct {
	layer ocispec.Descriptor
	rel   string // under dir, slash-separated
	kind  string // file, manifest, chart
	// target is where InstallTargets writes a file too.
	target string
	// component is the component's name.
	component string
}

// extractPlan is every file to write, in order, and the images by component.
type extractPlan struct {
	items  []item
	images []mirrored
	byComp map[string][]mirrored
	comps  []string
}

// plan reads the components and decides every path, refusing any that
// could leave the folder or collide.
func (h *Handle) plan(ctx context.Context, opts FilesOptions) (*extractPlan, error) {
	p := &extractPlan{byComp: map[string][]mirrored{}}
	var err error
	if p.images, err = h.pkg.mirroredImages(opts.Mirror); err != nil {
		return nil, err
	}
	for _, m := range p.images {
		p.byComp[m.component] = append(p.byComp[m.component], m)
	}
	for _, m := range h.pkg.index.Manifests {
		if m.ArtifactType != spec.ArtifactTypeComponent {
			continue
		}
		items, name, err := h.componentItems(ctx, m)
		if err != nil {
			return nil, err
		}
		p.comps = append(p.comps, name)
		p.items = append(p.items, items...)
	}
	return p, p.checkPaths(opts.Mirror != "")
}

// componentItems lists a component's files, manifests and charts.
func (h *Handle) componentItems(ctx context.Context, desc ocispec.Descriptor) ([]item, string, error) {
	var m ocispec.Manifest
	if err := readJSON(ctx, h, desc, &m); err != nil {
		return nil, "", err
	}
	name := m.Annotations[spec.AnnotationTitle]
	if err := safeName(name); err != nil {
		return nil, "", verify.Fail(verify.ReasonMalformedPackage, "component %q: %v", name, err)
	}
	var out []item
	for _, l := range m.Layers {
		it := item{layer: l, component: name, target: l.Annotations[spec.AnnotationFileTarget]}
		title := l.Annotations[spec.AnnotationTitle]
		switch l.MediaType {
		case spec.MediaTypeFile:
			it.kind, it.rel = "file", title
		case spec.MediaTypeManifest:
			it.kind, it.rel = "manifest", title
		case spec.MediaTypeChart:
			if err := safeName(title); err != nil {
				return nil, "", verify.Fail(verify.ReasonMalformedPackage, "component %s: chart %q: %v", name, title, err)
			}
			it.kind, it.rel = "chart", "charts/"+title
		default:
			continue // the empty layer of a component without content
		}
		if err := safePath(it.rel); err != nil {
			return nil, "", verify.Fail(verify.ReasonMalformedPackage, "component %s: %q: %v", name, title, err)
		}
		it.rel = name + "/" + it.rel
		out = append(out, it)
	}
	return out, name, nil
}

// checkPaths refuses two components of one name, two items at one path,
// and a path that another needs as a folder (images.yaml included, when
// it is written).
func (p *extractPlan) checkPaths(withImages bool) error {
	comps := map[string]bool{}
	for _, c := range p.comps {
		if comps[c] {
			return verify.Fail(verify.ReasonMalformedPackage, "two components are named %q", c)
		}
		comps[c] = true
	}
	files, folders := map[string]bool{}, map[string]bool{}
	add := func(rel string) error {
		if files[rel] || folders[rel] {
			return verify.Fail(verify.ReasonMalformedPackage, "%q is written twice, or is both a file and a folder", rel)
		}
		for d := path.Dir(rel); d != "."; d = path.Dir(d) {
			if files[d] {
				return verify.Fail(verify.ReasonMalformedPackage, "%q is both a file and the folder of %q", d, rel)
			}
			folders[d] = true
		}
		files[rel] = true
		return nil
	}
	for _, it := range p.items {
		if err := add(it.rel); err != nil {
			return err
		}
	}
	for _, c := range p.comps {
		if withImages && len(p.byComp[c]) > 0 {
			if err := add(c + "/images.yaml"); err != nil {
				return fmt.Errorf("%w (extract writes the component's image map there)", err)
			}
		}
	}
	return nil
}

// safeName refuses anything but one plain path element.
func safeName(name string) error {
	if strings.Contains(name, "/") {
		return errors.New("expected a name, found a path")
	}
	return safePath(name)
}

// safePath refuses a path that is not clean, relative and within its
// folder: empty, absolute, climbing (..), with backslashes, NUL bytes or
// control characters, or over 1024 bytes.
func safePath(p string) error {
	switch {
	case p == "" || p == "." || len(p) > 1024:
		return fmt.Errorf("expected a relative path of 1 to 1024 bytes, found %d", len(p))
	case path.IsAbs(p) || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../"):
		return errors.New("expected a clean relative path within the folder")
	case strings.ContainsAny(p, "\\\x00") || strings.IndexFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return errors.New("expected a path without backslashes or control characters")
	}
	return nil
}
