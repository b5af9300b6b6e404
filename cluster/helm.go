// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/kube"
	ri "helm.sh/helm/v4/pkg/release"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// ErrRelease marks a Helm install, upgrade or rollback that failed.
var ErrRelease = errors.New("helm release failed")

// Chart is a chart to install as a Helm release.
type Chart struct {
	// Archive is the chart (.tgz), as verified.
	Archive []byte
	// Release is the release's name; Namespace its namespace (default:
	// the cluster's).
	Release, Namespace string
	// Values are the values given (Helm's --values).
	Values map[string]any
	// PostRender changes each rendered object, hooks included, before Helm
	// applies it. Default: none.
	PostRender func(obj *unstructured.Unstructured) error
	// Owner names the package: the release is labelled
	// airlock.dev/package=Owner, and a release another package (or another
	// tool) installed is not upgraded unless forced. Default: none.
	Owner string
}

// HelmOptions tune [Cluster.InstallChart].
type HelmOptions struct {
	// Wait waits until the release's objects are ready, up to Timeout,
	// and lets Helm roll back on failure. Default: wait only for hooks.
	Wait bool
	// Timeout bounds Helm's waits. Default: 5 minutes.
	Timeout time.Duration
	// ForceConflicts takes over fields other managers own.
	ForceConflicts bool
}

// Rendered is a chart rendered by the server's lights (Helm's server dry
// run: capabilities and lookups read from the cluster), not yet applied.
type Rendered struct {
	// Objects are the release's objects and its hooks', post-rendered.
	Objects []*unstructured.Unstructured
	// CRDs are the chart's crds/ (its subcharts' included): Helm would
	// create them unchecked, so they are the caller's to check and apply
	// before the release, like a manifest's objects. Only
	// CustomResourceDefinitions are accepted there.
	CRDs []*unstructured.Unstructured
	// Current is the revision deployed now (0: none); CurrentDigest the
	// digest of its manifest and hooks as Helm stores them.
	Current       int
	CurrentDigest string
	// Changed says the release would differ from the deployed one (its
	// chart, values, objects or hooks), or that none is deployed.
	Changed bool
	chart   *chart.Chart
	// checked is what the post-renderer wrote when the chart was checked:
	// the install must render exactly that, or apply nothing.
	checked []byte
	// Owner is the package the deployed release is labelled with.
	Owner string
}

// ChartResult is what [Cluster.InstallChart] did.
type ChartResult struct {
	// Revision is the release's revision now.
	Revision int
	// Change is Created (installed), Configured (upgraded) or Unchanged.
	Change Change
	// Digest is the digest of that revision's manifest and hooks, as Helm
	// stores them ([ReleaseDigest]).
	Digest string
}

// RenderChart loads ch.Archive (with Helm's own bounds on archives) and
// renders it as the release would be installed or upgraded now, applying
// nothing.
func (c *Cluster) RenderChart(ctx context.Context, ch Chart) (*Rendered, error) {
	loaded, err := loader.LoadArchive(bytes.NewReader(ch.Archive))
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", ch.Release, err)
	}
	cfg, err := c.helm(ch)
	if err != nil {
		return nil, err
	}
	current, err := lastRelease(cfg, ch.Release)
	if err != nil {
		return nil, err
	}
	crds, err := chartCRDs(ch.Release, loaded)
	if err != nil {
		return nil, err
	}
	// Rendered twice: a chart that gives another result each time (random
	// values, the time) is refused now, before anything is applied, rather
	// than when its install renders it once more.
	rel, checked, err := c.render(ctx, cfg, ch, loaded, current)
	if err != nil {
		return nil, err
	}
	if _, again, err := c.render(ctx, cfg, ch, loaded, current); err != nil || !bytes.Equal(checked, again) {
		return nil, fmt.Errorf("chart %s: %w: %s's templates give another result each time (random values, the time): airlock installs only what it checked", ch.Release, ErrRenderedDifferently, ch.Release)
	}
	r := &Rendered{chart: loaded, Changed: true, CRDs: crds, checked: checked}
	if r.Objects, err = Decode([]byte(rel.Manifest)); err != nil {
		return nil, fmt.Errorf("chart %s: %w", ch.Release, err)
	}
	for _, h := range rel.Hooks {
		objs, err := Decode([]byte(h.Manifest))
		if err != nil {
			return nil, fmt.Errorf("chart %s: hook %s: %w", ch.Release, h.Name, err)
		}
		r.Objects = append(r.Objects, objs...)
	}
	if current != nil {
		r.Current, r.Changed, r.Owner = current.Version, differs(current, rel), current.Labels[LabelPackage]
		r.CurrentDigest = ReleaseDigest(current)
	}
	return r, nil
}

