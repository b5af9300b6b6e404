// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package sign_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/sign"
)

// GenerateKey writes a key pair in cosign's format; Digest signs a digest the
// way cosign v3 signs an image.
func ExampleGenerateKey() {
	pair, err := sign.GenerateKey([]byte("password"))
	if err != nil {
		fmt.Println(err)
		return
	}
	signer, err := sign.LoadPrivateKey(pair.PrivateKey, func() ([]byte, error) { return []byte("password"), nil })
	if err != nil {
		fmt.Println(err)
		return
	}
	key, _ := sign.NewKey(signer)
	bundle, err := sign.Digest(context.Background(), digest.FromString("package root"), key, sign.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.SplitN(string(pair.PrivateKey), "\n", 2)[0])
	fmt.Println(strings.Contains(string(bundle), `"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"`))
	// Output:
	// -----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----
	// true
}
