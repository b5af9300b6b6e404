// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/airlock-dev/airlock/verify"
)

const (
	defaultIdentity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	defaultIssuer   = "https://token.actions.githubusercontent.com"
)

// conformanceDir holds the Sigstore conformance cases the repository
// keeps (testdata/conformance/README.md says where they come from).
var conformanceDir, _ = filepath.Abs(filepath.Join("..", "testdata", "conformance"))

// conformanceCase is one folder of the Sigstore conformance bundle-verify corpus.
type conformanceCase struct {
	name, dir, artifact string
	fail                bool
}

func (c conformanceCase) args(t *testing.T, publicGood string, byDigest bool) []string {
	args := []string{"verify", "--format", "json", "--bundle", filepath.Join(c.dir, "bundle.sigstore.json")}
	root := filepath.Join(c.dir, "trusted_root.json")
	if _, err := os.Stat(root); err != nil {
		root = publicGood
	}
	args = append(args, "--trusted-root", root)
	if _, err := os.Stat(filepath.Join(c.dir, "key.pub")); err == nil {
		args = append(args, "--key", filepath.Join(c.dir, "key.pub"))
	} else {
		args = append(args, "--certificate-identity", readOr(filepath.Join(c.dir, "identity"), defaultIdentity),
			"--certificate-oidc-issuer", readOr(filepath.Join(c.dir, "issuer"), defaultIssuer))
	}
	target := c.artifact
	if byDigest {
		data, err := os.ReadFile(c.artifact)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		target = "sha256:" + hex.EncodeToString(sum[:])
	}
	return append(args, target)
}

func readOr(path, fallback string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fallback
	}
	return strings.TrimSpace(string(data))
}

func conformanceCases(t *testing.T) []conformanceCase {
	base := filepath.Join(conformanceDir, "bundle-verify")
	entries, err := os.ReadDir(base)
	if err != nil {
		t.Fatal(err)
	}
	var cases []conformanceCase
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(base, e.Name())
		artifact := filepath.Join(dir, "artifact")
		if _, err := os.Stat(artifact); err != nil {
			artifact = filepath.Join(base, "a.txt")
		}
		cases = append(cases, conformanceCase{name: e.Name(), dir: dir, artifact: artifact, fail: strings.HasSuffix(e.Name(), "_fail")})
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].name < cases[j].name })
	return cases
}