// Owned refuses, unless forced, a release another package (or another
// tool) installed.
func (r *Rendered) Owned(ch Chart, force bool) error {
	if r.Current == 0 || ch.Owner == "" || r.Owner == ch.Owner || force {
		return nil
	}
	return fmt.Errorf("release %s: %w: it belongs to package %q, not %s; --force-conflicts takes it over (nothing of it was applied)",
		ch.Release, ErrConflict, r.Owner, ch.Owner)
}

// render renders the chart as its install or upgrade would now (Helm's
// server dry run), and returns the release and what the post-renderer
// wrote.
func (c *Cluster) render(ctx context.Context, cfg *action.Configuration, ch Chart, loaded *chart.Chart, current *release.Release) (*release.Release, []byte, error) {
	pr := &postRenderer{fn: ch.PostRender}
	var got ri.Releaser
	var err error
	if current == nil {
		in := action.NewInstall(cfg)
		in.ReleaseName, in.Namespace, in.PostRenderer = ch.Release, c.ns(ch), pr
		in.DryRunStrategy, in.ServerSideApply, in.SkipCRDs = action.DryRunServer, true, true
		got, err = in.RunWithContext(ctx, loaded, ch.Values)
	} else {
		up := action.NewUpgrade(cfg)
		up.Namespace, up.PostRenderer, up.DryRunStrategy, up.SkipCRDs = c.ns(ch), pr, action.DryRunServer, true
		got, err = up.RunWithContext(ctx, ch.Release, loaded, ch.Values)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("chart %s: %w: %v", ch.Release, ErrRejected, err)
	}
	rel, err := v1(got)
	return rel, append([]byte{}, pr.out...), err
}

// InstallChart installs the release, or upgrades it when r says it
// changed. A failed install is uninstalled and a failed upgrade rolled
// back to the revision before (by Helm itself when waiting). It runs to
// its end once started, whatever ctx says.
func (c *Cluster) InstallChart(ctx context.Context, ch Chart, r *Rendered, opts HelmOptions) (ChartResult, error) {
	if r.Current > 0 && !r.Changed {
		return ChartResult{Revision: r.Current, Change: Unchanged, Digest: r.CurrentDigest}, nil
	}
	if err := r.Owned(ch, opts.ForceConflicts); err != nil {
		return ChartResult{Revision: r.Current}, err
	}
	ctx = context.WithoutCancel(ctx)
	cfg, err := c.helm(ch)
	if err != nil {
		return ChartResult{}, err
	}
	wait, timeout := kube.HookOnlyStrategy, timeoutOf(opts)
	if opts.Wait {
		wait = kube.StatusWatcherStrategy
	}
	pr := &postRenderer{fn: ch.PostRender, want: r.checked, release: ch.Release}
	var got ri.Releaser
	change := Created
	if r.Current == 0 {
		in := action.NewInstall(cfg)
		in.ReleaseName, in.Namespace, in.PostRenderer, in.ServerSideApply, in.SkipCRDs = ch.Release, c.ns(ch), pr, true, true
		in.ForceConflicts, in.WaitStrategy, in.Timeout, in.RollbackOnFailure = opts.ForceConflicts, wait, timeout, opts.Wait
		in.Labels = ownerLabels(ch)
		got, err = in.RunWithContext(ctx, r.chart, ch.Values)
	} else {
		change = Configured
		up := action.NewUpgrade(cfg)
		up.Namespace, up.PostRenderer, up.ServerSideApply, up.MaxHistory, up.SkipCRDs = c.ns(ch), pr, "true", 10, true
		up.ForceConflicts, up.WaitStrategy, up.Timeout, up.RollbackOnFailure = opts.ForceConflicts, wait, timeout, opts.Wait
		up.Labels = ownerLabels(ch)
		got, err = up.RunWithContext(ctx, ch.Release, r.chart, ch.Values)
	}
	if errors.Is(err, ErrRenderedDifferently) {
		return ChartResult{Revision: r.Current}, fmt.Errorf("release %s: %w (nothing of it was applied)", ch.Release, err)
	}
	if err != nil {
		return ChartResult{Revision: r.Current}, c.undo(cfg, ch, r, opts, err)
	}
	rel, err := v1(got)
	if err != nil {
		return ChartResult{}, err
	}
	return ChartResult{Revision: rel.Version, Change: change, Digest: ReleaseDigest(rel)}, nil
}

