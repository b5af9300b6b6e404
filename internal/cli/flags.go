// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
)

// registryFlags say how registries are reached.
type registryFlags struct {
	plainHTTP bool
}

func (f *registryFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.plainHTTP, "plain-http", false, "use plain HTTP for every registry (loopback registries always may)")
}

func (f *registryFlags) options() registry.Options {
	return registry.Options{PlainHTTP: f.plainHTTP}
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
