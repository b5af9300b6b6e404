// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/verify"
)

type verifyCmd struct {
	bundle   string
	deployed string
	cluster  clusterFlags
	verify   verifyFlags
	images   imageFlags
	format   formatFlag
	record   recordFlags
}

func newVerify() *cobra.Command {
	v := &verifyCmd{}
	cmd := &cobra.Command{
		Use:   "verify TARGET [policy] [trust]",
		Short: "Verify a package (signatures, every blob), or a file against a detached bundle",
		Long: "Verify a package archive or oci:// package, or with --bundle any file (or sha256:HEX digest)\n" +
			"against a detached Sigstore bundle. Exit 0: verified. Exit 3: verification failed (the reason\n" +
			"code says why). Exit 1: could not verify (unreadable file, network). Exit 2: usage.",
		Example: "  airlock verify hello.tar --key team.pub --insecure-ignore-tlog\n" +
			"  airlock verify oci://registry.example.com/apps/hello:1.0.0 --key team.pub --insecure-ignore-tlog \\\n" +
			"    --expect-name hello --min-version 1.0.0\n" +
			"  airlock verify hello.tar --offline --trusted-root root.json \\\n" +
			"    --certificate-identity https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1 \\\n" +
			"    --certificate-oidc-issuer https://token.actions.githubusercontent.com\n" +
			"  airlock verify --bundle python.tgz.sigstore.json python.tgz \\\n" +
			"    --certificate-identity ... --certificate-oidc-issuer ...\n" +
			"  airlock verify hello.tar --key team.pub --record-key gate.key   # hello.tar.vsa.sigstore.json\n" +
			"  airlock verify zarf-package-app-amd64-1.0.0.tar.zst --key team.pub   # a Zarf package\n" +
			"  airlock verify --deployed app -n apps   # objects still carry the images deploy recorded",
		Args: func(cmd *cobra.Command, args []string) error {
			if v.deployed != "" {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if v.deployed != "" {
				return v.runDeployed(cmd)
			}
			return v.run(cmd, args[0])
		},
	}
	cmd.Flags().StringVar(&v.deployed, "deployed", "", "check that the objects package NAME deployed still carry the images its record names\n(with --key: the record must be signed by it, as deploy --record-key signs it)")
	v.cluster.register(cmd)
	cmd.Flags().StringVar(&v.bundle, "bundle", "", "verify TARGET (a file or sha256:HEX) against this detached Sigstore bundle")
	v.verify.register(cmd)
	v.images.register(cmd)
	v.format.register(cmd)
	v.record.register(cmd, true)
	return cmd
}

func (v *verifyCmd) run(cmd *cobra.Command, target string) error {
	if err := v.format.check(); err != nil {
		return err
	}
	opts, err := v.verify.options(cmd, insecureFlag{})
	if err != nil {
		return err
	}
	if err := v.images.apply(&opts); err != nil {
		return err
	}
	rec, err := v.record.options(cmd, v.verify, v.images, insecureFlag{})
	if err != nil {
		return err
	}
	var res *verify.Result
	switch {
	case v.bundle != "" && rec != nil:
		return fmt.Errorf("%w: --record-key records a package's verification, not a --bundle's", errUsage)
	case v.bundle != "":
		res, err = airlock.VerifyBundle(cmd.Context(), v.bundle, target, opts)
	case rec != nil:
		res, err = airlock.VerifyAndRecord(cmd.Context(), target, v.record.out, opts, *rec)
	default:
		bars := newBars(cmd)
		opts.Progress = bars.progress()
		res, err = airlock.Verify(cmd.Context(), target, opts)
		bars.wait()
	}
	return report(cmd, v.format, whole, res, err)
}

// runDeployed checks a deployment record against the cluster.
func (v *verifyCmd) runDeployed(cmd *cobra.Command) error {
	if err := v.format.check(); err != nil {
		return err
	}
	opts := airlock.VerifyDeployedOptions{Cluster: v.cluster.options()}
	if f := cmd.Flags(); f.Changed("key") || f.Changed("policy") || f.Changed("certificate-identity") || f.Changed("certificate-identity-regexp") {
		vo, err := v.verify.options(cmd, insecureFlag{})
		if err != nil {
			return err
		}
		opts.Policy, opts.Trust = vo.Policy, vo.Trust
	}
	res, err := airlock.VerifyDeployed(cmd.Context(), v.deployed, opts)
	if v.format.value == "json" {
		if jerr := printJSON(cmd.OutOrStdout(), res); jerr != nil {
			return jerr
		}
		if err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "airlock: %s\n", say(err.Error()))
			return &reportedError{err}
		}
		return nil
	}
	for _, o := range res.Objects {
		state := "ok"
		if !o.OK {
			state = "CHANGED"
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", clean(o.Ref.String()), state)
	}
	if err != nil {
		return err
	}
	r := res.Record
	record := "the record was not checked: it is as trustworthy as who may write Secrets in " + clean(r.Namespace) + " (give the gate's key to check it)"
	if res.RecordSigner != "" {
		record = "the record is signed by " + clean(res.RecordSigner)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Verified: %s %s (%s, signed by %s) as deployed: %d objects carry the images recorded; %s\n",
		clean(r.Name), clean(r.Version), clean(r.Digest), clean(r.Signer), len(res.Objects), record)
	return nil
}
