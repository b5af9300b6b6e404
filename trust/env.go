// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package trust

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/airlock-dev/airlock/internal/limited"
)

// cosign's environment variables naming trust material.
const (
	EnvRootFile       = "SIGSTORE_ROOT_FILE"
	EnvRekorPublicKey = "SIGSTORE_REKOR_PUBLIC_KEY"
	EnvCTLogPublicKey = "SIGSTORE_CT_LOG_PUBLIC_KEY_FILE"
	EnvTSACertificate = "SIGSTORE_TSA_CERTIFICATE_FILE"
)

// maxEnvFile bounds a PEM file an environment variable names.
const maxEnvFile = 1 << 20

// fromEnv builds a trusted root from cosign's variables; nil when none is set.
func fromEnv(lookup func(string) (string, bool)) (*root.TrustedRoot, []crypto.PublicKey, string, error) {
	var set []string
	read := func(name string) ([]byte, error) {
		path, ok := lookup(name)
		if !ok || path == "" {
			return nil, nil
		}
		set = append(set, name)
		data, err := limited.ReadFile(path, maxEnvFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return data, nil
	}
	var cas []root.CertificateAuthority
	var tsas []root.TimestampingAuthority
	ctlogs, tlogs := map[string]*root.TransparencyLog{}, map[string]*root.TransparencyLog{}
	if data, err := read(EnvRootFile); err != nil {
		return nil, nil, "", err
	} else if data != nil {
		ca, err := chain(data, EnvRootFile)
		if err != nil {
			return nil, nil, "", err
		}
		cas = append(cas, &root.FulcioCertificateAuthority{Root: ca.root, Intermediates: ca.intermediates})
	}
	if data, err := read(EnvTSACertificate); err != nil {
		return nil, nil, "", err
	} else if data != nil {
		ca, err := chain(data, EnvTSACertificate)
		if err != nil {
			return nil, nil, "", err
		}
		tsas = append(tsas, &root.SigstoreTimestampingAuthority{Root: ca.root, Intermediates: ca.intermediates[min(1, len(ca.intermediates)):], Leaf: ca.leaf})
	}
	var rekorKeys []crypto.PublicKey
	for name, logs := range map[string]map[string]*root.TransparencyLog{EnvRekorPublicKey: tlogs, EnvCTLogPublicKey: ctlogs} {
		data, err := read(name)
		if err != nil {
			return nil, nil, "", err
		}
		if data == nil {
			continue
		}
		pub, err := addKey(logs, data, name)
		if err != nil {
			return nil, nil, "", err
		}
		if name == EnvRekorPublicKey {
			rekorKeys = append(rekorKeys, pub)
		}
	}
	if len(set) == 0 {
		return nil, nil, "", nil
	}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, cas, ctlogs, tsas, tlogs)
	return tr, rekorKeys, strings.Join(set, ", "), err
}

// pemChain is a certificate chain from a PEM file, leaf first, root last.
type pemChain struct {
	leaf          *x509.Certificate
	intermediates []*x509.Certificate
	root          *x509.Certificate
}

func chain(data []byte, name string) (*pemChain, error) {
	certs, err := cryptoutils.UnmarshalCertificatesFromPEMLimited(data, 10)
	if err != nil || len(certs) == 0 {
		return nil, fmt.Errorf("%s: expected PEM certificates, found none (%v)", name, err)
	}
	c := &pemChain{root: certs[len(certs)-1]}
	if len(certs) > 1 {
		c.leaf = certs[0]
		c.intermediates = certs[:len(certs)-1]
	}
	return c, nil
}

// addKey adds a log's PEM public key, identified as Rekor v1 and CT logs
// identify theirs: by the SHA-256 of the PKIX key.
func addKey(logs map[string]*root.TransparencyLog, data []byte, name string) (crypto.PublicKey, error) {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: expected a PEM public key: %w", name, err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	id := sha256.Sum256(der)
	logs[fmt.Sprintf("%x", id)] = &root.TransparencyLog{
		ID: id[:], PublicKey: pub, HashFunc: crypto.SHA256, SignatureHashFunc: crypto.SHA256,
		ValidityPeriodStart: time.Unix(0, 0),
	}
	return pub, nil
}

// logsFor describes a Rekor key named by SIGSTORE_REKOR_PUBLIC_KEY as the log
// of each checkpoint origin: a Rekor v2 log is identified by its origin and
// key together (the signed-note key hash), and the variable names no origin.
// Trusting the key for any origin is what the variable means; the checkpoint
// signature still has to verify with it.
func logsFor(keys []crypto.PublicKey, origins []string) map[string]*root.TransparencyLog {
	logs := map[string]*root.TransparencyLog{}
	for _, pub := range keys {
		for _, origin := range origins {
			id, err := noteKeyID(origin, pub)
			if err != nil {
				continue
			}
			logs[fmt.Sprintf("%x", id)] = &root.TransparencyLog{
				BaseURL: "https://" + origin, ID: id, PublicKey: pub, HashFunc: crypto.SHA256,
				SignatureHashFunc: signatureHash(pub), ValidityPeriodStart: time.Unix(0, 0),
			}
		}
	}
	return logs
}

// noteKeyID is a signed-note key ID as Rekor v2 computes it
// (rekor-tiles pkg/note): SHA-256 of the PKIX key for ECDSA; for Ed25519,
// SHA-256 of the origin, a newline, the algorithm byte 0x01 and the key.
func noteKeyID(origin string, pub crypto.PublicKey) ([]byte, error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		h := sha256.New()
		h.Write([]byte(origin + "\n"))
		h.Write([]byte{0x01})
		h.Write(k)
		return h.Sum(nil), nil
	case *ecdsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(der)
		return sum[:], nil
	}
	return nil, fmt.Errorf("unsupported Rekor key type %T", pub)
}

func signatureHash(pub crypto.PublicKey) crypto.Hash {
	if _, ok := pub.(ed25519.PublicKey); ok {
		return crypto.Hash(0)
	}
	return crypto.SHA256
}
