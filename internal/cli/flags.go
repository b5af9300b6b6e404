// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
)

// registryFlags say how registries are reached.
type registryFlags struct {
	plainHTTP, skipTLSVerify bool
	caFile                   string
}

func (f *registryFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.plainHTTP, "plain-http", false, "use plain HTTP for every registry (loopback registries always may)")
	cmd.Flags().StringVar(&f.caFile, "registry-ca-file", "", "PEM file of CA certificates to trust for registries, beside the system's")
	cmd.Flags().BoolVar(&f.skipTLSVerify, "insecure-skip-tls-verify", false, "accept any TLS certificate from registries (transport only: signatures are still verified)")
}

func (f *registryFlags) options() registry.Options {
	return registry.Options{PlainHTTP: f.plainHTTP, CAFile: f.caFile, InsecureSkipTLSVerify: f.skipTLSVerify}
}

// insecureFlag is --insecure: it only ever means "skip signing or signature
// verification", never TLS, and it says so loudly when used.
type insecureFlag struct{ value bool }

func (f *insecureFlag) register(cmd *cobra.Command, what string) {
	cmd.Flags().BoolVar(&f.value, "insecure", false, what+" (INSECURE: says so loudly; TLS is governed by --insecure-skip-tls-verify)")
}

func (f *insecureFlag) warn(w io.Writer, what string) {
	if f.value {
		fmt.Fprintf(w, "WARNING: --insecure: %s. Nothing vouches for this package.\n", what)
	}
}

// policyFlags say whom a verification trusts.
type policyFlags struct {
	keys []string
}

func (f *policyFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.keys, "key", nil, "accept signatures by this PEM public key (repeatable)")
}

// policy reads the key files into a policy.
func (f *policyFlags) policy() (policy.Policy, error) {
	var p policy.Policy
	for _, path := range f.keys {
		data, err := os.ReadFile(path)
		if err != nil {
			return p, fmt.Errorf("--key: %w", err)
		}
		s, err := policy.KeySigner(path, data)
		if err != nil {
			return p, fmt.Errorf("--key: %w", err)
		}
		p.Signers = append(p.Signers, s)
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	return p, nil
}
