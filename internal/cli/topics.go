// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import "github.com/spf13/cobra"

// newPolicyTopic is `airlock help policy`: how to say whom to trust.
func newPolicyTopic() *cobra.Command {
	return &cobra.Command{Use: "policy", Short: "Whom verification trusts: flags and policy files (airlock help policy)",
		Long: policyTopic, Annotations: map[string]string{topic: "true"}}
}

// topic marks a help topic: no command runs, its help is its text.
const topic = "topic"

const policyTopic = `Whom verification trusts, said with flags or a policy file (--policy FILE).

Flags (any one signer suffices):
  --key team.pub                      a public key (repeatable)
  --certificate-identity ID           a keyless identity, with --certificate-oidc-issuer URL
  --certificate-identity-regexp RE    identities matching RE (whole value); and ...-issuer-regexp
  --certificate-github-workflow-...   certificate claims each signature must carry (and ...-regexp)
  --predicate-type URI                an attestation required beside the signature (repeatable)
  --insecure-ignore-tlog              accept key signatures without a transparency-log entry
  --expect-name, --expect-version, --min-version   the signed name and version required

A policy file says the same once, for a team:

  apiVersion: airlock.dev/v1alpha1
  kind: Policy
  threshold: 1                  # distinct accepted signers needed (default 1)
  signers:
    - key: keys/team.pub        # relative to this file's folder
      insecureIgnoreTlog: true  # this team signs offline: no log entry to check
    - certificateIdentity: https://github.com/org/app/.github/workflows/release.yml@refs/tags/v1
      certificateOidcIssuer: https://token.actions.githubusercontent.com
      githubWorkflowRepository: org/app
  attestations:
    - predicateType: https://slsa.dev/provenance/v1
      signers: [{key: keys/team.pub, insecureIgnoreTlog: true}]   # default: the policy's signers

insecureIgnoreTlog and insecureIgnoreSct on a signer are --insecure-ignore-tlog and
--insecure-ignore-sct for that signer alone; reports still say what was not checked. Unknown fields
are errors naming the file, line and field.

Reasons (--format json "failure.reason"; exit 3): NO_SIGNATURE, SIGNATURE_INVALID, KEY_MISMATCH,
SIGNER_MISMATCH, IDENTITY_MISMATCH, SUBJECT_MISMATCH, THRESHOLD_NOT_MET, TLOG_MISSING,
TLOG_UNVERIFIABLE, DIGEST_MISMATCH, MISSING_BLOB, MALFORMED_PACKAGE, MALFORMED_BUNDLE, TAG_MOVED,
NAME_MISMATCH, VERSION_MISMATCH, PREDICATE_MISSING, PREDICATE_UNSIGNED, PREDICATE_SIGNER_MISMATCH,
PREDICATE_SUBJECT_MISMATCH, IMAGE_UNVERIFIED. docs/policy.md has the details.`

const trustTopic = `Keyless signatures are checked against trust material, first found of:
  --trusted-root FILE (repeatable: their union is trusted);
  cosign's variables SIGSTORE_ROOT_FILE (Fulcio certificates), SIGSTORE_REKOR_PUBLIC_KEY,
    SIGSTORE_CT_LOG_PUBLIC_KEY_FILE, SIGSTORE_TSA_CERTIFICATE_FILE;
  the TUF store's verified trusted root (--tuf-dir, filled by trust update or trust import);
  the public-good trusted root embedded in airlock.

Across the gap, the TUF store travels as a folder: trust update and trust export on the connected
side, trust import inside, verified offline against the pinned TUF root (--at for the time it was
exported). trust show says which roots are in force, where from, and when they expire. --offline
refuses every network connection, in every command.`
