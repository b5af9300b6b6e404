// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package verify_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// FuzzSignatures feeds mutated bundles and cosign legacy signatures to the
// verifier under a policy that accepts the key that made the seeds, so that
// inputs reach signature verification. The key signed exactly one
// statement and one legacy payload, both about subject: whatever is
// accepted must be exactly those (a mutation may change how a bundle is
// spelled, never what it vouches for), and nothing may panic.
func FuzzSignatures(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key, _ := sign.NewKey(k)
	subject := digest.FromString("root")
	statement, _ := attest.Statement(subject, spec.PredicateTypeCosignSign, nil)
	good, _ := sign.DSSE(context.Background(), statement, key, sign.Options{})
	payload := []byte(`{"critical":{"image":{"docker-manifest-digest":"` + subject.String() + `"},"type":"cosign container image signature"}}`)
	legacySig, _, _ := key.SignData(context.Background(), payload)
	f.Add(good, payload, legacySig)
	f.Add(good, []byte(`{}`), []byte{})
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`), payload, legacySig[:len(legacySig)-1])
	p := policy.Policy{Signers: []policy.Signer{{Name: "team", PublicKey: k.Public()}}, InsecureIgnoreTlog: true}
	v := verify.New()
	f.Fuzz(func(t *testing.T, bundle, legacyPayload, sig []byte) {
		res, err := v.Signatures(subject, []verify.Signature{{Source: "bundle", Bundle: bundle}}, p)
		if err == nil {
			got, serr := verify.Statement(bundle)
			if serr != nil || !bytes.Equal(got, statement) || !res[0].Verified {
				t.Fatalf("accepted a bundle whose statement the key never signed: %q", got)
			}
		}
		_, err = v.Signatures(subject, []verify.Signature{{Source: "legacy", Legacy: &verify.LegacySignature{Payload: legacyPayload, Signature: sig}}}, p)
		if err == nil && !bytes.Equal(legacyPayload, payload) {
			t.Fatalf("accepted a legacy payload the key never signed: %q", legacyPayload)
		}
	})
}
