// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/policy"
)

type admissionCmd struct {
	registry, importerKey, output, name string
	verify                              verifyFlags
	images                              imageFlags
	format                              formatFlag
}

func newAdmissionPolicy() *cobra.Command {
	a := &admissionCmd{}
	cmd := &cobra.Command{
		Use:   "admission-policy TARGET --registry oci://REG[/PREFIX] --importer-key FILE -o FILE",
		Short: "Verify a package, then write a cluster policy admitting only its verified images",
		Long: "Verify a package (as verify does: no policy is an error), then write a sigstore policy-controller\n" +
			"ClusterImagePolicy (policy.sigstore.dev/v1beta1) whose images are exactly the package's images\n" +
			"where `airlock mirror` put them (by digest, and by tag), each admitted only with a passed SLSA\n" +
			"verification summary signed by the importer key, as `mirror --record-key` pushes it. No\n" +
			"transparency log: the gate signs offline. Apply it with kubectl; an image pushed around the\n" +
			"gate has no summary and is refused.",
		Example: "  airlock mirror app.tar oci://registry.internal/apps --key team.pub --record-key gate.key\n" +
			"  airlock admission-policy app.tar --registry oci://registry.internal/apps --importer-key gate.pub \\\n" +
			"    --key team.pub -o cip.yaml\n" +
			"  kubectl apply -f cip.yaml",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.run(cmd, args[0]) },
	}
	cmd.Flags().StringVar(&a.registry, "registry", "", "where the images were mirrored, oci://REGISTRY[/PREFIX] (required)")
	cmd.Flags().StringVar(&a.importerKey, "importer-key", "", "the gate's public key, which signs the verification summaries (required)")
	cmd.Flags().StringVarP(&a.output, "output", "o", "", "where to write the policy (default: standard output)")
	cmd.Flags().StringVar(&a.name, "name", "", "the policy's name (default: airlock-<package name>)")
	a.verify.register(cmd)
	a.images.register(cmd)
	a.format.register(cmd)
	return cmd
}

func (a *admissionCmd) run(cmd *cobra.Command, target string) error {
	if a.registry == "" || a.importerKey == "" {
		return fmt.Errorf("%w: admission-policy: --registry and --importer-key are required", errUsage)
	}
	if err := a.format.check(); err != nil {
		return err
	}
	opts, err := a.verify.options(cmd, insecureFlag{})
	if err != nil {
		return err
	}
	if err := a.images.apply(&opts); err != nil {
		return err
	}
	pemData, err := limited.ReadFile(a.importerKey, policy.MaxFileSize)
	if err != nil {
		return err
	}
	importer, err := policy.KeySigner(a.importerKey, pemData)
	if err != nil {
		return fmt.Errorf("--importer-key: %w", err)
	}
	doc, res, err := airlock.AdmissionPolicy(cmd.Context(), target, airlock.AdmissionOptions{
		VerifyOptions: opts, Registry: a.registry, ImporterKey: importer.PublicKey, Name: a.name,
	})
	if err == nil {
		if a.output == "" {
			_, err = cmd.OutOrStdout().Write(doc)
			return err
		}
		err = archive.Atomic(a.output, func(f *os.File) error {
			_, err := f.Write(doc)
			return err
		})
	}
	return report(cmd, a.format, whole, res, err)
}
