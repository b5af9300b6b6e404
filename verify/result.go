// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package verify

import "encoding/json"

// ResultAPIVersion versions the JSON form of [Result]. Fields are only ever
// added within a version.
const ResultAPIVersion = "airlock.dev/verify/v1alpha1"

// Result is the outcome of verifying a package, in a form meant for machines
// (`airlock verify --format json`) as well as for the human report.
type Result struct {
	// APIVersion is [ResultAPIVersion].
	APIVersion string `json:"apiVersion"`
	// Verified is true only when every check passed.
	Verified bool `json:"verified"`
	// Target is what was verified, as the user named it.
	Target string `json:"target"`
	// Package names the package.
	Package PackageInfo `json:"package"`
	// Checks lists every check in the order it ran, including those skipped.
	Checks []Check `json:"checks"`
	// Signatures lists every signature found and what became of it.
	Signatures []SignatureResult `json:"signatures"`
	// Attestations lists every signed attestation found and what became of it.
	Attestations []AttestationResult `json:"attestations"`
	// Images lists every image the package carries and what became of it.
	Images []ImageResult `json:"images"`
	// Failure is set when Verified is false because the package is not
	// trustworthy under the policy.
	Failure *FailureInfo `json:"failure,omitempty"`
	// Policy is the policy applied, in its canonical form, and that form's
	// digest: what a verification record names.
	Policy *PolicyInfo `json:"policy,omitempty"`
	// Records are the signed verification summaries made of this
	// verification (only once it passed).
	Records []RecordInfo `json:"records,omitempty"`
}

// PolicyInfo is the policy a verification applied.
type PolicyInfo struct {
	// Digest is the sha256 of Canonical.
	Digest string `json:"digest"`
	// Canonical is the policy's canonical JSON form (RFC 8785).
	Canonical json.RawMessage `json:"canonical"`
}

// RecordInfo is one signed verification summary.
type RecordInfo struct {
	// Subject is the digest of what it is about (a package root, an image).
	Subject string `json:"subject"`
	// Bundle is the digest of the Sigstore bundle holding it.
	Bundle string `json:"bundle"`
	// Location is where it was written: a file, or a referrer's reference.
	Location string `json:"location"`
}

// PackageInfo names a package.
type PackageInfo struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	// Format is "zarf" for a Zarf package ("" for an airlock package), and
	// Architecture its architecture.
	Format       string `json:"format,omitempty"`
	Architecture string `json:"architecture,omitempty"`
	// Digest is the package root's digest, what signatures are about.
	Digest string `json:"digest,omitempty"`
}

// Check statuses.
const (
	StatusPassed  = "passed"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
)

// Check is one step of a verification.
type Check struct {
	// Name is stable: "layout", "blobs", "signature", ...
	Name string `json:"name"`
	// Status is "passed", "failed" or "skipped".
	Status string `json:"status"`
	// Detail says what was checked or why not.
	Detail string `json:"detail,omitempty"`
}

// SignatureResult is what became of one signature.
type SignatureResult struct {
	// Source is where the signature was found.
	Source string `json:"source"`
	// Verified is true when the signature verified for an accepted signer.
	Verified bool `json:"verified"`
	// Signer names the accepted signer it verified for; KeyFingerprint is a
	// key signer's fingerprint (sha256:<hex> of its DER public key).
	Signer         string `json:"signer,omitempty"`
	KeyFingerprint string `json:"keyFingerprint,omitempty"`
	// Identity and Issuer are the verified certificate's subject and OIDC issuer (keyless).
	Identity string `json:"identity,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	// TransparencyLog says whether a log entry was present and checked.
	TransparencyLog string `json:"transparencyLog,omitempty"`
	// Timestamp says whether a signed timestamp was present and checked.
	Timestamp string `json:"timestamp,omitempty"`
	// Reason and Error say why the signature did not verify.
	Reason Reason `json:"reason,omitempty"`
	Error  string `json:"error,omitempty"`
}

func (r SignatureResult) fail(reason Reason, msg string) SignatureResult {
	r.Verified, r.Reason, r.Error = false, reason, msg
	return r
}

// FailureInfo is a [Failure] in JSON.
type FailureInfo struct {
	// Reason is the failure's reason code; empty when the package could not
	// be verified at all (exit 1) rather than failed verification.
	Reason  Reason `json:"reason,omitempty"`
	Message string `json:"message"`
}

// AddCheck appends a check.
func (r *Result) AddCheck(name, status, detail string) {
	r.Checks = append(r.Checks, Check{Name: name, Status: status, Detail: detail})
}

// ImageResult is what became of one image the package carries.
type ImageResult struct {
	// Ref is the reference the image was pulled from; Digest its digest.
	Ref    string `json:"ref"`
	Digest string `json:"digest"`
	// Verified is true when its publisher's signature (and required
	// attestations) verified against the recorded policy.
	Verified bool `json:"verified"`
	// Signer names who signed it.
	Signer string `json:"signer,omitempty"`
	// Note says why an image was not verified, such as "not verified upstream".
	Note string `json:"note,omitempty"`
	// Signatures and Attestations are what was found for it.
	Signatures   []SignatureResult   `json:"signatures,omitempty"`
	Attestations []AttestationResult `json:"attestations,omitempty"`
}