// undo uninstalls a failed install or rolls a failed upgrade back (Helm
// did it already when waiting), and says what failed and what was done.
func (c *Cluster) undo(cfg *action.Configuration, ch Chart, r *Rendered, opts HelmOptions, cause error) error {
	if opts.Wait {
		return fmt.Errorf("release %s: %w: %v (Helm rolled it back)", ch.Release, ErrRelease, cause)
	}
	if r.Current == 0 {
		un := action.NewUninstall(cfg)
		un.IgnoreNotFound, un.WaitStrategy, un.Timeout = true, kube.HookOnlyStrategy, timeoutOf(opts)
		if _, err := un.Run(ch.Release); err != nil {
			return fmt.Errorf("release %s: %w: %v; uninstalling it failed too: %v", ch.Release, ErrRelease, cause, err)
		}
		return fmt.Errorf("release %s: %w: %v (uninstalled again)", ch.Release, ErrRelease, cause)
	}
	rb := action.NewRollback(cfg)
	rb.Version, rb.MaxHistory, rb.WaitStrategy, rb.Timeout = r.Current, 10, kube.HookOnlyStrategy, timeoutOf(opts)
	if err := rb.Run(ch.Release); err != nil {
		return fmt.Errorf("release %s: %w: %v; rolling back to revision %d failed too: %v", ch.Release, ErrRelease, cause, r.Current, err)
	}
	return fmt.Errorf("release %s: %w: %v (rolled back to revision %d)", ch.Release, ErrRelease, cause, r.Current)
}

// helm is a Helm configuration for ch's namespace, storing releases in
// Secrets as the helm CLI does.
func (c *Cluster) helm(ch Chart) (*action.Configuration, error) {
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(slog.DiscardHandler))
	if err := cfg.Init(c.getter, c.ns(ch), "secret"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConnect, err)
	}
	return cfg, nil
}

// ownerLabels are the release's labels naming its package.
func ownerLabels(ch Chart) map[string]string {
	if ch.Owner == "" {
		return nil
	}
	return map[string]string{LabelPackage: ch.Owner}
}

// timeoutOf is how long Helm waits: HelmOptions.Timeout, else 5 minutes.
func timeoutOf(opts HelmOptions) time.Duration {
	if opts.Timeout > 0 {
		return opts.Timeout
	}
	return 5 * time.Minute
}

// ns is the release's namespace.
func (c *Cluster) ns(ch Chart) string {
	if ch.Namespace != "" {
		return ch.Namespace
	}
	return c.namespace
}

// lastRelease returns the release's last revision, nil when there is
// none or it was uninstalled.
func lastRelease(cfg *action.Configuration, name string) (*release.Release, error) {
	got, err := action.NewGet(cfg).Run(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("release %s: %w: %v", name, ErrConnect, err)
	}
	rel, err := v1(got)
	if err != nil || rel.Info == nil || rel.Info.Status == rcommon.StatusUninstalled {
		return nil, err
	}
	return rel, nil
}

