// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"net/url"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
)

// recordFlags say whether and how a gate records a verification: a SLSA
// verification summary signed with its key.
type recordFlags struct {
	key, verifierID, out string
}

func (f *recordFlags) register(cmd *cobra.Command, withOut bool) {
	cmd.Flags().StringVar(&f.key, "record-key", "", "once verification passed, sign a SLSA verification summary with this private key (the gate's)")
	cmd.Flags().StringVar(&f.verifierID, "record-verifier-id", "", "the verifier's id in the summary (default: airlock's package URL and version)")
	if withOut {
		cmd.Flags().StringVar(&f.out, "record-out", "", "where to write the summary's bundle (default: ARCHIVE.vsa.sigstore.json; required for oci://)")
	}
}

// options returns the record options, nil without --record-key. The key is
// read (its password asked for) before anything is verified.
func (f *recordFlags) options(cmd *cobra.Command, v verifyFlags, images imageFlags, insecure insecureFlag) (*airlock.RecordOptions, error) {
	if f.key == "" {
		if f.verifierID != "" || f.out != "" {
			return nil, fmt.Errorf("%w: --record-verifier-id and --record-out need --record-key", errUsage)
		}
		return nil, nil
	}
	if insecure.value {
		return nil, fmt.Errorf("%w: --record-key records a verification: it cannot be used with --insecure", errUsage)
	}
	if f.verifierID != "" {
		if u, err := url.Parse(f.verifierID); err != nil || u.Scheme == "" {
			return nil, fmt.Errorf("%w: --record-verifier-id: expected a URI, found %q", errUsage, f.verifierID)
		}
	}
	key, err := loadKey(cmd, f.key)
	if err != nil {
		return nil, err
	}
	rec := &airlock.RecordOptions{Key: key, VerifierID: f.verifierID, PolicyURI: airlock.EnforcedType}
	// The policy file names the policy only when nothing else adds to what
	// is enforced; otherwise the canonical form's digest alone does.
	if v.policy.onlyFile() && v.expect == (expectFlags{}) && images.policyFile == "" && !images.require {
		abs, err := filepath.Abs(v.policy.file)
		if err != nil {
			return nil, err
		}
		rec.PolicyURI = (&url.URL{Scheme: "file", Path: abs}).String()
	}
	return rec, nil
}
