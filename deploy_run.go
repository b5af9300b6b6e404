// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/airlock-dev/airlock/cluster"
)

// unit is one thing apply does: an object (of a manifest, or of a
// chart's crds/, from chartName), or a chart's release.
type unit struct {
	comp      string
	chartName string
	obj       *unstructured.Unstructured
	chart     *deployChart
}

func (u unit) String() string {
	if u.chart != nil {
		return "release " + u.chart.name
	}
	return cluster.RefOf(u.obj).String()
}

// units lists what apply does, in order: component by component, its
// manifests' objects, then for each chart its crds/ and its release.
func (d *deployer) units() []unit {
	var units []unit
	for _, comp := range d.plan.comps {
		for _, obj := range comp.objects {
			units = append(units, unit{comp: comp.name, obj: obj})
		}
		for _, ch := range comp.charts {
			for _, crd := range ch.rendered.CRDs {
				units = append(units, unit{comp: comp.name, chartName: ch.name, obj: crd})
			}
			units = append(units, unit{comp: comp.name, chart: ch})
		}
	}
	return units
}

// apply applies every object and release in order, stopping between two
// when ctx is cancelled. Each one started runs to its end.
func (d *deployer) apply(ctx context.Context) error {
	units := d.units()
	for i, u := range units {
		if err := ctx.Err(); err != nil {
			return d.stopped(units[i:], &deployError{fmt.Sprintf("interrupted after %d of %d objects and releases", i, len(units)), err})
		}
		if err := d.applyUnit(context.WithoutCancel(ctx), u); err != nil {
			return d.stopped(units[i:], &deployError{fmt.Sprintf("applied %d of %d objects and releases, then %s", i, len(units), u), err})
		}
	}
	return nil
}

// applyUnit applies one object or release, and reports it.
func (d *deployer) applyUnit(ctx context.Context, u unit) error {
	if u.chart == nil {
		change, err := d.c.Apply(ctx, u.obj, d.applyOptions(step{comp: u.comp, obj: u.obj}, false))
		if err != nil {
			return err
		}
		d.report(deployed(step{comp: u.comp, chart: u.chartName, obj: u.obj}, change))
		return nil
	}
	ch := u.chart
	r, err := d.c.InstallChart(ctx, ch.chart, ch.rendered, cluster.HelmOptions{Wait: d.to.Wait, Timeout: d.to.Timeout, ForceConflicts: d.to.ForceConflicts})
	d.res.Charts = append(d.res.Charts, DeployedChart{Component: u.comp, Chart: ch.name, Version: ch.version, Release: ch.chart.Release,
		Namespace: d.c.Namespace(), Revision: r.Revision, Change: r.Change, Digest: r.Digest})
	if err != nil {
		return err
	}
	for _, obj := range ch.rendered.Objects {
		d.report(deployed(step{comp: u.comp, chart: ch.name, obj: obj}, r.Change))
	}
	return nil
}

// report adds an object to the result and tells the caller.
func (d *deployer) report(o DeployedObject) {
	d.res.Objects = append(d.res.Objects, o)
	if d.to.OnApply != nil {
		d.to.OnApply(o)
	}
}

// stopped records what was not applied.
func (d *deployer) stopped(rest []unit, err error) error {
	for _, u := range rest {
		d.res.NotApplied = append(d.res.NotApplied, u.String())
	}
	return err
}

// deployError is a deploy that stopped part way: it is an [ErrDeploy],
// says how far it went, and wraps its cause.
type deployError struct {
	progress string
	cause    error
}

func (e *deployError) Error() string {
	return fmt.Sprintf("%v: %s: %v", ErrDeploy, e.progress, e.cause)
}

func (e *deployError) Unwrap() error { return e.cause }

// Is makes the error an ErrDeploy.
func (e *deployError) Is(target error) bool { return target == ErrDeploy }
