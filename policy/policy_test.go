// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package policy_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/airlock-dev/airlock/policy"
)

func TestValidate(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	one := policy.Signer{Name: "a", PublicKey: k.Public()}
	if err := (policy.Policy{}).Validate(); !errors.Is(err, policy.ErrEmpty) {
		t.Errorf("empty policy: expected ErrEmpty, got %v", err)
	}
	if err := (policy.Policy{Signers: []policy.Signer{one}, Threshold: 2}).Validate(); err == nil || !strings.Contains(err.Error(), "expected 1 to 1") {
		t.Errorf("unreachable threshold: got %v", err)
	}
	if err := (policy.Policy{Signers: []policy.Signer{{Name: "nil"}}}).Validate(); err == nil {
		t.Error("a signer without a key was accepted")
	}
	if got := (policy.Policy{Signers: []policy.Signer{one}}).Required(); got != 1 {
		t.Errorf("default threshold: expected 1, got %d", got)
	}
}

func TestKeySigner(t *testing.T) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pemKey, _ := cryptoutils.MarshalPublicKeyToPEM(k.Public())
	s, err := policy.KeySigner("team.pub", pemKey)
	if err != nil || s.Name != "team.pub" {
		t.Fatalf("%v %+v", err, s)
	}
	weak, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	weakPEM, _ := cryptoutils.MarshalPublicKeyToPEM(weak.Public())
	if _, err := policy.KeySigner("weak.pub", weakPEM); err == nil || !strings.Contains(err.Error(), "weak.pub: expected an ECDSA key on P-256 or P-384, found P-224") {
		t.Fatalf("expected a refusal naming the file and the curve, got %v", err)
	}
	if _, err := policy.KeySigner("junk.pub", []byte("junk")); err == nil || !strings.Contains(err.Error(), "junk.pub") {
		t.Fatalf("expected an error naming the file, got %v", err)
	}
}
