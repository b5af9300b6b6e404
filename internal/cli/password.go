// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// passwordSource reads a key's password from AIRLOCK_PASSWORD, else
// COSIGN_PASSWORD, else a prompt when stdin is a terminal, else fails.
type passwordSource struct {
	stdin  io.Reader
	stderr io.Writer
}

func (p passwordSource) get(confirm bool) ([]byte, error) {
	for _, name := range []string{"AIRLOCK_PASSWORD", "COSIGN_PASSWORD"} {
		if v, ok := os.LookupEnv(name); ok {
			return []byte(v), nil
		}
	}
	f, ok := p.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, errors.New("the key needs a password: set AIRLOCK_PASSWORD (or COSIGN_PASSWORD), or run in a terminal")
	}
	fmt.Fprint(p.stderr, "Enter password for private key: ")
	pw, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(p.stderr)
	if err != nil || !confirm {
		return pw, err
	}
	fmt.Fprint(p.stderr, "Enter password for private key again: ")
	again, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(p.stderr)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(pw, again) {
		return nil, errors.New("the passwords do not match")
	}
	return pw, nil
}
