// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package verify

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/spec"
)

// Artifact is what a bundle is about: a digest, or content to hash.
type Artifact struct {
	// Digest is the artifact's digest.
	Digest digest.Digest
	// Open returns the artifact's content from its start, for signatures that
	// need the content itself (pure Ed25519 message signatures). Optional; the
	// verifier closes what it returns.
	Open func() (io.ReadCloser, error)
}

// DigestArtifact is an artifact known by its digest only.
func DigestArtifact(d digest.Digest) (Artifact, error) {
	if _, err := hexBytes(d); err != nil {
		return Artifact{}, fmt.Errorf("artifact digest %q: %w", d, err)
	}
	return Artifact{Digest: d}, nil
}

// option returns the sigstore-go artifact option and what to close after.
func (a Artifact) option() (sgverify.ArtifactPolicyOption, io.Closer, error) {
	if a.Open != nil {
		r, err := a.Open()
		if err != nil {
			return nil, nil, err
		}
		return sgverify.WithArtifact(r), r, nil
	}
	raw, err := hexBytes(a.Digest)
	if err != nil {
		return nil, nil, err
	}
	return sgverify.WithArtifactDigest(a.Digest.Algorithm().String(), raw), io.NopCloser(nil), nil
}

// Bundle verifies a detached bundle about artifact against the policy, as
// `airlock verify --bundle` does: any statement type is accepted, and for an
// in-toto statement the artifact must be one of its subjects.
func (v *Verifier) Bundle(source string, data []byte, art Artifact, p policy.Policy) (SignatureResult, error) {
	if err := p.Validate(); err != nil {
		return SignatureResult{}, err
	}
	b, err := parseBundle(data)
	if err != nil {
		return SignatureResult{Source: source}, Fail(ReasonMalformedBundle, "%v", err)
	}
	res := v.bundle(source, b, art, p)
	if !res.Verified {
		return res, worst(fmt.Sprintf("a signature by %s over %s", signerNames(p), art.Digest), []SignatureResult{res})
	}
	return res, nil
}

// parsed is a bundle with what the verifier needs to know before verifying it.
type parsed struct {
	*bundle.Bundle
	predicateType string // "" for a message signature
	hasTlog       bool
	keyHint       string
	hasCert       bool
	origins       []string // checkpoint origins of its log entries
	// about lists what the bundle claims to be about: the statement's
	// subjects, or a message signature's digest (unverified: a mismatch
	// with the artifact is reported as such before any signature is checked).
	about []digest.Digest
	// subjects is how many subjects the statement names (DSSE only).
	subjects int
}

// isAbout reports whether the bundle claims to be about d; a bundle that
// names nothing is left to sigstore-go.
func (p *parsed) isAbout(d digest.Digest) bool {
	if len(p.about) == 0 {
		return true
	}
	for _, a := range p.about {
		if a == d {
			return true
		}
	}
	return false
}

