// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/sign"
)

type signCmd struct {
	signing  signingFlags
	registry registryFlags
}

func newSign() *cobra.Command {
	s := &signCmd{}
	cmd := &cobra.Command{
		Use:   "sign TARGET (--key FILE | keyless flags)",
		Short: "Sign a package: an archive in place, or an oci:// package by pushing the signature",
		Long: "Sign a package with a key, or keylessly: an OIDC identity token (--identity-token,\n" +
			"SIGSTORE_ID_TOKEN or the CI's) gets a Fulcio certificate, the signature is logged in Rekor and\n" +
			"timestamped. Services come from --signing-config or the --*-url flags (default: public good).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return s.run(cmd, args[0]) },
	}
	s.signing.register(cmd)
	s.registry.register(cmd)
	return cmd
}

func (s *signCmd) run(cmd *cobra.Command, target string) error {
	key, opts, err := s.signing.options(cmd)
	if err != nil {
		return err
	}
	res, err := airlock.Sign(cmd.Context(), target, key, airlock.SignOptions{Sign: opts, Registry: s.registry.options()})
	if err != nil {
		return err
	}
	how := "offline key signature: no transparency-log entry"
	switch {
	case opts.FulcioURL != "":
		how = "keyless: certificate from " + opts.FulcioURL
	case opts.RekorURL != "":
		how = "key signature logged in " + opts.RekorURL
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Signed %s (root %s)\nSignature: %s (%s)\n", target, res.Root.Digest, res.Signature.Digest, how)
	return nil
}

// loadKey reads a private key file, asking for its password as the
// password sources allow.
func loadKey(cmd *cobra.Command, path string) (*sign.Key, error) {
	pw := passwordSource{stdin: cmd.InOrStdin(), stderr: cmd.ErrOrStderr()}
	return airlock.LoadKey(path, func() ([]byte, error) { return pw.get(false) })
}
