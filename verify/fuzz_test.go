// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package verify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/verify"
)

// FuzzSignatures feeds untrusted bundles and cosign legacy payloads to the
// verifier: it must never panic, and never accept what the key did not sign.
func FuzzSignatures(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := sign.NewKey(k)
	subject := digest.FromString("root")
	good, _ := sign.Digest(context.Background(), subject, key, sign.Options{})
	f.Add(good, []byte(`{"critical":{"image":{"docker-manifest-digest":"`+subject.String()+`"},"type":"cosign container image signature"}}`), []byte("sig"))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`), []byte(`{}`), []byte{})
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p := policy.Policy{Signers: []policy.Signer{{Name: "other", PublicKey: other.Public()}}}
	f.Fuzz(func(t *testing.T, bundle, payload, sig []byte) {
		sigs := []verify.Signature{
			{Source: "bundle", Bundle: bundle},
			{Source: "legacy", Legacy: &verify.LegacySignature{Payload: payload, Signature: sig}},
		}
		if _, err := verify.New().Signatures(subject, sigs, p); err == nil {
			t.Fatal("accepted a signature by a key that signed nothing")
		}
	})
}
