// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package policy

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/sigstore/sigstore/pkg/cryptoutils"

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
	// APIVersion and Kind must be FileAPIVersion and FileKind.
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	// Threshold is how many distinct signers must sign (default 1).
	Threshold int `yaml:"threshold,omitempty"`
	// Signers are the accepted signers.
	Signers []SignerSpec `yaml:"signers"`
	// Attestations are the required attestations.
	Attestations []AttestationSpec `yaml:"attestations,omitempty"`
}

// SignerSpec is one accepted signer as a policy file or an image's verify:
// block spells it: a key file (key), a PEM public key inline (publicKey), or
// an identity with optional claims.
type SignerSpec struct {
	Key                            string `yaml:"key,omitempty" json:"key,omitempty"`
	PublicKey                      string `yaml:"publicKey,omitempty" json:"publicKey,omitempty"`
	CertificateIdentity            string `yaml:"certificateIdentity,omitempty" json:"certificateIdentity,omitempty"`
	CertificateIdentityRegexp      string `yaml:"certificateIdentityRegexp,omitempty" json:"certificateIdentityRegexp,omitempty"`
	CertificateOidcIssuer          string `yaml:"certificateOidcIssuer,omitempty" json:"certificateOidcIssuer,omitempty"`
	CertificateOidcIssuerRegexp    string `yaml:"certificateOidcIssuerRegexp,omitempty" json:"certificateOidcIssuerRegexp,omitempty"`
	GithubWorkflowTrigger          string `yaml:"githubWorkflowTrigger,omitempty" json:"githubWorkflowTrigger,omitempty"`
	GithubWorkflowTriggerRegexp    string `yaml:"githubWorkflowTriggerRegexp,omitempty" json:"githubWorkflowTriggerRegexp,omitempty"`
	GithubWorkflowSha              string `yaml:"githubWorkflowSha,omitempty" json:"githubWorkflowSha,omitempty"`
	GithubWorkflowShaRegexp        string `yaml:"githubWorkflowShaRegexp,omitempty" json:"githubWorkflowShaRegexp,omitempty"`
	GithubWorkflowName             string `yaml:"githubWorkflowName,omitempty" json:"githubWorkflowName,omitempty"`
	GithubWorkflowNameRegexp       string `yaml:"githubWorkflowNameRegexp,omitempty" json:"githubWorkflowNameRegexp,omitempty"`
	GithubWorkflowRepository       string `yaml:"githubWorkflowRepository,omitempty" json:"githubWorkflowRepository,omitempty"`
	GithubWorkflowRepositoryRegexp string `yaml:"githubWorkflowRepositoryRegexp,omitempty" json:"githubWorkflowRepositoryRegexp,omitempty"`
	GithubWorkflowRef              string `yaml:"githubWorkflowRef,omitempty" json:"githubWorkflowRef,omitempty"`
	GithubWorkflowRefRegexp        string `yaml:"githubWorkflowRefRegexp,omitempty" json:"githubWorkflowRefRegexp,omitempty"`
	SourceRepository               string `yaml:"sourceRepository,omitempty" json:"sourceRepository,omitempty"`
	SourceRepositoryRegexp         string `yaml:"sourceRepositoryRegexp,omitempty" json:"sourceRepositoryRegexp,omitempty"`
	SourceRepositoryRef            string `yaml:"sourceRepositoryRef,omitempty" json:"sourceRepositoryRef,omitempty"`
	SourceRepositoryRefRegexp      string `yaml:"sourceRepositoryRefRegexp,omitempty" json:"sourceRepositoryRefRegexp,omitempty"`
	SourceRepositoryDigest         string `yaml:"sourceRepositoryDigest,omitempty" json:"sourceRepositoryDigest,omitempty"`
	SourceRepositoryDigestRegexp   string `yaml:"sourceRepositoryDigestRegexp,omitempty" json:"sourceRepositoryDigestRegexp,omitempty"`
	BuildSignerURI                 string `yaml:"buildSignerUri,omitempty" json:"buildSignerUri,omitempty"`
	BuildSignerURIRegexp           string `yaml:"buildSignerUriRegexp,omitempty" json:"buildSignerUriRegexp,omitempty"`
	RunnerEnvironment              string `yaml:"runnerEnvironment,omitempty" json:"runnerEnvironment,omitempty"`
	RunnerEnvironmentRegexp        string `yaml:"runnerEnvironmentRegexp,omitempty" json:"runnerEnvironmentRegexp,omitempty"`
	// InsecureIgnoreTlog accepts this signer's key signatures without a
	// transparency-log entry (offline signing), as --insecure-ignore-tlog
	// does for every signer; InsecureIgnoreSct its certificates without a
	// signed certificate timestamp. Reports still say what was not checked.
	InsecureIgnoreTlog bool `yaml:"insecureIgnoreTlog,omitempty" json:"insecureIgnoreTlog,omitempty"`
	InsecureIgnoreSct  bool `yaml:"insecureIgnoreSct,omitempty" json:"insecureIgnoreSct,omitempty"`
}

