// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package policy says who and what a verifier accepts: the signers whose
// signature makes a package trustworthy, how many of them must sign, and
// the attestations required beside the signature. A Policy is plain data:
// checking it does no I/O. Building one reads files only where asked to:
// a policy file ([LoadFile]) and the key files it names; [KeySigner] takes
// a key already read.
package policy

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// ErrEmpty is returned by [Policy.Validate] for a policy that accepts no one.
// There is no silent skip: a verifier must say whom it trusts.
var ErrEmpty = errors.New("policy names no signer: pass --key, or --certificate-identity with --certificate-oidc-issuer, or --policy, to say whom to trust")

// Policy is what a verification requires.
type Policy struct {
	// Signers are the accepted signers; a signature by any one of them counts.
	Signers []Signer
	// Threshold is how many distinct signers must have signed. Default 1.
	Threshold int
	// Attestations are the attestations required beside the signature, each
	// with its own accepted signers (the policy's signers when it names none).
	Attestations []AttestationRule
	// InsecureIgnoreTlog accepts key signatures that carry no transparency-log
	// entry (offline signing). Default: a key signature must be logged. The
	// report always says what was not checked.
	InsecureIgnoreTlog bool
	// InsecureIgnoreSCT accepts certificates without a signed certificate
	// timestamp from a trusted CT log. Default: one is required.
	InsecureIgnoreSCT bool
}

// Signer is one accepted signer: a public key or a keyless identity.
type Signer struct {
	// Name identifies the signer in reports, such as the key file's path.
	Name string
	// PublicKey is the signer's public key, for key signers.
	PublicKey crypto.PublicKey
	// Identity is the signer's identity, for keyless signers.
	Identity *Identity
	// InsecureIgnoreTlog and InsecureIgnoreSCT are the policy's choices of
	// the same names for this signer alone (a policy file's signer says
	// them once for a team, where flags would be typed on every command).
	InsecureIgnoreTlog bool
	InsecureIgnoreSCT  bool
}

// IgnoresTlog says whether signer's signatures are accepted without a
// transparency-log entry: the policy's choice or the signer's.
func (p Policy) IgnoresTlog(signer Signer) bool {
	return p.InsecureIgnoreTlog || signer.InsecureIgnoreTlog
}

// IgnoresSCT says whether signer's certificates are accepted without a
// signed certificate timestamp: the policy's choice or the signer's.
func (p Policy) IgnoresSCT(signer Signer) bool {
	return p.InsecureIgnoreSCT || signer.InsecureIgnoreSCT
}

// AttestationRule requires an attestation of one predicate type.
type AttestationRule struct {
	// PredicateType is the attestation's predicate type URI, exactly.
	PredicateType string
	// Signers accept its signature; empty means the policy's signers.
	Signers []Signer
	// Threshold is how many distinct accepted signers must have signed an
	// attestation of this type. Default: the policy's threshold.
	Threshold int
}

// Accepted returns the signers accepted for the rule's attestations.
func (r AttestationRule) Accepted(p Policy) []Signer {
	if len(r.Signers) > 0 {
		return r.Signers
	}
	return p.Signers
}

// Required returns how many distinct accepted signers must have signed an
// attestation of the rule's type: its own threshold, else the policy's.
func (r AttestationRule) Required(p Policy) int {
	if r.Threshold > 0 {
		return r.Threshold
	}
	return p.Required()
}

// KeySigner returns a signer for a PEM public key; name appears in reports.
func KeySigner(name string, pemData []byte) (Signer, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(pemData)
	if err != nil {
		return Signer{}, fmt.Errorf("key %s: expected a PEM public key: %w", name, err)
	}
	if err := CheckKey(pub); err != nil {
		return Signer{}, fmt.Errorf("key %s: %w", name, err)
	}
	return Signer{Name: name, PublicKey: pub}, nil
}

