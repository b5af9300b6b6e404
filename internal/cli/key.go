// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock/sign"
)

func newKey() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "Work with signing keys"}
	cmd.AddCommand(newKeyGenerate())
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
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return k.run(cmd) },
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