// AttestationSpec requires an attestation in a policy file.
type AttestationSpec struct {
	// PredicateType is the required type, exactly; Signers who may sign it.
	PredicateType string       `yaml:"predicateType"`
	Signers       []SignerSpec `yaml:"signers,omitempty"`
	// Threshold is how many distinct signers must sign it (default: the
	// policy's threshold).
	Threshold int `yaml:"threshold,omitempty"`
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
	out, err := s.signer(dir)
	out.InsecureIgnoreTlog, out.InsecureIgnoreSCT = s.InsecureIgnoreTlog, s.InsecureIgnoreSct
	return out, err
}

func (s *SignerSpec) signer(dir string) (Signer, error) {
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
	case s.PublicKey != "" && (hasIdentity || s.Key != ""):
		return Signer{}, errors.New("expected one of key, publicKey or an identity, found several")
	case s.PublicKey != "":
		return KeySigner("key "+keyIDOf([]byte(s.PublicKey)), []byte(s.PublicKey))
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
	if f.Threshold < 0 || f.Threshold > len(p.Signers) {
		return Policy{}, yamlfile.Field("$.threshold", "expected 1 to %d (the number of signers), found %d", len(p.Signers), f.Threshold)
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
		rule := AttestationRule{PredicateType: a.PredicateType, Signers: s, Threshold: a.Threshold}
		if n := len(rule.Accepted(p)); a.Threshold < 0 || rule.Required(p) > n {
			return Policy{}, yamlfile.Field(at+".threshold", "expected 1 to %d (the number of its signers), found %d", n, rule.Required(p))
		}
		p.Attestations = append(p.Attestations, rule)
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

// keyIDOf names an inline PEM key by its key ID, for reports.
func keyIDOf(pemData []byte) string {
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(pemData)
	if err != nil {
		return "(invalid)"
	}
	id, err := KeyID(pub)
	if err != nil {
		return "(invalid)"
	}
	return id
}

// ImagePolicy is what an image's publisher must have signed: accepted
// signers (any one suffices) and the attestations required beside the
// signature. A package records it, with keys inline, for each image.
type ImagePolicy struct {
	// Signers are the accepted publishers (any one suffices).
	Signers []SignerSpec `yaml:"signers" json:"signers"`
	// PredicateTypes are the attestations required beside the signature;
	// InsecureIgnoreTlog accepts key signatures without a log entry.
	PredicateTypes     []string `yaml:"predicateTypes,omitempty" json:"predicateTypes,omitempty"`
	InsecureIgnoreTlog bool     `yaml:"insecureIgnoreTlog,omitempty" json:"insecureIgnoreTlog,omitempty"`
}

// Policy turns an image policy into a Policy (key paths relative to dir).
// Key signatures need no log entry when ignoreTlog says so, as for packages.
func (ip ImagePolicy) Policy(dir string) (Policy, error) {
	var p Policy
	for i := range ip.Signers {
		s, err := ip.Signers[i].Signer(dir)
		if err != nil {
			return p, fmt.Errorf("image policy: signer %d: %w", i+1, err)
		}
		p.Signers = append(p.Signers, s)
	}
	for _, t := range ip.PredicateTypes {
		p.Attestations = append(p.Attestations, AttestationRule{PredicateType: t})
	}
	p.InsecureIgnoreTlog = ip.InsecureIgnoreTlog
	return p, p.Validate()
}
