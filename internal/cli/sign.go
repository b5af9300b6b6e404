// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/sign"
)

type signCmd struct {
	signing    signingFlags
	statements statementFlags
	network    networkFlags
	base       baseFlag
	overwrite  bool
}

func newSign() *cobra.Command {
	s := &signCmd{}
	cmd := &cobra.Command{
		Use:   "sign TARGET (--key FILE | keyless flags) [--statement TYPE | --all-statements]",
		Short: "Sign a package: an archive in place, an oci:// package by pushing the signature",
		Long: "Sign a package's root with a key, or keylessly: an OIDC identity token (--identity-token,\n" +
			"SIGSTORE_ID_TOKEN or the CI's) gets a Fulcio certificate, the signature is logged in Rekor and\n" +
			"timestamped. Services come from --signing-config or the --*-url flags (default: public good).\n" +
			"Unsigned statements (provenance, SBOM) are shown and signed only when named with --statement\n" +
			"or --all-statements: anyone who handled the package could have put one there. `airlock create`\n" +
			"with signing flags signs the package, its provenance and its SBOM in one step.",
		Example: "  airlock sign hello.tar --key team.key\n" +
			"  airlock sign hello.tar --key team.key --statement https://slsa.dev/provenance/v1 \\\n" +
			"    --statement https://spdx.dev/Document\n" +
			"  airlock sign oci://registry.example.com/apps/hello:1.0.0 --identity-token token.jwt\n" +
			"  airlock sign zarf-package-hello-amd64-1.0.0.tar.zst --key team.key   # as zarf package sign",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return s.run(cmd, args[0]) },
	}
	s.signing.register(cmd)
	s.statements.register(cmd)
	s.network.register(cmd)
	s.base.register(cmd)
	cmd.Flags().BoolVar(&s.overwrite, "overwrite", false, "sign a Zarf package that is already signed again, replacing its signature (as zarf package sign --overwrite)")
	return cmd
}

func (s *signCmd) run(cmd *cobra.Command, target string) error {
	key, opts, err := s.signing.options(cmd)
	if err != nil {
		return err
	}
	signOpts := airlock.SignOptions{Sign: opts, Registry: s.network.options(), Base: s.base.value, Statements: s.statements.types, AllStatements: s.statements.all, Overwrite: s.overwrite}
	signOpts.Show = showStatement(cmd.OutOrStdout())
	res, err := airlock.Sign(cmd.Context(), target, key, signOpts)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Signed %s (root %s)\nSignature: %s (%s)\n", clean(target), clean(res.Root.Digest.String()), clean(res.Signature.Digest.String()), how(opts))
	for _, st := range res.Statements {
		if !st.Signed {
			fmt.Fprintf(cmd.OutOrStdout(), "Left unsigned: %s (name it with --statement to sign it)\n", clean(st.PredicateType))
		}
	}
	return nil
}

// how says how a signature was made.
func how(opts sign.Options) string {
	switch {
	case opts.FulcioURL != "":
		return "keyless: certificate from " + opts.FulcioURL
	case opts.RekorURL != "":
		return "key signature logged in " + opts.RekorURL
	}
	return "offline key signature: no transparency-log entry"
}

// statementFlags name the unsigned statements to sign with the root.
type statementFlags struct {
	types []string
	all   bool
}

func (f *statementFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.types, "statement", nil, "also sign the unsigned statement of this predicate type (repeatable; exact URI)")
	cmd.Flags().BoolVar(&f.all, "all-statements", false, "also sign every unsigned statement about the package (each is shown first)")
}

// showStatement prints each unsigned statement before anything is signed:
// its type, digest and what it claims.
func showStatement(w io.Writer) func(airlock.Statement) error {
	return func(st airlock.Statement) error {
		action := "leaving unsigned"
		if st.Signed {
			action = "signing"
		}
		fmt.Fprintf(w, "Statement %s (%s): %s [%s]\n", clean(st.PredicateType), clean(st.Digest), clean(st.Summary), action)
		return nil
	}
}

// loadKey reads a private key file, asking for its password as the
// password sources allow.
func loadKey(cmd *cobra.Command, path string) (*sign.Key, error) {
	pw := passwordSource{stdin: cmd.InOrStdin(), stderr: cmd.ErrOrStderr()}
	return airlock.LoadKey(path, func() ([]byte, error) { return pw.get(false) })
}
