// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package verify

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// rawBundle is the part of a bundle's JSON the pre-checks read.
type rawBundle struct {
	VerificationMaterial struct {
		X509CertificateChain *struct {
			Certificates []struct {
				RawBytes []byte `json:"rawBytes"`
			} `json:"certificates"`
		} `json:"x509CertificateChain"`
		TlogEntries []struct {
			LogIndex json.RawMessage `json:"logIndex"`
		} `json:"tlogEntries"`
	} `json:"verificationMaterial"`
}

// maxChain bounds a bundle's certificate chain: Fulcio's are a leaf and an
// intermediate or two; parsing and checking thousands would cost seconds.
const maxChain = 10

// precheck refuses bundles that sigstore-go v1.3.0 accepts or rejects for
// another reason than the real one, so a failure names its cause (each is a
// Sigstore conformance case): an empty certificate chain, a chain that holds
// a root (self-signed) certificate, and a negative log index.
func precheck(data []byte) error {
	var raw rawBundle
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil // not this check's business: the bundle parser reports it
	}
	if chain := raw.VerificationMaterial.X509CertificateChain; chain != nil {
		if len(chain.Certificates) == 0 {
			return fmt.Errorf("expected a certificate chain with a leaf certificate, found an empty chain")
		}
		if len(chain.Certificates) > maxChain {
			return fmt.Errorf("expected a certificate chain of at most %d certificates, found %d", maxChain, len(chain.Certificates))
		}
		for i, c := range chain.Certificates {
			cert, err := x509.ParseCertificate(c.RawBytes)
			if err != nil {
				return fmt.Errorf("certificate %d of the chain: %w", i, err)
			}
			if bytes.Equal(cert.RawIssuer, cert.RawSubject) && cert.CheckSignatureFrom(cert) == nil {
				return fmt.Errorf("expected a chain without its root, found a root (self-signed) certificate %q at position %d", cert.Subject, i)
			}
		}
	}
	for i, e := range raw.VerificationMaterial.TlogEntries {
		if len(e.LogIndex) == 0 {
			continue
		}
		n, err := strconv.ParseInt(strings.Trim(string(e.LogIndex), `"`), 10, 64)
		if err == nil && n < 0 {
			return fmt.Errorf("transparency-log entry %d: expected a log index of 0 or more, found %d", i, n)
		}
	}
	return nil
}

// normalize removes line breaks inside RFC 3161 timestamps: base64 wrapped
// at 76 columns (as the base64 command writes it) is still the same bytes,
// and rejecting it would hide what the timestamp says (a Sigstore
// conformance case wraps one whose time is outside the certificate's life).
func normalize(data []byte) []byte {
	if !bytes.Contains(data, []byte(`\n`)) {
		return data
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return data
	}
	vm, _ := doc["verificationMaterial"].(map[string]any)
	tvd, _ := vm["timestampVerificationData"].(map[string]any)
	stamps, _ := tvd["rfc3161Timestamps"].([]any)
	changed := false
	for _, s := range stamps {
		ts, _ := s.(map[string]any)
		if v, ok := ts["signedTimestamp"].(string); ok && strings.ContainsAny(v, "\r\n") {
			ts["signedTimestamp"] = strings.NewReplacer("\n", "", "\r", "").Replace(v)
			changed = true
		}
	}
	if !changed {
		return data
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return data
	}
	return out
}