// TestConformance runs every case of the Sigstore conformance suite's
// bundle-verify corpus through `airlock verify --bundle`, by path and by
// digest. A case that must fail must fail for the reason its README gives:
// expectedFailures records, per case, the words of airlock's error that show
// it failed for that reason.
func TestConformance(t *testing.T) {
	publicGood := filepath.Join(conformanceDir, "public-good", "trusted_root.json")
	cases := conformanceCases(t)
	if len(cases) != 70 {
		t.Fatalf("expected 70 conformance cases, found %d", len(cases))
	}
	for _, c := range cases {
		for _, byDigest := range []bool{false, true} {
			name := c.name + "/path"
			if byDigest {
				name = c.name + "/digest"
			}
			t.Run(name, func(t *testing.T) {
				r := run(t, ".", nil, airlockBin, c.args(t, publicGood, byDigest)...)
				var res verify.Result
				_ = json.Unmarshal([]byte(r.stdout), &res)
				if !c.fail {
					if r.code != 0 {
						t.Fatalf("expected success, exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
					}
					return
				}
				if r.code == 0 {
					t.Fatalf("expected a failure, it verified:\n%s", r.stdout)
				}
				why := r.stderr
				if res.Failure != nil {
					why = string(res.Failure.Reason) + ": " + res.Failure.Message
				}
				want, ok := expectedFailures[c.name]
				if !ok {
					t.Fatalf("no expected reason recorded; it failed with: %s", why)
				}
				if !containsAny(why, strings.Split(want, " | ")) {
					t.Fatalf("failed for another reason than its README gives:\nwant %q\ngot  %s", want, why)
				}
			})
		}
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// expectedFailures says, for each case that must fail, what airlock's error
// must contain: the reason its README gives, in sigstore-go's or airlock's
// words (alternatives separated by " | "). A comment explains a case where the
// check that catches it is the README's cause seen from another side.
var expectedFailures = map[string]string{
	"bundle-empty-certificate-chain_fail":                       "found an empty chain",
	"bundle-from-wrong-instance_fail":                           "not enough verified log entries from transparency log: 0 < 1", // a staging bundle: no trusted log (and no trusted CA) knows its entry
	"bundle-invalid-base64-signature_fail":                      "invalid value for bytes field signature",
	"bundle-malformed-json_fail":                                "unexpected EOF", // protobuf puts a non-breaking space in its messages
	"bundle-negative-log-index_fail":                            "expected a log index of 0 or more, found -1",
	"bundle-unknown-version_fail":                               "unsupported media type: application/vnd.dev.sigstore.bundle+json;version=99.9",
	"bundle-with-root-cert_fail":                                "found a root (self-signed) certificate",
	"checkpoint-bad-keyhint_fail":                               "signature on checkpoint did not verify",
	"checkpoint-wrong-roothash_fail":                            "proof root hash does not match signed tree head",
	"dsse-invalid-sig_fail":                                     "transparency log signature does not match", // the envelope's signature is not the one the log holds
	"dsse-mismatch-envelope_fail":                               "transparency log signature does not match", // the envelope is not the one the entry logged
	"dsse-mismatch-sig_fail":                                    "transparency log signature does not match", // a second valid signature over the same payload: not the logged one
	"inclusion-proof-corrupted-hash_fail":                       "failed to verify log inclusion: calculated root",
	"incorrect-public-key_fail":                                 "invalid signature when validating ASN.1 encoded signature", // the entry's modified key does not verify the entry's signature
	"integrated-time-in-future_fail":                            "integrated time outside certificate validity",
	"intoto-expired-certificate_fail":                           "integrated time outside certificate validity",               // the certificate is valid only in 2030; it was logged in 2023
	"intoto-log-entry-mismatch_fail":                            "entry body is not a recognizable Rekor v1 or Rekor v2 type", // the logged entry does not describe this envelope
	"intoto-missing-inclusion-proof_fail":                       "inclusion proof missing in bundle",
	"intoto-set-outside-signing-cert-validity_fail":             "integrated time outside certificate validity",
	"intoto-tsa-timestamp-outside-cert-validity_fail":           "failed to verify leaf certificate", // the certificate is not valid at the TSA's time
	"invalid-checkpoint-signature_fail":                         "signature on checkpoint did not verify",
	"invalid-ct-key_fail":                                       "failed to verify signed certificate timestamp", // the CT log key in the trust root is wrong
	"invalid-inclusion-proof_fail":                              "inclusion proof missing required checkpoint",   // a v0.1 proof without a checkpoint cannot be checked against a signed tree head, which is how an old proof shows
	"managed-key-no-key_fail":                                   "SIGNER_MISMATCH",                               // a key signature, and the policy names only an identity
	"managed-key-wrong-key_fail":                                "P256 point not on curve",                       // the case's key.pub is itself not a valid key: any client stops at it
	"message-digest-mismatch_fail":                              "SUBJECT_MISMATCH",
	"rekor2-checkpoint-missing-log-signature_fail":              "failed to verify signatures on checkpoint",
	"rekor2-checkpoint-missing-origin_fail":                     "failed to verify signatures on checkpoint",
	"rekor2-checkpoint-missing-root-hash_fail":                  "failed to verify signatures on checkpoint",
	"rekor2-checkpoint-missing-size_fail":                       "failed to verify signatures on checkpoint",
	"rekor2-checkpoint-no-matching-signature_fail":              "failed to verify signatures on checkpoint",
	"rekor2-dsse-invalid-sig_fail":                              "verifying inclusion: calculated root", // Rekor v2 entries commit to the signature: another signature gives another leaf
	"rekor2-dsse-mismatch-envelope_fail":                        "verifying inclusion: calculated root", // the entry hash is rebuilt from the envelope: another envelope, another leaf
	"rekor2-dsse-mismatch-sig_fail":                             "verifying inclusion: calculated root", // the entry hash is rebuilt from the signature: another signature, another leaf
	"rekor2-no-inclusion-proof_fail":                            "inclusion proof missing in bundle",
	"rekor2-no-timestamp_fail":                                  "threshold not met for verified signed & log entry integrated timestamps: 0 < 1",
	"rekor2-timestamp-outside-trust-root-tsa-validity_fail":     "threshold not met for verified signed & log entry integrated timestamps",
	"rekor2-timestamp-outside-tsa-cert-validity_fail":           "threshold not met for verified signed & log entry integrated timestamps",
	"rekor2-timestamp-payload-mismatch_fail":                    "threshold not met for verified signed & log entry integrated timestamps",
	"rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail":    "threshold not met for verified signed & log entry integrated timestamps",
	"rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail": "threshold not met for verified signed & log entry integrated timestamps",
	"rekor2-timestamp-with-incorrect-time_fail":                 "failed to verify leaf certificate",                            // after unwrapping its base64 lines, the timestamp is outside the certificate's life
	"set-invalid-signature_fail":                                "not enough verified log entries from transparency log: 0 < 1", // the SET does not verify, so no trusted entry remains
	"signature-mismatch_fail":                                   "transparency log signature does not match",
	"trust-root-tlog-missing-validity-start_fail":               "tlog missing public key validity", // the trust root itself is refused
	"wrong-hashedrekord-artifact_fail":                          "transparency log signature does not match",
	"wrong-hashedrekord-cert-and-sig_fail":                      "transparency log signature does not match",
	"wrong-hashedrekord-entry_fail":                             "transparency log signature does not match",
	"wrong-material_fail":                                       "failed to verify signature: could not verify message | SUBJECT_MISMATCH", // by path the signature fails over the other file; by digest, the digests differ
}
