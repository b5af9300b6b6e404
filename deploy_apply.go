// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"oras.land/oras-go/v2/errdef"

	"github.com/airlock-dev/airlock/cluster"
	"github.com/airlock-dev/airlock/kube"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/verify"
)

// Deploy deploys the handle's package into c, component by component in
// the definition's order (or those to.Components names): each manifest's
// objects by server-side apply (field manager "airlock"), then each chart
// as a Helm release named after it. Every image reference that names an
// image the package carries (see [kube.RewriteObject] for where images are
// found) is rewritten to its mirrored location,
// REGISTRY/PREFIX/PATH[:TAG]@DIGEST, in manifests and in what charts
// render (hooks included). Nothing is applied before every image was found
// in the mirror at its digest and every object of the whole package passed
// a server-side dry run; missing namespaces are created (labelled as
// airlock's) just before the objects in them are checked, and deleted again
// if that check fails. A successful deploy writes the record Secret
// airlock-NAME (see docs/deploy.md). Cancelling ctx stops between objects.
func (h *Handle) Deploy(ctx context.Context, c *cluster.Cluster, to DeployTo) (*DeployResult, error) {
	res := &DeployResult{Verification: h.res, Namespace: c.Namespace(), DryRun: to.DryRun,
		Components: []string{}, Objects: []DeployedObject{}, Charts: []DeployedChart{}, Images: []DeployedImage{}}
	if _, err := RecordName(h.pkg.Info().Name); err != nil {
		return res, err
	}
	if to.Record != nil { // a signed summary vouches for every blob
		if err := h.CheckBlobs(ctx, 0, nil); err != nil {
			return res, err
		}
	}
	plan, err := h.deployPlan(ctx, to)
	if err != nil {
		return res, failPlan(h, err)
	}
	if !h.hashed {
		h.res.AddCheck("blobs", verify.StatusPassed, "every manifest and chart deployed hashed as it was read; images checked in the mirror by digest")
		h.res.Verified = h.verified
	}
	for _, comp := range plan.comps {
		res.Components = append(res.Components, comp.name)
		for _, ch := range comp.charts {
			if ch.rendered, err = c.RenderChart(ctx, ch.chart); err != nil {
				return res, err
			}
			if err := ch.rendered.Owned(ch.chart, to.ForceConflicts); err != nil {
				return res, err
			}
		}
	}
	if err := h.checkReleases(ctx, c, plan, to); err != nil {
		return res, err
	}
	res.Images, res.Notes = plan.imagesUsed(), plan.notes
	if err := checkMirror(ctx, plan.toCheck(), to); err != nil {
		return res, err
	}
	d := &deployer{c: c, plan: plan, to: to, res: res, owner: h.pkg.Info().Name}
	if err := d.dryRun(ctx); err != nil {
		return res, err
	}
	if to.DryRun {
		return res, nil
	}
	if err := d.apply(ctx); err != nil {
		return res, err
	}
	return res, h.writeRecord(ctx, c, to, res)
}

