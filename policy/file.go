// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package policy

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/internal/yamlfile"
)

// FileAPIVersion and FileKind head a policy file.
const (
	FileAPIVersion = "airlock.dev/v1alpha1"
	FileKind       = "Policy"
)

// MaxFileSize bounds a policy file.
const MaxFileSize = 1 << 20

// ErrInvalidFile is wrapped by every error that rejects a policy file.
var ErrInvalidFile = errors.New("invalid policy")

// File is a policy file (YAML); docs/policy.md describes it.
type File struct {
	APIVersion   string            `yaml:"apiVersion"`
	Kind         string            `yaml:"kind"`
	Threshold    int               `yaml:"threshold,omitempty"`
	Signers      []SignerSpec      `yaml:"signers"`
	Attestations []AttestationSpec `yaml:"attestations,omitempty"`
}

// SignerSpec is one accepted signer as a policy file or an image's verify:
// block spells it: a key file, or an identity with optional claims.
type SignerSpec struct {
	Key                            string `yaml:"key,omitempty"`
	CertificateIdentity            string `yaml:"certificateIdentity,omitempty"`
	CertificateIdentityRegexp      string `yaml:"certificateIdentityRegexp,omitempty"`
	CertificateOidcIssuer          string `yaml:"certificateOidcIssuer,omitempty"`
	CertificateOidcIssuerRegexp    string `yaml:"certificateOidcIssuerRegexp,omitempty"`
	GithubWorkflowTrigger          string `yaml:"githubWorkflowTrigger,omitempty"`
	GithubWorkflowTriggerRegexp    string `yaml:"githubWorkflowTriggerRegexp,omitempty"`
	GithubWorkflowSha              string `yaml:"githubWorkflowSha,omitempty"`
	GithubWorkflowShaRegexp        string `yaml:"githubWorkflowShaRegexp,omitempty"`
	GithubWorkflowName             string `yaml:"githubWorkflowName,omitempty"`
	GithubWorkflowNameRegexp       string `yaml:"githubWorkflowNameRegexp,omitempty"`
	GithubWorkflowRepository       string `yaml:"githubWorkflowRepository,omitempty"`
	GithubWorkflowRepositoryRegexp string `yaml:"githubWorkflowRepositoryRegexp,omitempty"`
	GithubWorkflowRef              string `yaml:"githubWorkflowRef,omitempty"`
	GithubWorkflowRefRegexp        string `yaml:"githubWorkflowRefRegexp,omitempty"`
	SourceRepository               string `yaml:"sourceRepository,omitempty"`
	SourceRepositoryRegexp         string `yaml:"sourceRepositoryRegexp,omitempty"`
	SourceRepositoryRef            string `yaml:"sourceRepositoryRef,omitempty"`
	SourceRepositoryRefRegexp      string `yaml:"sourceRepositoryRefRegexp,omitempty"`
	SourceRepositoryDigest         string `yaml:"sourceRepositoryDigest,omitempty"`
	SourceRepositoryDigestRegexp   string `yaml:"sourceRepositoryDigestRegexp,omitempty"`
	BuildSignerURI                 string `yaml:"buildSignerUri,omitempty"`
	BuildSignerURIRegexp           string `yaml:"buildSignerUriRegexp,omitempty"`
	RunnerEnvironment              string `yaml:"runnerEnvironment,omitempty"`
	RunnerEnvironmentRegexp        string `yaml:"runnerEnvironmentRegexp,omitempty"`
}

// AttestationSpec requires an attestation in a policy file.
type AttestationSpec struct {
	PredicateType string       `yaml:"predicateType"`
	Signers       []SignerSpec `yaml:"signers,omitempty"`
}

// claims pairs each claim with its fields in a SignerSpec.
func (s *SignerSpec) claims() map[Claim]Match {
	return map[Claim]Match{
		ClaimGitHubWorkflowTrigger:    {s.GithubWorkflowTrigger, s.GithubWorkflowTriggerRegexp},
		ClaimGitHubWorkflowSHA:        {s.GithubWorkflowSha, s.GithubWorkflowShaRegexp},
		ClaimGitHubWorkflowName:       {s.GithubWorkflowName, s.GithubWorkflowNameRegexp},
		ClaimGitHubWorkflowRepository: {s.GithubWorkflowRepository, s.GithubWorkflowRepositoryRegexp},
		ClaimGitHubWorkflowRef:        {s.GithubWorkflowRef, s.GithubWorkflowRefRegexp},
		ClaimSourceRepository:         {s.SourceRepository, s.SourceRepositoryRegexp},
		ClaimSourceRepositoryRef:      {s.SourceRepositoryRef, s.SourceRepositoryRefRegexp},
		ClaimSourceRepositoryDigest:   {s.SourceRepositoryDigest, s.SourceRepositoryDigestRegexp},
		ClaimBuildSignerURI:           {s.BuildSignerURI, s.BuildSignerURIRegexp},
		ClaimRunnerEnvironment:        {s.RunnerEnvironment, s.RunnerEnvironmentRegexp},
	}
}

