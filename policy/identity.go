// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package policy

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
)

// Match matches one certificate value: exactly, or by a regular expression
// that must match the whole value. cosign leaves its regular expressions
// unanchored, and "https://github.com/org/" then also matches
// "https://github.com/org/../evil"; airlock anchors them.
type Match struct {
	// Exact is the value expected, or "".
	Exact string
	// Regexp is a regular expression the whole value must match, or "".
	Regexp string
}

// IsZero reports whether the match is unset.
func (m Match) IsZero() bool { return m.Exact == "" && m.Regexp == "" }

// Anchored returns the regular expression anchored to the whole value.
func (m Match) Anchored() string {
	if m.Regexp == "" {
		return ""
	}
	return `^(?:` + m.Regexp + `)$`
}

// String says what the match expects, for reports.
func (m Match) String() string {
	if m.Regexp != "" {
		return "matching " + m.Anchored()
	}
	return fmt.Sprintf("%q", m.Exact)
}

// Matches reports whether v satisfies the match. An unset match accepts anything.
func (m Match) Matches(v string) bool {
	if m.Regexp != "" {
		re, err := regexp.Compile(m.Anchored())
		return err == nil && re.MatchString(v)
	}
	return m.Exact == "" || m.Exact == v
}

func (m Match) validate(what string) error {
	if m.Exact != "" && m.Regexp != "" {
		return fmt.Errorf("%s: expected a value or a regular expression, found both", what)
	}
	if m.Regexp != "" {
		if _, err := regexp.Compile(m.Anchored()); err != nil {
			return fmt.Errorf("%s: regular expression %q: %v", what, m.Regexp, err)
		}
	}
	return nil
}

// Claim names a Fulcio certificate extension a policy can require.
type Claim string

// Claims of Fulcio certificates (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
const (
	ClaimGitHubWorkflowTrigger    Claim = "githubWorkflowTrigger"
	ClaimGitHubWorkflowSHA        Claim = "githubWorkflowSha"
	ClaimGitHubWorkflowName       Claim = "githubWorkflowName"
	ClaimGitHubWorkflowRepository Claim = "githubWorkflowRepository"
	ClaimGitHubWorkflowRef        Claim = "githubWorkflowRef"
	ClaimSourceRepository         Claim = "sourceRepository"
	ClaimSourceRepositoryRef      Claim = "sourceRepositoryRef"
	ClaimSourceRepositoryDigest   Claim = "sourceRepositoryDigest"
	ClaimBuildSignerURI           Claim = "buildSignerUri"
	ClaimRunnerEnvironment        Claim = "runnerEnvironment"
)

// Claims lists every claim a policy may name, in a stable order.
var Claims = []Claim{
	ClaimGitHubWorkflowTrigger, ClaimGitHubWorkflowSHA, ClaimGitHubWorkflowName, ClaimGitHubWorkflowRepository,
	ClaimGitHubWorkflowRef, ClaimSourceRepository, ClaimSourceRepositoryRef, ClaimSourceRepositoryDigest,
	ClaimBuildSignerURI, ClaimRunnerEnvironment,
}

// Identity is a keyless signer: the certificate's subject (its SAN, such as
// an email or a workflow URI), the OIDC issuer, and optional claims.
type Identity struct {
	// Subject matches the certificate's subject alternative name. Required.
	Subject Match
	// Issuer matches the OIDC issuer. Required.
	Issuer Match
	// Claims match certificate extensions.
	Claims map[Claim]Match
}

// ErrIdentity marks an identity that names a subject without an issuer, or the reverse.
var ErrIdentity = errors.New("an identity needs both a certificate identity and an OIDC issuer")

func (id *Identity) validate() error {
	if id.Subject.IsZero() || id.Issuer.IsZero() {
		return ErrIdentity
	}
	if err := id.Subject.validate("certificate identity"); err != nil {
		return err
	}
	if err := id.Issuer.validate("certificate OIDC issuer"); err != nil {
		return err
	}
	for _, c := range id.claimNames() {
		if err := id.Claims[c].validate(string(c)); err != nil {
			return err
		}
	}
	return nil
}

func (id *Identity) claimNames() []Claim {
	names := make([]Claim, 0, len(id.Claims))
	for c := range id.Claims {
		names = append(names, c)
	}
	sort.Slice(names, func(i, j int) bool { return names[i] < names[j] })
	return names
}

// String names the identity for reports.
func (id *Identity) String() string {
	s := "identity " + id.Subject.String() + " from issuer " + id.Issuer.String()
	for _, c := range id.claimNames() {
		s += fmt.Sprintf(", %s %s", c, id.Claims[c])
	}
	return s
}