// checkMirror makes sure every image is in the mirror at its digest.
func checkMirror(ctx context.Context, images []mirrored, to DeployTo) error {
	if len(images) == 0 {
		return nil
	}
	missing := make([]string, len(images))
	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(8)
	for i, m := range images {
		eg.Go(func() error {
			repo, err := registry.Repository(m.repo, to.MirrorRegistry)
			if err != nil {
				return err
			}
			desc, err := repo.Resolve(ectx, m.digest)
			switch {
			case errors.Is(err, errdef.ErrNotFound):
				missing[i] = fmt.Sprintf("%s (%s)", m.internal, m.source)
			case err != nil:
				return registry.Explain(m.repo.Registry, fmt.Errorf("look for %s in the mirror: %w", m.internal, err))
			case desc.Digest.String() != m.digest:
				missing[i] = fmt.Sprintf("%s (%s; the mirror answered %s)", m.internal, m.source, desc.Digest)
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	missing = slices.DeleteFunc(missing, func(s string) bool { return s == "" })
	if len(missing) > 0 {
		return fmt.Errorf("%w: expected %d images at their digests in %s, found %d missing: %s; run `airlock mirror PACKAGE %s` first (nothing was applied)",
			ErrMirror, len(images), to.Mirror, len(missing), strings.Join(missing, ", "), to.Mirror)
	}
	return nil
}

// deployer applies a plan.
type deployer struct {
	c    *cluster.Cluster
	plan *deployPlan
	to   DeployTo
	res  *DeployResult
	// made are the namespaces this deploy created.
	made []string
	// owner is the package's name, which marks what it applies.
	owner string
}

// step is one object to check: from a manifest, or a chart (its crds/,
// which airlock applies, or its rendering, which Helm applies).
type step struct {
	comp  string
	chart string
	obj   *unstructured.Unstructured
	helm  bool
}

// steps lists every object of the plan, in order: each unit's object,
// and each release's objects.
func (d *deployer) steps() []step {
	var out []step
	for _, u := range d.units() {
		if u.chart == nil {
			out = append(out, step{comp: u.comp, chart: u.chartName, obj: u.obj})
			continue
		}
		for _, obj := range u.chart.rendered.Objects {
			out = append(out, step{comp: u.comp, chart: u.chart.name, obj: obj, helm: true})
		}
	}
	return out
}

// dryRun checks every object with the server, the deploy namespace
// first. Objects whose namespace is missing are checked once it was made
// (not in a dry run: the server checks only their schema then).
func (d *deployer) dryRun(ctx context.Context) error {
	var waiting []step
	missing := map[string]bool{}
	ok, err := d.c.NamespaceExists(ctx, d.c.Namespace())
	if err != nil {
		return err
	}
	if !ok {
		missing[d.c.Namespace()] = true
		if err := d.c.CreateNamespace(ctx, d.c.Namespace(), true); err != nil {
			return fmt.Errorf("%w (nothing was applied)", err)
		}
	}
	steps := d.steps()
	for _, s := range steps {
		// A release's objects are Helm's to own: the dry run checks them, and
		// Helm reports conflicts when it applies them.
		_, err := d.c.Apply(ctx, s.obj, d.applyOptions(s, true))
		if errors.Is(err, cluster.ErrNamespaceMissing) {
			// Apply named the namespace of the object it could not check.
			waiting, missing[s.obj.GetNamespace()] = append(waiting, s), true
			continue
		}
		if err != nil {
			return fmt.Errorf("server-side dry run: %w (nothing was applied)", err)
		}
	}
	if !d.to.DryRun {
		return d.checkInNewNamespaces(ctx, waiting, missing)
	}
	for _, s := range steps {
		d.res.Objects = append(d.res.Objects, deployed(s, Checked))
	}
	if len(waiting) > 0 {
		d.res.Notes = append(d.res.Notes, fmt.Sprintf("%d objects are in namespaces that do not exist yet (%s): a dry run checks only their schema",
			len(waiting), strings.Join(sortedKeys(missing), ", ")))
	}
	return nil
}

// applyOptions says how step s is applied (or checked): a release's
// objects are Helm's, which forces their check and leaves their ownership
// to Helm; anything else is the package's.
func (d *deployer) applyOptions(s step, dryRun bool) cluster.ApplyOptions {
	if s.helm {
		return cluster.ApplyOptions{DryRun: dryRun, Force: true}
	}
	return cluster.ApplyOptions{DryRun: dryRun, Force: d.to.ForceConflicts, Owner: d.owner}
}

// checkInNewNamespaces creates the missing namespaces (as the package
// defines them, else labelled as airlock's) and checks the objects that
// wait for them; if one fails, the namespaces made are deleted again.
func (d *deployer) checkInNewNamespaces(ctx context.Context, waiting []step, missing map[string]bool) error {
	for _, ns := range sortedKeys(missing) {
		if err := d.makeNamespace(ctx, ns); err != nil {
			return d.undoNamespaces(ctx, err)
		}
	}
	for _, s := range waiting {
		if _, err := d.c.Apply(ctx, s.obj, d.applyOptions(s, true)); err != nil {
			return d.undoNamespaces(ctx, fmt.Errorf("server-side dry run: %w", err))
		}
	}
	return nil
}

// makeNamespace creates namespace ns: the package's own Namespace object
// when it has one, else airlock's.
func (d *deployer) makeNamespace(ctx context.Context, ns string) error {
	for _, s := range d.steps() {
		if s.obj.GetKind() == "Namespace" && s.obj.GetAPIVersion() == "v1" && s.obj.GetName() == ns && !s.helm {
			if _, err := d.c.Apply(ctx, s.obj, d.applyOptions(s, false)); err != nil {
				return err
			}
			d.made = append(d.made, ns)
			return nil
		}
	}
	if err := d.c.CreateNamespace(ctx, ns, false); err != nil {
		return err
	}
	d.made = append(d.made, ns)
	return nil
}

// undoNamespaces deletes the namespaces this deploy made, after cause.
func (d *deployer) undoNamespaces(ctx context.Context, cause error) error {
	ctx = context.WithoutCancel(ctx)
	var undone []string
	for _, ns := range d.made {
		if err := d.c.DeleteNamespace(ctx, ns); err != nil {
			return fmt.Errorf("%w; namespaces %s were created for the check and deleting them failed: %v", cause, strings.Join(d.made, ", "), err)
		}
		undone = append(undone, ns)
	}
	if len(undone) == 0 {
		return fmt.Errorf("%w (nothing was applied)", cause)
	}
	return fmt.Errorf("%w (nothing was applied: namespaces %s, created for the check, were deleted again)", cause, strings.Join(undone, ", "))
}

// deployed reports step s.
func deployed(s step, change cluster.Change) DeployedObject {
	images, _ := kube.RewriteObject(s.obj.Object, nil)
	return DeployedObject{Component: s.comp, Chart: s.chart, Ref: cluster.RefOf(s.obj), Change: change, Images: images}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
