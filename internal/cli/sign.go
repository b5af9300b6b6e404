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
	key      string
	registry registryFlags
}

func newSign() *cobra.Command {
	s := &signCmd{}
	cmd := &cobra.Command{
		Use:   "sign TARGET --key FILE",
		Short: "Sign a package: an archive in place, or an oci:// package by pushing the signature",
		Args:  cobra.ExactArgs(1),
		RunE:  func(cmd *cobra.Command, args []string) error { return s.run(cmd, args[0]) },
	}
	cmd.Flags().StringVar(&s.key, "key", "", "private key file (cosign's encrypted format, or unencrypted PEM)")
	s.registry.register(cmd)
	return cmd
}

func (s *signCmd) run(cmd *cobra.Command, target string) error {
	if s.key == "" {
		return fmt.Errorf("%w: sign: --key is required", errUsage)
	}
	key, err := loadKey(cmd, s.key)
	if err != nil {
		return err
	}
	res, err := airlock.Sign(cmd.Context(), target, key, airlock.SignOptions{Registry: s.registry.options()})
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Signed %s (root %s)\nSignature: %s (no transparency log: offline key signature)\n", target, res.Root.Digest, res.Signature.Digest)
	return nil
}

// loadKey reads a private key file, asking for its password as the
// password sources allow.
func loadKey(cmd *cobra.Command, path string) (*sign.Key, error) {
	pw := passwordSource{stdin: cmd.InOrStdin(), stderr: cmd.ErrOrStderr()}
	return airlock.LoadKey(path, func() ([]byte, error) { return pw.get(false) })
}