// parseBundle parses a bounded bundle.
func parseBundle(data []byte) (*parsed, error) {
	if len(data) > spec.MaxBundleSize {
		return nil, fmt.Errorf("bundle is %d bytes, more than the %d allowed", len(data), spec.MaxBundleSize)
	}
	if err := precheck(data); err != nil {
		return nil, fmt.Errorf("parse bundle: %w", err)
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(normalize(data)); err != nil {
		return nil, fmt.Errorf("parse bundle: %w", err)
	}
	p := &parsed{Bundle: &b}
	if entries, err := b.TlogEntries(); err == nil && len(entries) > 0 {
		p.hasTlog = true
	}
	if b.Bundle != nil && b.VerificationMaterial != nil {
		for _, e := range b.VerificationMaterial.GetTlogEntries() {
			if env := e.GetInclusionProof().GetCheckpoint().GetEnvelope(); env != "" {
				origin, _, _ := strings.Cut(env, "\n")
				p.origins = append(p.origins, origin)
			}
		}
	}
	if vc, err := b.VerificationContent(); err == nil && vc != nil {
		if pk := vc.PublicKey(); pk != nil {
			p.keyHint = pk.Hint()
		}
		p.hasCert = vc.Certificate() != nil
	}
	if md := b.GetMessageSignature().GetMessageDigest(); md != nil {
		if alg := messageDigestAlgorithms[md.GetAlgorithm().String()]; alg != "" {
			p.about = append(p.about, digest.NewDigestFromBytes(alg, md.GetDigest()))
		}
	}
	env, err := b.Envelope()
	if err != nil || env == nil {
		return p, nil
	}
	if env.PayloadType != spec.MediaTypeInToto {
		return nil, fmt.Errorf("expected DSSE payload type %s, found %s", spec.MediaTypeInToto, env.PayloadType)
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return nil, fmt.Errorf("decode DSSE payload: %w", err)
	}
	var st struct {
		PredicateType string `json:"predicateType"`
		Subject       []struct {
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("parse statement: %w", err)
	}
	p.predicateType = st.PredicateType
	p.subjects = len(st.Subject)
	for _, s := range st.Subject {
		for alg, hex := range s.Digest {
			p.about = append(p.about, digest.NewDigestFromEncoded(digest.Algorithm(alg), hex))
		}
	}
	return p, nil
}

// messageDigestAlgorithms maps the bundle's hash algorithm names to digest's.
var messageDigestAlgorithms = map[string]digest.Algorithm{"SHA2_256": digest.SHA256, "SHA2_384": digest.SHA384, "SHA2_512": digest.SHA512}

// bundle verifies one bundle against each accepted signer in turn.
func (v *Verifier) bundle(source string, b *parsed, art Artifact, p policy.Policy) SignatureResult {
	res := SignatureResult{Source: source}
	if !b.isAbout(art.Digest) {
		return res.fail(ReasonSubjectMismatch, fmt.Sprintf("expected a signature over %s, found one over %s", art.Digest, joinDigests(b.about)))
	}
	var errs []string
	reason := ReasonSignatureInvalid
	for _, signer := range p.Signers {
		if (signer.PublicKey != nil) == b.hasCert {
			continue // a key cannot verify a certificate's signature, nor the reverse
		}
		vr, notes, err := v.verifyOne(b, art, signer, p)
		if err == nil {
			res.Verified, res.Signer = true, signer.Name
			if signer.PublicKey != nil {
				res.KeyFingerprint, _ = policy.Fingerprint(signer.PublicKey)
			}
			res.TransparencyLog, res.Timestamp = notes.tlog, notes.timestamp
			if vr != nil && vr.Signature != nil && vr.Signature.Certificate != nil {
				res.Identity = vr.Signature.Certificate.SubjectAlternativeName
				res.Issuer = vr.Signature.Certificate.Issuer
			}
			return res
		}
		var f *Failure
		var identity *sgverify.ErrNoMatchingCertificateIdentity
		switch {
		case errors.As(err, &f):
			reason = f.Reason
			errs = append(errs, f.Message)
		case errors.As(err, &identity):
			reason = ReasonIdentityMismatch
			errs = append(errs, err.Error())
		default:
			errs = append(errs, err.Error())
		}
	}
	if len(errs) == 0 {
		kind := "a certificate"
		if !b.hasCert {
			kind = "a key (" + hintName(b.keyHint) + ")"
		}
		return res.fail(ReasonSignerMismatch, fmt.Sprintf("expected a signature by %s, found one made with %s", signerNames(p), kind))
	}
	msg := strings.Join(errs, "; ")
	if !b.hasCert && b.keyHint != "" && !knownHint(p, b.keyHint) && reason == ReasonSignatureInvalid {
		reason, msg = ReasonKeyMismatch, fmt.Sprintf("expected a key among %s, found a signature by key %s", signerNames(p), hintName(b.keyHint))
	}
	return res.fail(reason, msg)
}

func joinDigests(ds []digest.Digest) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return strings.Join(out, ", ")
}

// originAware trust material can describe logs by checkpoint origin
// (trust.Material does, for keys cosign's SIGSTORE_REKOR_PUBLIC_KEY names).
type originAware interface {
	ForOrigins(origins []string) root.TrustedMaterial
}

// trustFor returns the verifier's trust material for one bundle.
func (v *Verifier) trustFor(b *parsed) root.TrustedMaterial {
	if oa, ok := v.trust.(originAware); ok {
		return oa.ForOrigins(b.origins)
	}
	return v.trust
}

// notes says what was checked beyond the signature.
type notes struct{ tlog, timestamp string }

// verifyOne verifies b for one signer with every check sigstore-go offers
// that applies, unless the policy loudly turned it off.
func (v *Verifier) verifyOne(b *parsed, art Artifact, signer policy.Signer, p policy.Policy) (*sgverify.VerificationResult, notes, error) {
	n := notes{tlog: "verified", timestamp: "verified"}
	var tm root.TrustedMaterial
	var vopts []sgverify.VerifierOption
	var identity sgverify.PolicyOption
	switch {
	case signer.PublicKey != nil:
		key, err := keyMaterial(signer)
		if err != nil {
			return nil, n, err
		}
		tm = key
		identity = sgverify.WithKey()
		switch {
		case b.hasTlog && v.trust != nil:
			tm = root.TrustedMaterialCollection{v.trustFor(b), key}
			vopts = append(vopts, sgverify.WithTransparencyLog(1), sgverify.WithObserverTimestamps(1))
		case b.hasTlog:
			return nil, n, Fail(ReasonTlogUnverifiable, "expected trust material for the bundle's transparency log, found none")
		case !p.IgnoresTlog(signer):
			return nil, n, Fail(ReasonTlogMissing, "expected a transparency-log entry for the key signature, found none (offline key signatures need Policy.InsecureIgnoreTlog, or insecureIgnoreTlog on the signer in a policy file)")
		default:
			n = notes{tlog: "absent (offline key signature, " + tlogChoice(p, signer) + ")", timestamp: "absent"}
			vopts = append(vopts, sgverify.WithNoObserverTimestamps())
		}
	default:
		if v.trust == nil {
			return nil, n, Fail(ReasonSignatureInvalid, "expected trust material for keyless signatures, found none")
		}
		tm = v.trustFor(b)
		id, err := sgverify.NewShortCertificateIdentity(signer.Identity.Issuer.Exact, signer.Identity.Issuer.Anchored(), signer.Identity.Subject.Exact, signer.Identity.Subject.Anchored())
		if err != nil {
			return nil, n, err
		}
		identity = sgverify.WithCertificateIdentity(id)
		vopts = append(vopts, sgverify.WithObserverTimestamps(1))
		if !p.IgnoresSCT(signer) {
			vopts = append(vopts, sgverify.WithSignedCertificateTimestamps(1))
		}
		if !p.IgnoresTlog(signer) {
			vopts = append(vopts, sgverify.WithTransparencyLog(1))
		} else {
			n.tlog = "not required (" + tlogChoice(p, signer) + ")"
		}
	}
	verifier, err := sgverify.NewVerifier(tm, vopts...)
	if err != nil {
		return nil, n, err
	}
	artOpt, closer, err := art.option()
	if err != nil {
		return nil, n, err
	}
	defer closer.Close()
	vr, err := verifier.Verify(b.Bundle, sgverify.NewPolicy(artOpt, identity))
	if err != nil {
		return nil, n, err
	}
	if signer.Identity != nil {
		if err := checkClaims(signer.Identity, vr); err != nil {
			return nil, n, err
		}
	}
	return vr, n, nil
}

// tlogChoice says whose choice it was not to require a log entry.
func tlogChoice(p policy.Policy, signer policy.Signer) string {
	if p.InsecureIgnoreTlog {
		return "Policy.InsecureIgnoreTlog"
	}
	return "the signer's insecureIgnoreTlog"
}

func keyMaterial(signer policy.Signer) (root.TrustedMaterial, error) {
	sv, err := signature.LoadDefaultVerifier(signer.PublicKey)
	if err != nil {
		return nil, err
	}
	return root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(sv, time.Time{}, time.Time{}), nil
	}), nil
}

