// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"fmt"
	"os"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/cluster"
	"github.com/airlock-dev/airlock/policy"
)

// Deploy verifies a package signed by the team's key, checks that its
// images are in the mirror, and applies it into namespace apps of the
// cluster $KUBECONFIG names. (It needs a cluster, so it is not run here:
// e2e/deploy_test.go runs the same against a real API server.)
func ExampleDeploy() {
	pub, err := os.ReadFile("team.pub")
	if err != nil {
		fmt.Println(err)
		return
	}
	team, err := policy.KeySigner("team.pub", pub)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := airlock.Deploy(context.Background(), "app.tar", airlock.DeployOptions{
		VerifyOptions: airlock.VerifyOptions{Policy: policy.Policy{Signers: []policy.Signer{team}}},
		Cluster:       cluster.Options{Namespace: "apps"},
		DeployTo:      airlock.DeployTo{Mirror: "oci://registry.internal/apps"},
	})
	if err != nil {
		fmt.Println(err) // a verification failure applied nothing; res.NotApplied says what a later one left
		return
	}
	for _, o := range res.Objects {
		fmt.Println(o.Ref, o.Change)
	}
	for _, c := range res.Charts {
		fmt.Println("release", c.Release, "revision", c.Revision, c.Change)
	}
	fmt.Println("recorded in", res.Record)
}
