// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/verify"
)

type verifyCmd struct {
	bundle   string
	images   imageFlags
	policy   policyFlags
	trust    trustFlags
	format   formatFlag
	registry registryFlags
}

func newVerify() *cobra.Command {
	v := &verifyCmd{}
	cmd := &cobra.Command{
		Use:   "verify TARGET [policy] [trust]",
		Short: "Verify a package (layout, every blob's digest, signatures), or a file against a detached bundle",
		Long: "Verify a package archive or oci:// package, or with --bundle any file (or sha256:HEX digest)\n" +
			"against a detached Sigstore bundle. Exit 0: verified. Exit 3: verification failed (the reason\n" +
			"code says why). Exit 1: could not verify (bad flags, unreadable file, network).",
		Example: "  airlock verify hello.tar --key team.pub --insecure-ignore-tlog\n" +
			"  airlock verify hello.tar --offline --trusted-root root.json \\\n" +
			"    --certificate-identity https://github.com/org/repo/.github/workflows/release.yml@refs/tags/v1.2.0 \\\n" +
			"    --certificate-oidc-issuer https://token.actions.githubusercontent.com\n" +
			"  airlock verify --bundle python.tgz.sigstore.json python.tgz --certificate-identity ... --certificate-oidc-issuer ...",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return v.run(cmd, args[0]) },
	}
	cmd.Flags().StringVar(&v.bundle, "bundle", "", "verify TARGET (a file or sha256:HEX) against this detached Sigstore bundle")
	v.policy.register(cmd)
	v.images.register(cmd)
	v.trust.register(cmd)
	v.format.register(cmd)
	v.registry.register(cmd)
	return cmd
}

func (v *verifyCmd) run(cmd *cobra.Command, target string) error {
	if err := v.format.check(); err != nil {
		return err
	}
	p, err := v.policy.policy()
	if err != nil {
		return err
	}
	tm, err := v.trust.material(cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	ip, err := v.images.policy()
	if err != nil {
		return err
	}
	opts := airlock.VerifyOptions{Policy: p, Trust: tm, Registry: v.registry.options(), ImagePolicy: ip, RequireImageSignatures: v.images.require}
	opts.Registry.Offline = v.trust.offline
	var res *verify.Result
	if v.bundle != "" {
		res, err = airlock.VerifyBundle(cmd.Context(), v.bundle, target, opts)
	} else {
		res, err = airlock.Verify(cmd.Context(), target, opts)
	}
	return report(cmd, v.format, res, err)
}

var marks = map[string]string{verify.StatusPassed: "ok", verify.StatusFailed: "FAILED", verify.StatusSkipped: "skipped"}

func printResult(w io.Writer, res *verify.Result) {
	fmt.Fprintf(w, "Verifying %s\n", res.Target)
	for _, c := range res.Checks {
		fmt.Fprintf(w, "  %-17s %-8s %s\n", c.Name, marks[c.Status], c.Detail)
	}
	for _, im := range res.Images {
		status, detail := "ok", "signed by "+im.Signer
		switch {
		case im.Note != "" && !im.Verified:
			status, detail = "skipped", im.Note
		case !im.Verified:
			status, detail = "FAILED", "not verified"
		case im.Note != "":
			detail += " (" + im.Note + ")"
		}
		fmt.Fprintf(w, "  %-17s %-8s %s %s: %s\n", "image", status, im.Ref, im.Digest, detail)
	}
	if res.Verified {
		fmt.Fprintf(w, "VERIFIED: %s %s (%s)\n", res.Package.Name, res.Package.Version, res.Package.Digest)
		return
	}
	if res.Failure != nil {
		fmt.Fprintf(w, "NOT VERIFIED: %s\n", res.Failure.Reason)
	}
}