// checkClaims checks the identity's claims against the verified certificate.
func checkClaims(id *policy.Identity, vr *sgverify.VerificationResult) error {
	if len(id.Claims) == 0 {
		return nil
	}
	if vr.Signature == nil || vr.Signature.Certificate == nil {
		return Fail(ReasonIdentityMismatch, "expected a certificate with claims, found none")
	}
	ext := vr.Signature.Certificate.Extensions
	for claim, m := range id.Claims {
		value, known := claimValues[claim]
		if !known {
			return Fail(ReasonIdentityMismatch, "expected a known claim, found %q", claim)
		}
		found := value(ext)
		if !m.Matches(found) {
			return Fail(ReasonIdentityMismatch, "expected %s %s, found %q", claim, m, found)
		}
	}
	return nil
}

// claimValues reads each claim a policy can name from a verified certificate.
var claimValues = map[policy.Claim]func(certificate.Extensions) string{
	policy.ClaimGitHubWorkflowTrigger:    func(e certificate.Extensions) string { return e.GithubWorkflowTrigger },
	policy.ClaimGitHubWorkflowSHA:        func(e certificate.Extensions) string { return e.GithubWorkflowSHA },
	policy.ClaimGitHubWorkflowName:       func(e certificate.Extensions) string { return e.GithubWorkflowName },
	policy.ClaimGitHubWorkflowRepository: func(e certificate.Extensions) string { return e.GithubWorkflowRepository },
	policy.ClaimGitHubWorkflowRef:        func(e certificate.Extensions) string { return e.GithubWorkflowRef },
	policy.ClaimSourceRepository:         func(e certificate.Extensions) string { return e.SourceRepositoryURI },
	policy.ClaimSourceRepositoryRef:      func(e certificate.Extensions) string { return e.SourceRepositoryRef },
	policy.ClaimSourceRepositoryDigest:   func(e certificate.Extensions) string { return e.SourceRepositoryDigest },
	policy.ClaimBuildSignerURI:           func(e certificate.Extensions) string { return e.BuildSignerURI },
	policy.ClaimRunnerEnvironment:        func(e certificate.Extensions) string { return e.RunnerEnvironment },
}

