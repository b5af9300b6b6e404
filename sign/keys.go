// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package sign produces Sigstore bundles: signatures over a package's root
// digest and signed attestations, with keys (cosign-compatible key files) or,
// in later releases, keyless identities.
//
// A package signature is what cosign v3 writes: a DSSE envelope over an
// in-toto statement whose predicate type is spec.PredicateTypeCosignSign and
// whose subject is the signed digest, in a Sigstore bundle v0.3.
package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/airlock-dev/airlock/policy"
)

// PEM block types of private keys in cosign's encrypted format. airlock writes
// the first; cosign before v2 wrote the second, which is still read.
const (
	PEMTypeEncryptedKey       = "ENCRYPTED SIGSTORE PRIVATE KEY"
	PEMTypeEncryptedCosignKey = "ENCRYPTED COSIGN PRIVATE KEY"
)

// ErrPassword marks a wrong or missing password for an encrypted key.
var ErrPassword = errors.New("cannot decrypt private key")

// PasswordFunc returns the password of an encrypted key. It is called only
// when the key is encrypted.
type PasswordFunc func() ([]byte, error)

// KeyPair is a PEM-encoded key pair as [GenerateKey] returns it.
type KeyPair struct {
	// PrivateKey is the private key, encrypted in cosign's format.
	PrivateKey []byte
	// PublicKey is the PKIX public key ("PUBLIC KEY").
	PublicKey []byte
}

// GenerateKey creates an ECDSA P-256 key pair, the key type cosign generates,
// with the private key encrypted under password in cosign's format (scrypt and
// NaCl secretbox over PKCS#8, go-securesystemslib's "encrypted" package), so
// that cosign and airlock read each other's keys. An empty password is
// allowed, as in cosign, but the key is still in the encrypted format.
func GenerateKey(password []byte) (*KeyPair, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return EncodeKey(priv, password)
}

// EncodeKey encodes an existing private key as [GenerateKey] does.
func EncodeKey(priv crypto.Signer, password []byte) (*KeyPair, error) {
	der, err := cryptoutils.MarshalPrivateKeyToDER(priv)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	enc, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, fmt.Errorf("encrypt key: %w", err)
	}
	pub, err := cryptoutils.MarshalPublicKeyToPEM(priv.Public())
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return &KeyPair{
		PrivateKey: pem.EncodeToMemory(&pem.Block{Type: PEMTypeEncryptedKey, Bytes: enc}),
		PublicKey:  pub,
	}, nil
}

// LoadPrivateKey parses a private key: cosign's (and airlock's) encrypted
// format, or an unencrypted PEM key (PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE
// KEY" or PKCS#1 "RSA PRIVATE KEY"). Accepted algorithms: ECDSA P-256 and
// P-384, Ed25519, and RSA of 2048, 3072 or 4096 bits.
func LoadPrivateKey(data []byte, password PasswordFunc) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("load private key: expected a PEM block, found none")
	}
	var key crypto.PrivateKey
	var err error
	switch block.Type {
	case PEMTypeEncryptedKey, PEMTypeEncryptedCosignKey:
		if password == nil {
			return nil, fmt.Errorf("load private key: %w: the key is encrypted and no password was given", ErrPassword)
		}
		pw, perr := password()
		if perr != nil {
			return nil, fmt.Errorf("load private key: %w", perr)
		}
		der, derr := encrypted.Decrypt(block.Bytes, pw)
		if derr != nil {
			return nil, fmt.Errorf("load private key: %w: wrong password (it comes from AIRLOCK_PASSWORD, COSIGN_PASSWORD or the terminal): %v", ErrPassword, derr)
		}
		key, err = parsePKCS8(der)
	case "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY":
		key, err = cryptoutils.UnmarshalPEMToPrivateKey(data, nil)
	default:
		return nil, fmt.Errorf("load private key: expected a PEM block of type %q, \"PRIVATE KEY\", \"EC PRIVATE KEY\" or \"RSA PRIVATE KEY\", found %q", PEMTypeEncryptedKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("load private key: %w", err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("load private key: unsupported key type %T", key)
	}
	if err := policy.CheckKey(signer.Public()); err != nil {
		return nil, fmt.Errorf("load private key: %w", err)
	}
	return signer, nil
}

func parsePKCS8(der []byte) (crypto.PrivateKey, error) {
	return cryptoutils.UnmarshalPEMToPrivateKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil)
}
