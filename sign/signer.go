// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package sign

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"fmt"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/airlock-dev/airlock/policy"
)

// Key is a private key ready to sign bundles. It implements sigstore-go's
// sign.Keypair, choosing the algorithm cosign would for the key: ECDSA with
// SHA-256 (P-256) or SHA-384 (P-384), pure Ed25519, or RSA PKCS#1 v1.5 with
// SHA-256.
type Key struct {
	signer  crypto.Signer
	details signature.AlgorithmDetails
	hint    []byte
}

var _ sgsign.Keypair = (*Key)(nil)

// NewKey wraps a private key loaded with [LoadPrivateKey] (or any
// crypto.Signer of an accepted algorithm, such as a hardware key).
func NewKey(signer crypto.Signer) (*Key, error) {
	pub := signer.Public()
	if err := policy.CheckKey(pub); err != nil {
		return nil, err
	}
	details, err := signature.GetDefaultAlgorithmDetails(pub)
	if err != nil {
		return nil, fmt.Errorf("key algorithm: %w", err)
	}
	hint, err := policy.KeyID(pub)
	if err != nil {
		return nil, err
	}
	return &Key{signer: signer, details: details, hint: []byte(hint)}, nil
}

// GetHashAlgorithm returns the hash the signature is computed over.
func (k *Key) GetHashAlgorithm() protocommon.HashAlgorithm { return k.details.GetProtoHashType() }

// GetSigningAlgorithm returns the signature algorithm.
func (k *Key) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return k.details.GetSignatureAlgorithm()
}

// GetHint returns the key identifier written into bundles.
func (k *Key) GetHint() []byte { return k.hint }

// GetKeyAlgorithm returns "ECDSA", "RSA" or "ED25519".
func (k *Key) GetKeyAlgorithm() string {
	switch k.signer.Public().(type) {
	case *ecdsa.PublicKey:
		return "ECDSA"
	case *rsa.PublicKey:
		return "RSA"
	case ed25519.PublicKey:
		return "ED25519"
	}
	return ""
}

// GetPublicKey returns the public key.
func (k *Key) GetPublicKey() crypto.PublicKey { return k.signer.Public() }

// GetPublicKeyPem returns the public key as PEM.
func (k *Key) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.signer.Public())
	return string(b), err
}

// SignData signs data, hashing it first unless the algorithm is pure Ed25519,
// and returns the signature and what was signed.
func (k *Key) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	h := k.details.GetHashType()
	toSign := data
	if h != crypto.Hash(0) {
		hasher := h.New()
		hasher.Write(data)
		toSign = hasher.Sum(nil)
	}
	sig, err := k.signer.Sign(rand.Reader, toSign, h)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: %w", err)
	}
	return sig, toSign, nil
}
