// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package sign_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/verify"
)

func pemKey(t *testing.T, typ string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkcs8(t *testing.T, k crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemKey(t, "PRIVATE KEY", der)
}

func TestKeyFormatsSignAndVerify(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	sec1, _ := x509.MarshalECPrivateKey(p256)
	encrypted, err := sign.EncodeKey(p384, []byte("s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	legacy := strings.ReplaceAll(string(encrypted.PrivateKey), sign.PEMTypeEncryptedKey, sign.PEMTypeEncryptedCosignKey)
	password := func() ([]byte, error) { return []byte("s3cret"), nil }
	tests := []struct {
		name string
		pem  []byte
	}{
		{"PKCS#8 P-256", pkcs8(t, p256)},
		{"PKCS#8 P-384", pkcs8(t, p384)},
		{"PKCS#8 Ed25519", pkcs8(t, ed)},
		{"PKCS#8 RSA-2048", pkcs8(t, rsaKey)},
		{"SEC1 P-256", pemKey(t, "EC PRIVATE KEY", sec1)},
		{"PKCS#1 RSA", pemKey(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))},
		{"encrypted (sigstore header)", encrypted.PrivateKey},
		{"encrypted (cosign v1 header)", []byte(legacy)},
	}
	subject := digest.FromString("package root")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signer, err := sign.LoadPrivateKey(tt.pem, password)
			if err != nil {
				t.Fatal(err)
			}
			key, err := sign.NewKey(signer)
			if err != nil {
				t.Fatal(err)
			}
			bundle, err := sign.Digest(context.Background(), subject, key, sign.Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := policy.Policy{Signers: []policy.Signer{{Name: "k", PublicKey: signer.Public()}}, InsecureIgnoreTlog: true}
			res, err := verify.New().Signatures(subject, []verify.Signature{{Source: "s", Bundle: bundle}}, p)
			if err != nil {
				t.Fatal(err)
			}
			if !res[0].Verified || res[0].Signer != "k" {
				t.Fatalf("unexpected result %+v", res[0])
			}
		})
	}
}

func TestEncryptedKeyPasswords(t *testing.T) {
	pair, err := sign.GenerateKey([]byte("right"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(pair.PrivateKey), "BEGIN ENCRYPTED SIGSTORE PRIVATE KEY") || !strings.Contains(string(pair.PublicKey), "BEGIN PUBLIC KEY") {
		t.Fatalf("unexpected PEM types:\n%s\n%s", pair.PrivateKey, pair.PublicKey)
	}
	_, err = sign.LoadPrivateKey(pair.PrivateKey, func() ([]byte, error) { return []byte("wrong"), nil })
	if !errors.Is(err, sign.ErrPassword) {
		t.Fatalf("wrong password: expected ErrPassword, got %v", err)
	}
	_, err = sign.LoadPrivateKey(pair.PrivateKey, nil)
	if !errors.Is(err, sign.ErrPassword) {
		t.Fatalf("no password: expected ErrPassword, got %v", err)
	}
}

func TestRefusesWeakKeys(t *testing.T) {
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	for name, k := range map[string]crypto.Signer{"P-521": p521, "RSA-1024": small} {
		if _, err := sign.LoadPrivateKey(pkcs8(t, k), nil); err == nil || !strings.Contains(err.Error(), "expected") {
			t.Errorf("%s: expected a refusal, got %v", name, err)
		}
	}
	if _, err := sign.LoadPrivateKey([]byte("not a key"), nil); err == nil {
		t.Error("accepted a non-PEM key")
	}
}
