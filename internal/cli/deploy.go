// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/cluster"
	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/verify"
)

// clusterFlags say which cluster, as kubectl spells them.
type clusterFlags struct{ opts cluster.Options }

func (f *clusterFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.opts.Kubeconfig, "kubeconfig", "", "the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
	cmd.Flags().StringVar(&f.opts.Context, "context", "", "the kubeconfig context (default: its current context)")
	cmd.Flags().StringVarP(&f.opts.Namespace, "namespace", "n", "", "the namespace (default: the context's, else default)")
}

func (f *clusterFlags) options() cluster.Options {
	o := f.opts
	o.UserAgent = "airlock/" + airlock.Version()
	return o
}

type deployCmd struct {
	to      airlock.DeployTo
	values  []string
	cluster clusterFlags
	verify  verifyFlags
	images  imageFlags
	format  formatFlag
	record  recordFlags
}

func newDeploy() *cobra.Command {
	d := &deployCmd{}
	cmd := &cobra.Command{
		Use:   "deploy TARGET --registry oci://REGISTRY[/PREFIX] --key FILE",
		Short: "Verify a package, then apply its manifests and install its charts into Kubernetes",
		Long: "Verify a package (an archive or oci:// reference, opened once), then deploy it, component by\n" +
			"component: manifests by server-side apply (field manager airlock), charts as Helm releases named\n" +
			"after them. Every image the package carries is pulled from --registry, where `airlock mirror` put\n" +
			"it, by digest: image references are rewritten in manifests and in what charts render. Nothing is\n" +
			"applied unless every image is in the mirror and the whole package passed a server-side dry run.\n" +
			"The Secret airlock-NAME records what was verified and deployed (`airlock status`).",
		Example: "  airlock deploy app.tar --registry oci://registry.internal/apps --key team.pub -n apps\n" +
			"  airlock deploy app.tar --registry oci://registry.internal/apps --key team.pub --dry-run\n" +
			"  airlock deploy oci://registry.internal/pkgs/app:1.0.0 --registry oci://registry.internal/apps \\\n" +
			"    --key team.pub --values web=prod.yaml --components web --record-key gate.key",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return d.run(cmd, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&d.to.Mirror, "registry", "", "oci://REGISTRY[/PREFIX] where the images were mirrored (airlock mirror)")
	f.StringSliceVar(&d.to.Components, "components", nil, "deploy only these components (default: all)")
	f.StringArrayVar(&d.values, "values", nil, "CHART=FILE: values for a chart (repeatable)")
	f.BoolVar(&d.to.DryRun, "dry-run", false, "verify and check everything with the server, apply nothing")
	f.BoolVar(&d.to.ForceConflicts, "force-conflicts", false, "take over fields another field manager owns")
	f.BoolVar(&d.to.Wait, "wait", false, "wait until each release's objects are ready (roll back one that is not)")
	f.DurationVar(&d.to.Timeout, "wait-timeout", 5*time.Minute, "how long --wait waits for each release")
	d.cluster.register(cmd)
	d.verify.register(cmd)
	d.images.register(cmd)
	d.format.register(cmd)
	d.record.register(cmd, false)
	return cmd
}

func (d *deployCmd) run(cmd *cobra.Command, target string) error {
	if err := d.format.check(); err != nil {
		return err
	}
	verifyOpts, err := d.verify.options(cmd, insecureFlag{})
	if err != nil {
		return err
	}
	if err := d.images.apply(&verifyOpts); err != nil {
		return err
	}
	opts := airlock.DeployOptions{VerifyOptions: verifyOpts, Cluster: d.cluster.options(), DeployTo: d.to}
	if opts.Values, err = readValues(d.values); err != nil {
		return err
	}
	if opts.Record, err = d.record.options(cmd, d.verify, d.images, insecureFlag{}); err != nil {
		return err
	}
	if d.format.value != "json" {
		opts.OnApply = func(o airlock.DeployedObject) { printApplied(cmd, o) }
	}
	res, err := airlock.Deploy(cmd.Context(), target, opts)
	if d.format.value == "json" && res != nil && res.Verification != nil {
		return printOutcome(cmd, res, res.Verification, err)
	}
	if res != nil && res.Verification != nil && len(res.Verification.Checks) > 0 {
		// The verification is reported as it went; a later failure is the
		// deploy's, reported after what was applied.
		verr := err
		if _, failed := verify.AsFailure(err); !failed {
			verr = nil
		}
		if rerr := report(cmd, d.format, whole, res.Verification, verr); rerr != nil {
			return rerr
		}
	}
	if res != nil {
		printDeployed(cmd, res)
	}
	return err
}

// readValues reads --values CHART=FILE.
func readValues(args []string) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	for _, a := range args {
		chart, file, ok := strings.Cut(a, "=")
		if !ok || chart == "" || file == "" {
			return nil, fmt.Errorf("%w: --values: expected CHART=FILE, found %q", errUsage, a)
		}
		data, err := limited.ReadFile(file, 8<<20)
		if err != nil {
			return nil, fmt.Errorf("--values %s: %w", a, err)
		}
		v := map[string]any{}
		if err := yaml.Unmarshal(data, &v); err != nil {
			return nil, fmt.Errorf("--values %s: %v", a, err)
		}
		out[chart] = v
	}
	return out, nil
}

// printApplied says what happened to one object, as kubectl does.
func printApplied(cmd *cobra.Command, o airlock.DeployedObject) {
	from := "component " + o.Component
	if o.Chart != "" {
		from += ", chart " + o.Chart
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%s %s (%s)\n", clean(strings.ToLower(o.Kind)+"/"+o.Name), o.Change, clean(from))
}

// printDeployed sums a deploy up on stdout.
func printDeployed(cmd *cobra.Command, res *airlock.DeployResult) {
	w := cmd.OutOrStdout()
	for _, n := range res.Notes {
		fmt.Fprintf(cmd.ErrOrStderr(), "note: %s\n", clean(n))
	}
	if res.DryRun {
		for _, o := range res.Objects {
			fmt.Fprintf(w, "Checked %s (component %s)\n", clean(o.Ref.String()), clean(o.Component))
		}
		fmt.Fprintf(w, "Dry run: %d objects passed the server's checks in namespace %s; nothing was applied\n", len(res.Objects), clean(res.Namespace))
		return
	}
	for _, c := range res.Charts {
		fmt.Fprintf(w, "Release %s (chart %s %s) in %s: revision %d, %s\n", clean(c.Release), clean(c.Chart), clean(c.Version), clean(c.Namespace), c.Revision, c.Change)
	}
	for _, img := range res.Images {
		fmt.Fprintf(w, "Image %s -> %s\n", clean(img.Source), clean(img.Mirrored))
	}
	for _, n := range res.NotApplied {
		fmt.Fprintf(w, "Not applied: %s\n", clean(n))
	}
	if res.Record != "" {
		fmt.Fprintf(w, "Deployed %s into namespace %s; recorded in secret %s\n", clean(strings.Join(res.Components, ", ")), clean(res.Namespace), clean(res.Record))
	}
}