// Signer turns a spec into a Signer; key paths are relative to dir.
func (s *SignerSpec) Signer(dir string) (Signer, error) {
	id := &Identity{
		Subject: Match{s.CertificateIdentity, s.CertificateIdentityRegexp},
		Issuer:  Match{s.CertificateOidcIssuer, s.CertificateOidcIssuerRegexp},
		Claims:  map[Claim]Match{},
	}
	for c, m := range s.claims() {
		if !m.IsZero() {
			id.Claims[c] = m
		}
	}
	hasIdentity := !id.Subject.IsZero() || !id.Issuer.IsZero() || len(id.Claims) > 0
	switch {
	case s.Key != "" && hasIdentity:
		return Signer{}, errors.New("expected a key or an identity, found both")
	case s.Key != "":
		path := s.Key
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		data, err := limited.ReadFile(path, MaxFileSize)
		if err != nil {
			return Signer{}, err
		}
		return KeySigner(s.Key, data)
	case !hasIdentity:
		return Signer{}, errors.New("expected a key or an identity, found neither")
	}
	if err := id.validate(); err != nil {
		return Signer{}, err
	}
	return Signer{Name: id.String(), Identity: id}, nil
}

// LoadFile reads a policy file. Key paths in it are relative to its folder.
// Errors name the file, the line and the field.
func LoadFile(path string) (Policy, error) {
	data, err := limited.ReadFile(path, MaxFileSize)
	if err != nil {
		return Policy{}, fmt.Errorf("read policy: %w", err)
	}
	var f File
	if err := yamlfile.Decode(path, data, &f, ErrInvalidFile); err != nil {
		return Policy{}, err
	}
	p, err := f.policy(filepath.Dir(path))
	if err != nil {
		return Policy{}, yamlfile.Locate(path, data, err, ErrInvalidFile)
	}
	return p, nil
}

func (f *File) policy(dir string) (Policy, error) {
	if f.APIVersion != FileAPIVersion {
		return Policy{}, yamlfile.Field("$.apiVersion", "expected %q, found %q", FileAPIVersion, f.APIVersion)
	}
	if f.Kind != FileKind {
		return Policy{}, yamlfile.Field("$.kind", "expected %q, found %q", FileKind, f.Kind)
	}
	p := Policy{Threshold: f.Threshold}
	list, err := signerList(dir, f.Signers, "$.signers")
	if err != nil {
		return Policy{}, err
	}
	p.Signers = list
	if len(p.Signers) == 0 {
		return Policy{}, yamlfile.Field("$.signers", "expected at least one signer, found none")
	}
	for i, a := range f.Attestations {
		at := fmt.Sprintf("$.attestations[%d]", i)
		if a.PredicateType == "" {
			return Policy{}, yamlfile.Field(at+".predicateType", "expected a predicate type URI, found none")
		}
		s, err := signerList(dir, a.Signers, at+".signers")
		if err != nil {
			return Policy{}, err
		}
		p.Attestations = append(p.Attestations, AttestationRule{PredicateType: a.PredicateType, Signers: s})
	}
	if f.Threshold < 0 || f.Threshold > len(p.Signers) {
		return Policy{}, yamlfile.Field("$.threshold", "expected 1 to %d (the number of signers), found %d", len(p.Signers), f.Threshold)
	}
	return p, nil
}

func signerList(dir string, specs []SignerSpec, at string) ([]Signer, error) {
	var out []Signer
	for i := range specs {
		s, err := specs[i].Signer(dir)
		if err != nil {
			return nil, yamlfile.Field(fmt.Sprintf("%s[%d]", at, i), "%v", err)
		}
		out = append(out, s)
	}
	return out, nil
}
