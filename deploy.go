// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"errors"
	"time"

	"github.com/airlock-dev/airlock/cluster"
	"github.com/airlock-dev/airlock/kube"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/verify"
)

// DeployOptions tunes [Deploy]. The zero value is not enough: the policy
// must name a signer.
type DeployOptions struct {
	// VerifyOptions say what the package must satisfy; their Registry also
	// reaches the mirror.
	VerifyOptions
	// Cluster says which cluster and namespace, as kubectl's flags do.
	Cluster cluster.Options
	// DeployTo says where the images are and how to apply.
	DeployTo
}

// DeployTo says how [Handle.Deploy] deploys a verified package.
type DeployTo struct {
	// Mirror is where `mirror` put the package's images
	// (oci://REGISTRY[/PREFIX]). Required when a component deployed
	// carries images: each must be there at its digest.
	Mirror string
	// MirrorRegistry says how the mirror is reached (credentials, TLS).
	// [Deploy] sets it to its VerifyOptions' Registry.
	MirrorRegistry registry.Options
	// Components chooses components by name. Default: all, in the
	// definition's order.
	Components []string
	// Values are each chart's values (Helm's --values), by chart name.
	Values map[string]map[string]any
	// DryRun checks everything with the server (every object by a
	// server-side dry run) and applies nothing.
	DryRun bool
	// ForceConflicts takes over fields another field manager owns.
	// Default: a conflict stops the deploy.
	ForceConflicts bool
	// Wait waits for each release's objects to be ready, up to Timeout,
	// and rolls back one that is not. Default: a release is done once the
	// server accepted it (hooks are waited for).
	Wait bool
	// Timeout bounds each Helm wait. Default: 5 minutes.
	Timeout time.Duration
	// Record, if set, also keeps the gate's signed verification summary in
	// the deployment record. Default: the record is unsigned.
	Record *RecordOptions
	// OnApply, if set, is told of each object as it is applied (or
	// checked, in a dry run).
	OnApply func(DeployedObject)
}

// DeployResult is what [Deploy] did.
type DeployResult struct {
	// Verification is the package's verification result.
	Verification *verify.Result `json:"verification"`
	// Namespace is the namespace deployed into.
	Namespace string `json:"namespace"`
	// DryRun says nothing was applied.
	DryRun bool `json:"dryRun,omitempty"`
	// Components are the components deployed, in order.
	Components []string `json:"components"`
	// Objects are the manifests' objects, as applied (or checked).
	Objects []DeployedObject `json:"objects"`
	// Charts are the Helm releases installed or upgraded.
	Charts []DeployedChart `json:"charts"`
	// Images are the images deployed objects name, where they were found.
	Images []DeployedImage `json:"images"`
	// NotApplied names what a failure left unapplied.
	NotApplied []string `json:"notApplied,omitempty"`
	// Notes say what deploy did not do and why (files with targets,
	// images the package does not carry).
	Notes []string `json:"notes,omitempty"`
	// Record names the deployment record (NAMESPACE/SECRET).
	Record string `json:"record,omitempty"`
}

// DeployedObject is one object applied.
type DeployedObject struct {
	// Component is its component; Chart its chart when a release holds it.
	Component string `json:"component"`
	Chart     string `json:"chart,omitempty"`
	cluster.Ref
	// Change is created, configured, unchanged, or checked (a dry run).
	Change cluster.Change `json:"change"`
	// Images are its pod spec's images, as applied.
	Images []kube.Image `json:"images,omitempty"`
}

// DeployedChart is one Helm release.
type DeployedChart struct {
	Component string `json:"component"`
	// Chart and Version are the chart's.
	Chart   string `json:"chart"`
	Version string `json:"version"`
	// Release and Namespace name the release; Revision is its revision,
	// Digest that revision's manifest and hooks' digest (as Helm stores
	// them): a signed record binds the release's history to it.
	Release   string `json:"release"`
	Namespace string `json:"namespace"`
	Revision  int    `json:"revision"`
	Digest    string `json:"digest,omitempty"`
	// Change is created, configured or unchanged.
	Change cluster.Change `json:"change"`
}

// DeployedImage is an image the package carries and a deployed object
// names, and where the cluster pulls it from.
type DeployedImage struct {
	// Source is the reference the package recorded.
	Source string `json:"source"`
	// Mirrored is REGISTRY/PREFIX/PATH[:TAG]@DIGEST, found in the mirror.
	Mirrored string `json:"mirrored"`
	Digest   string `json:"digest"`
}

// Checked is the change a dry run reports for an object it checked.
const Checked cluster.Change = "checked"

// ErrMirror marks images a package carries that its mirror lacks.
var ErrMirror = errors.New("images missing from the mirror")

// ErrDeploy marks a deploy that failed once it began to apply: the result
// says what was applied and what was not.
var ErrDeploy = errors.New("deploy failed")

// Deploy opens the package at target once, verifies it as [Verify] does,
// and deploys it into the cluster opts.Cluster names (see
// [Handle.Deploy]). A package that fails verification applies nothing.
func Deploy(ctx context.Context, target string, opts DeployOptions) (*DeployResult, error) {
	ctx = resolvingOnce(ctx)
	out := &DeployResult{Components: []string{}, Objects: []DeployedObject{}, Charts: []DeployedChart{}, Images: []DeployedImage{}}
	if opts.Mirror != "" {
		if _, err := parsePrefix(opts.Mirror); err != nil {
			return out, err
		}
	}
	c, err := cluster.Connect(opts.Cluster)
	if err != nil {
		return out, err
	}
	opts.HashAsRead = opts.Record == nil // what is deployed is hashed as it is read
	pkg, h, err := openChecked(ctx, target, opts.VerifyOptions, false)
	out.Verification = h.Result()
	if err != nil {
		return out, err
	}
	defer pkg.Close()
	if opts.Record != nil {
		if err := h.CheckBlobs(ctx, opts.Concurrency, opts.Progress); err != nil {
			return out, err
		}
	}
	// --offline keeps the verification offline; the mirror, inside the gap
	// with the cluster, is what a deploy must reach.
	opts.MirrorRegistry = opts.Registry
	opts.MirrorRegistry.Offline = false
	res, err := h.Deploy(ctx, c, opts.DeployTo)
	if res != nil {
		res.Verification = out.Verification
		return res, err
	}
	return out, err
}