// v1 is a release as Helm's v1 type.
func v1(r ri.Releaser) (*release.Release, error) {
	switch rel := r.(type) {
	case *release.Release:
		return rel, nil
	case release.Release:
		return &rel, nil
	}
	return nil, fmt.Errorf("%w: unexpected release type %T", ErrRelease, r)
}

// ReleaseDigest is the sha256 digest of a release's manifest and its
// hooks' manifests, in order: what Helm would delete, keep or restore.
func ReleaseDigest(rel *release.Release) string {
	h := sha256.New()
	for _, m := range append([]string{rel.Manifest}, hookManifests(rel)...) {
		fmt.Fprintf(h, "%d:%s\n", len(m), m)
	}
	return fmt.Sprintf("sha256:%x", h.Sum(nil))
}

func hookManifests(rel *release.Release) []string {
	out := make([]string, 0, len(rel.Hooks))
	for _, hk := range rel.Hooks {
		out = append(out, hk.Manifest)
	}
	return out
}

// differs says an upgrade to next changes the deployed release cur.
func differs(cur, next *release.Release) bool {
	if cur.Info == nil || cur.Info.Status != rcommon.StatusDeployed || cur.Manifest != next.Manifest || len(cur.Hooks) != len(next.Hooks) {
		return true
	}
	for i, h := range cur.Hooks {
		if h.Manifest != next.Hooks[i].Manifest {
			return true
		}
	}
	if cur.Chart == nil || cur.Chart.Metadata == nil || next.Chart == nil || next.Chart.Metadata == nil ||
		cur.Chart.Metadata.Name != next.Chart.Metadata.Name || cur.Chart.Metadata.Version != next.Chart.Metadata.Version {
		return true
	}
	a, errA := json.Marshal(cur.Config)
	b, errB := json.Marshal(next.Config)
	return errA != nil || errB != nil || !bytes.Equal(a, b)
}

// ErrRenderedDifferently marks a chart that rendered, when it was to be
// installed, something other than what was checked (its templates read
// the cluster with lookup, or use random values or the time).
var ErrRenderedDifferently = errors.New("the chart rendered differently than when it was checked")

// postRenderer applies a function to each object Helm rendered, and
// writes them out again as YAML (Helm's filename annotations kept, in
// their metadata). What Helm then parses is what the function saw. With
// want set, anything but those bytes is refused, before Helm applies any
// of it.
type postRenderer struct {
	fn      func(*unstructured.Unstructured) error
	want    []byte
	release string
	out     []byte
}

// Run implements Helm's postrenderer.PostRenderer.
func (p *postRenderer) Run(in *bytes.Buffer) (*bytes.Buffer, error) {
	objs, err := Decode(in.Bytes())
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	for _, obj := range objs {
		if p.fn != nil {
			if err := p.fn(obj); err != nil {
				return nil, err
			}
		}
		data, err := yaml.Marshal(obj.Object)
		if err != nil {
			return nil, err
		}
		out.WriteString("---\n")
		out.Write(data)
	}
	if p.want != nil && !bytes.Equal(out.Bytes(), p.want) {
		return nil, fmt.Errorf("%w: %s's templates give another result each time (lookup, random values, the time): airlock installs only what it checked", ErrRenderedDifferently, p.release)
	}
	p.out = bytes.Clone(out.Bytes())
	return &out, nil
}

// chartCRDs reads a chart's crds/ folders, refusing anything but
// CustomResourceDefinitions there.
func chartCRDs(release string, ch *chart.Chart) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	for _, crd := range ch.CRDObjects() {
		objs, err := Decode(crd.File.Data)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %s: %w", release, crd.Filename, err)
		}
		for _, o := range objs {
			if o.GetAPIVersion() != "apiextensions.k8s.io/v1" || o.GetKind() != "CustomResourceDefinition" {
				return nil, fmt.Errorf("chart %s: %s: %w: expected only CustomResourceDefinitions in crds/, found %s %s",
					release, crd.Filename, ErrManifest, o.GetAPIVersion(), RefOf(o))
			}
		}
		out = append(out, objs...)
	}
	return out, nil
}
