// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
)

func newKey() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "Work with signing keys",
		Example: "  airlock key generate --output-key-prefix team\n  airlock key fingerprint team.pub"}
	cmd.AddCommand(newKeyGenerate(), newKeyFingerprint())
	return cmd
}

type keyGenerate struct {
	prefix string
}

func newKeyGenerate() *cobra.Command {
	k := &keyGenerate{}
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Generate a cosign-compatible key pair (PREFIX.key encrypted, PREFIX.pub)",
		Example: "  airlock key generate --output-key-prefix team   # password: AIRLOCK_PASSWORD, or asked\n" +
			"  COSIGN_PASSWORD=... airlock key generate --output-key-prefix ci",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return k.run(cmd) },
	}
	cmd.Flags().StringVar(&k.prefix, "output-key-prefix", "airlock", "write PREFIX.key and PREFIX.pub")
	return cmd
}

func (k *keyGenerate) run(cmd *cobra.Command) error {
	pw, err := passwordSource{stdin: cmd.InOrStdin(), stderr: cmd.ErrOrStderr()}.get(true)
	if err != nil {
		return err
	}
	pair, err := sign.GenerateKey(pw)
	if err != nil {
		return err
	}
	priv, pub := k.prefix+".key", k.prefix+".pub"
	// O_EXCL: never overwrite a key someone may depend on.
	if err := writeNew(priv, pair.PrivateKey, 0o600); err != nil {
		return err
	}
	if err := writeNew(pub, pair.PublicKey, 0o644); err != nil {
		os.Remove(priv)
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "Private key written to %s\nPublic key written to %s\n", priv, pub)
	return nil
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("write key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write key: %w", err)
	}
	return f.Close()
}

func newKeyFingerprint() *cobra.Command {
	var format formatFlag
	cmd := &cobra.Command{
		Use:   "fingerprint FILE",
		Short: "Print a public key's fingerprint: sha256:<hex> of its DER (SubjectPublicKeyInfo)",
		Long: "Print a public key's fingerprint, sha256:<hex> of the DER-encoded SubjectPublicKeyInfo, the\n" +
			"name reports and `attestation list` give key signers. A private key file is refused.",
		Example: "  airlock key fingerprint team.pub\n  airlock key fingerprint team.pub --format json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := format.check(); err != nil {
				return err
			}
			data, err := limited.ReadFile(args[0], policy.MaxFileSize)
			if err != nil {
				return err
			}
			fp, err := policy.FingerprintPEM(data)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if format.value == "json" {
				return printJSON(cmd.OutOrStdout(), map[string]string{"file": args[0], "fingerprint": fp})
			}
			fmt.Fprintln(cmd.OutOrStdout(), fp)
			return nil
		},
	}
	format.register(cmd)
	return cmd
}
