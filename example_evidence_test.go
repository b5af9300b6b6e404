// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/policy"
)

// A gate verifies a package and records it: a SLSA verification summary
// signed with the gate's key, written beside the archive.
func ExampleVerifyAndRecord() {
	upstream, stop := airlocktest.StartRegistry()
	defer stop()
	dir, _ := os.MkdirTemp("", "example-record-*")
	defer os.RemoveAll(dir)
	archive, p, _ := insideExample(dir, upstream)
	gate, _ := exampleKey()

	res, err := airlock.VerifyAndRecord(context.Background(), archive, "", airlock.VerifyOptions{Policy: p}, airlock.RecordOptions{Key: gate})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("verified:", res.Verified)
	fmt.Println("recorded:", filepath.Base(res.Records[0].Location))
	// Output:
	// verified: true
	// recorded: app.tar.vsa.sigstore.json
}

// A gate pulls a package, verifies it and puts its signed record in the
// archive; inside, the policy requires that record, signed by the gate.
func ExamplePull_record() {
	ctx := context.Background()
	reg, stop := airlocktest.StartRegistry()
	defer stop()
	dir, _ := os.MkdirTemp("", "example-pull-record-*")
	defer os.RemoveAll(dir)
	archive, p, _ := insideExample(dir, reg)
	if _, err := airlock.Push(ctx, archive, "oci://"+reg+"/apps/app", airlock.PushOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	gate, gatePair := exampleKey()

	// At the gate.
	pulled := filepath.Join(dir, "pulled.tar")
	_, err := airlock.Pull(ctx, "oci://"+reg+"/apps/app:1.0.0", pulled, airlock.PullOptions{
		VerifyOptions: airlock.VerifyOptions{Policy: p},
		Record:        &airlock.RecordOptions{Key: gate},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// Inside: only what the gate verified.
	gateSigner, _ := policy.KeySigner("gate.pub", gatePair.PublicKey)
	inside := p
	inside.Attestations = []policy.AttestationRule{{PredicateType: attest.PredicateVSA, Signers: []policy.Signer{gateSigner}}}
	res, err := airlock.Verify(ctx, pulled, airlock.VerifyOptions{Policy: inside})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("verified inside, with the gate's record:", res.Verified)
	// Output:
	// verified inside, with the gate's record: true
}
