// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/airlock-dev/airlock/verify"
)

// versionLike matches a tag that reads as a version: an optional "v" then
// a digit ("1.2.0", "v2", "1.0-rc.1"); "latest" or "stable" do not.
var versionLike = regexp.MustCompile(`^v?[0-9]`)

// validateExpectations refuses a MinVersion that is not a semantic version.
func validateExpectations(o VerifyOptions) error {
	if o.MinVersion != "" && !semver.IsValid(canonical(o.MinVersion)) {
		return fmt.Errorf("minimum version %q: expected a semantic version such as 1.2.0", o.MinVersion)
	}
	return nil
}

// checkExpectations binds what was verified to what was asked for: the
// signed name and version are part of the signed root, so a signed 1.0.0
// served under tag 2.0.0 (or any other package by the same signer) is
// refused. A tag that reads as a version must name the signed version
// (after dropping one leading "v" from each: "1.0" is not "1.0.0"), unless
// ExpectVersion names the signed version, saying the mismatch is intended.
func checkExpectations(info verify.PackageInfo, tag string, o VerifyOptions) error {
	if o.ExpectName != "" && info.Name != o.ExpectName {
		return verify.Fail(verify.ReasonNameMismatch, "expected package %q, found %q signed", o.ExpectName, info.Name)
	}
	if o.ExpectVersion != "" && info.Version != o.ExpectVersion {
		return verify.Fail(verify.ReasonVersionMismatch, "expected version %q, found %q signed", o.ExpectVersion, info.Version)
	}
	if o.MinVersion != "" {
		found := canonical(info.Version)
		if !semver.IsValid(found) {
			return verify.Fail(verify.ReasonVersionMismatch, "expected a semantic version of at least %s, found %q signed (not a semantic version)", o.MinVersion, info.Version)
		}
		if semver.Compare(found, canonical(o.MinVersion)) < 0 {
			return verify.Fail(verify.ReasonVersionMismatch, "expected version %s or later, found %s signed", o.MinVersion, info.Version)
		}
	}
	accepted := o.ExpectVersion != "" && o.ExpectVersion == info.Version
	if tag != "" && versionLike.MatchString(tag) && strings.TrimPrefix(tag, "v") != strings.TrimPrefix(info.Version, "v") && !accepted {
		return verify.Fail(verify.ReasonVersionMismatch, "expected the package tagged %s to be version %s, found version %q signed (a rollback or substitution; pass the expected version to accept it)", tag, strings.TrimPrefix(tag, "v"), info.Version)
	}
	return nil
}

// canonical spells a version as x/mod/semver wants it: with a leading "v".
func canonical(v string) string {
	if strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}