func knownHint(p policy.Policy, hint string) bool {
	for _, s := range p.Signers {
		if s.PublicKey == nil {
			continue
		}
		if h, err := policy.KeyID(s.PublicKey); err == nil && h == hint {
			return true
		}
	}
	return false
}

// hintName names a key by its bundle's hint: its fingerprint when the hint
// is a key ID.
func hintName(hint string) string {
	if fp := policy.FingerprintOfKeyID(hint); fp != "" {
		return fp
	}
	return hint
}

// ClaimedSigner says who a bundle claims signed it, without verifying: its
// certificate's subject alternative name, or its key hint. For listings only.
func ClaimedSigner(data []byte) string {
	b, err := parseBundle(data)
	if err != nil {
		return ""
	}
	if vc, err := b.VerificationContent(); err == nil && vc != nil && vc.Certificate() != nil {
		c := vc.Certificate()
		for _, u := range c.URIs {
			return u.String()
		}
		for _, e := range c.EmailAddresses {
			return e
		}
	}
	if fp := policy.FingerprintOfKeyID(b.keyHint); fp != "" {
		return "key " + fp
	}
	return ""
}

// Statement returns the in-toto statement a DSSE bundle carries. Call it only
// on a bundle that verified.
func Statement(data []byte) ([]byte, error) {
	b, err := parseBundle(data)
	if err != nil {
		return nil, err
	}
	env, err := b.Envelope()
	if err != nil || env == nil {
		return nil, fmt.Errorf("expected a DSSE envelope, found none")
	}
	return env.DecodeB64Payload()
}

// ClaimsSignature reports whether data is a bundle that holds cosign's
// signature statement about d alone. Nothing is verified: it is for a
// publisher deciding whether a package carries a signature at all.
func ClaimsSignature(data []byte, d digest.Digest) bool {
	b, err := parseBundle(data)
	return err == nil && b.predicateType == spec.PredicateTypeCosignSign && b.subjects == 1 && b.isAbout(d)
}