// Validate checks that the policy can be satisfied at all.
func (p Policy) Validate() error {
	if len(p.Signers) == 0 {
		return ErrEmpty
	}
	for i, s := range p.Signers {
		if err := s.validate(); err != nil {
			return fmt.Errorf("policy: signer %d (%s): %w", i+1, s.Name, err)
		}
	}
	if err := distinct(p.Signers); err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	for _, a := range p.Attestations {
		if a.PredicateType == "" {
			return errors.New("policy: an attestation rule needs a predicateType")
		}
		for i, s := range a.Signers {
			if err := s.validate(); err != nil {
				return fmt.Errorf("policy: attestation %s: signer %d (%s): %w", a.PredicateType, i+1, s.Name, err)
			}
		}
		if err := distinct(a.Signers); err != nil {
			return fmt.Errorf("policy: attestation %s: %w", a.PredicateType, err)
		}
		if n := len(a.Accepted(p)); a.Threshold < 0 || a.Required(p) > n {
			return fmt.Errorf("policy: attestation %s: threshold %d: expected 1 to %d (the number of its signers); give the attestation its own threshold", a.PredicateType, a.Required(p), n)
		}
	}
	if p.Threshold < 0 || p.Threshold > len(p.Signers) {
		return fmt.Errorf("policy: threshold %d: expected 1 to %d (the number of signers)", p.Threshold, len(p.Signers))
	}
	return nil
}

func (s Signer) validate() error {
	switch {
	case s.PublicKey != nil && s.Identity != nil:
		return errors.New("expected a key or an identity, found both")
	case s.PublicKey != nil:
		return nil
	case s.Identity != nil:
		return s.Identity.validate()
	}
	return errors.New("expected a key or an identity, found neither")
}

// Required returns the threshold, defaulting to 1.
func (p Policy) Required() int {
	if p.Threshold <= 0 {
		return 1
	}
	return p.Threshold
}

// CheckKey refuses keys of algorithms or sizes airlock does not accept:
// ECDSA P-256 and P-384, Ed25519, and RSA of 2048, 3072 or 4096 bits are
// accepted.
func CheckKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return fmt.Errorf("expected an ECDSA key on P-256 or P-384, found %s", k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits != 2048 && bits != 3072 && bits != 4096 {
			return fmt.Errorf("expected an RSA key of 2048, 3072 or 4096 bits, found %d", bits)
		}
	case ed25519.PublicKey:
	default:
		return fmt.Errorf("expected an ECDSA, Ed25519 or RSA key, found %T", pub)
	}
	return nil
}

// KeyID is the identifier cosign and sigstore-go write into a bundle signed
// with a key (its public key hint): base64 of the SHA-256 of the PKIX public key.
func KeyID(pub crypto.PublicKey) (string, error) {
	sum, err := keySum(pub)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sum), nil
}

// Fingerprint names a public key as `airlock key fingerprint` prints it
// and reports name key signers: sha256:<hex> of its DER-encoded
// SubjectPublicKeyInfo (the key ID, in hex).
func Fingerprint(pub crypto.PublicKey) (string, error) {
	sum, err := keySum(pub)
	if err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(sum), nil
}

// FingerprintPEM is the [Fingerprint] of a PEM public key; a private key
// is refused.
func FingerprintPEM(data []byte) (string, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(data)
	if err != nil {
		return "", fmt.Errorf("expected a PEM public key: %w", err)
	}
	return Fingerprint(pub)
}

// FingerprintOfKeyID turns a key ID (base64 of the sha256, a bundle's key
// hint) into a fingerprint; "" when it is not one.
func FingerprintOfKeyID(id string) string {
	sum, err := base64.StdEncoding.DecodeString(id)
	if err != nil || len(sum) != sha256.Size {
		return ""
	}
	return "sha256:" + hex.EncodeToString(sum)
}

func keySum(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return sum[:], nil
}

// distinct refuses a key or an identity listed twice: thresholds count
// distinct signers, and one signer listed twice (say, with different
// insecure choices) would count twice.
func distinct(signers []Signer) error {
	seen := map[string]int{}
	for i, s := range signers {
		id := "identity " + s.Name
		if s.Identity != nil {
			id = "identity " + s.Identity.String()
		}
		if s.PublicKey != nil {
			k, err := KeyID(s.PublicKey)
			if err != nil {
				return err
			}
			id = "key " + k
		}
		if j, dup := seen[id]; dup {
			return fmt.Errorf("signers %d and %d are the same %s: list each signer once", j+1, i+1, id)
		}
		seen[id] = i
	}
	return nil
}
