// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package verify

import (
	"errors"
	"fmt"
	"strings"
)

// Reason is a stable code for why verification failed. It appears in JSON
// results and picks the exit code; its spelling never changes.
type Reason string

// Reasons for a verification failure.
const (
	// ReasonNoSignature: the package carries no signature at all.
	ReasonNoSignature Reason = "NO_SIGNATURE"
	// ReasonSignatureInvalid: signatures are present but none verifies under the policy.
	ReasonSignatureInvalid Reason = "SIGNATURE_INVALID"
	// ReasonKeyMismatch: signatures are present, made with keys the policy does not accept.
	ReasonKeyMismatch Reason = "KEY_MISMATCH"
	// ReasonSubjectMismatch: a signature is about another digest than the package root.
	ReasonSubjectMismatch Reason = "SUBJECT_MISMATCH"
	// ReasonThreshold: fewer distinct accepted signers than the policy's threshold.
	ReasonThreshold Reason = "THRESHOLD_NOT_MET"
	// ReasonDigestMismatch: content does not hash to the digest that names it.
	ReasonDigestMismatch Reason = "DIGEST_MISMATCH"
	// ReasonMissingBlob: a descriptor names content the package does not hold.
	ReasonMissingBlob Reason = "MISSING_BLOB"
	// ReasonMalformedPackage: the package is not a well-formed airlock package.
	ReasonMalformedPackage Reason = "MALFORMED_PACKAGE"
	// ReasonSignerMismatch: signatures are present, made by a kind of signer the policy does not accept.
	ReasonSignerMismatch Reason = "SIGNER_MISMATCH"
	// ReasonIdentityMismatch: a certificate's identity, issuer or claims are not the ones the policy accepts.
	ReasonIdentityMismatch Reason = "IDENTITY_MISMATCH"
	// ReasonTlogMissing: a signature carries no transparency-log entry and the policy requires one.
	ReasonTlogMissing Reason = "TLOG_MISSING"
	// ReasonTlogUnverifiable: a signature's log entry cannot be checked: no trusted log for it.
	ReasonTlogUnverifiable Reason = "TLOG_UNVERIFIABLE"
	// ReasonPredicateMissing: a required attestation is absent.
	ReasonPredicateMissing Reason = "PREDICATE_MISSING"
	// ReasonPredicateUnsigned: a required attestation is present but unsigned.
	ReasonPredicateUnsigned Reason = "PREDICATE_UNSIGNED"
	// ReasonPredicateSignerMismatch: a required attestation is signed, but by no accepted signer.
	ReasonPredicateSignerMismatch Reason = "PREDICATE_SIGNER_MISMATCH"
	// ReasonPredicateSubjectMismatch: a required attestation is about another subject.
	ReasonPredicateSubjectMismatch Reason = "PREDICATE_SUBJECT_MISMATCH"
	// ReasonImageUnverified: an image carries no publisher's policy and the verifier requires one.
	ReasonImageUnverified Reason = "IMAGE_UNVERIFIED"
	// ReasonTagMoved: a tag named another digest at the end of a pull than at its start.
	ReasonTagMoved Reason = "TAG_MOVED"
	// ReasonMalformedBundle: a signature bundle cannot be parsed.
	ReasonMalformedBundle Reason = "MALFORMED_BUNDLE"
	// ReasonNameMismatch: the signed package's name is not the one expected.
	ReasonNameMismatch Reason = "NAME_MISMATCH"
	// ReasonVersionMismatch: the signed package's version is not the one
	// expected, is below the minimum, or is not what the tag it was fetched
	// by names (a rollback or substitution).
	ReasonVersionMismatch Reason = "VERSION_MISMATCH"
	// ReasonDeploymentChanged: an object a deployment record names no
	// longer carries the images the record says it was deployed with, or
	// is gone.
	ReasonDeploymentChanged Reason = "DEPLOYMENT_CHANGED"
)

// Failure is a verification failure: the artifact is not trustworthy under
// the policy. It is distinct from errors that mean "could not verify"
// (unreadable files, bad flags, network), which are plain errors.
type Failure struct {
	// Reason is the stable code.
	Reason Reason
	// Message says what was expected and what was found.
	Message string
	// Err is the underlying cause, if any.
	Err error
}

// Error says the reason, what was expected and what was found.
func (f *Failure) Error() string {
	return fmt.Sprintf("verification failed: %s: %s", f.Reason, f.Detail())
}

// Detail is the message with its cause, if any: what a report shows.
func (f *Failure) Detail() string {
	if f.Err != nil && !strings.Contains(f.Message, f.Err.Error()) {
		return f.Message + ": " + f.Err.Error()
	}
	return f.Message
}

// Unwrap returns the underlying cause.
func (f *Failure) Unwrap() error { return f.Err }

// Fail returns a *Failure with a formatted message.
func Fail(reason Reason, format string, args ...any) *Failure {
	return &Failure{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// AsFailure returns the *Failure in err's chain, if there is one.
func AsFailure(err error) (*Failure, bool) {
	var f *Failure
	ok := errors.As(err, &f)
	return f, ok
}
