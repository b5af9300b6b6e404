// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/trust"
)

// networkFlags say how registries are reached, and whether the network is
// used at all.
type networkFlags struct {
	plainHTTP, skipTLSVerify, offline bool
	caFile, arch                      string
	timeout                           time.Duration
}

func (f *networkFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.plainHTTP, "plain-http", false, "use plain HTTP for every registry (loopback registries always may)")
	cmd.Flags().StringVar(&f.caFile, "registry-ca-file", "", "PEM file of CA certificates to trust for registries, beside the system's")
	cmd.Flags().BoolVar(&f.skipTLSVerify, "insecure-skip-tls-verify", false, "accept any TLS certificate from registries (transport only: signatures are still verified)")
	cmd.Flags().BoolVar(&f.offline, "offline", false, "refuse every network connection: any attempt is an error")
	cmd.Flags().DurationVar(&f.timeout, "timeout", registry.DefaultTimeout, "bound on each registry request (a response must start, and keep moving, within it)")
	cmd.Flags().StringVarP(&f.arch, "architecture", "a", "", "for a published Zarf package: the architecture to read (default: the only one, else this machine's)")
}

func (f *networkFlags) options() registry.Options {
	return registry.Options{PlainHTTP: f.plainHTTP, CAFile: f.caFile, InsecureSkipTLSVerify: f.skipTLSVerify, Offline: f.offline, Timeout: f.timeout, Architecture: f.arch}
}

// insecureFlag is --insecure: it only ever means "skip signing or signature
// verification", never TLS, and it says so loudly when used.
type insecureFlag struct{ value bool }

func (f *insecureFlag) register(cmd *cobra.Command, what string) {
	cmd.Flags().BoolVar(&f.value, "insecure", false, what+" (INSECURE: says so loudly; TLS is governed by --insecure-skip-tls-verify)")
}

// scope is what a report's verdict covers with or without --insecure.
func (f *insecureFlag) scope() scope {
	if f.value {
		return insecurely
	}
	return whole
}

func (f *insecureFlag) warn(w io.Writer, what string) {
	if f.value {
		fmt.Fprintf(w, "WARNING: --insecure: %s. Nothing vouches for this package.\n", what)
	}
}

// policyFlags say whom a verification trusts. Names follow cosign's.
type policyFlags struct {
	keys                     []string
	file                     string
	identity, identityRegexp string
	issuer, issuerRegexp     string
	claims                   map[policy.Claim]*[2]string // exact, regexp
	ignoreTlog, ignoreSCT    bool
	predicateTypes           []string
}

// claimFlags names the flag of each claim (each also has a -regexp twin).
var claimFlags = map[policy.Claim]string{
	policy.ClaimGitHubWorkflowTrigger:    "certificate-github-workflow-trigger",
	policy.ClaimGitHubWorkflowSHA:        "certificate-github-workflow-sha",
	policy.ClaimGitHubWorkflowName:       "certificate-github-workflow-name",
	policy.ClaimGitHubWorkflowRepository: "certificate-github-workflow-repository",
	policy.ClaimGitHubWorkflowRef:        "certificate-github-workflow-ref",
	policy.ClaimSourceRepository:         "certificate-source-repository",
	policy.ClaimSourceRepositoryRef:      "certificate-source-ref",
	policy.ClaimSourceRepositoryDigest:   "certificate-source-digest",
	policy.ClaimBuildSignerURI:           "certificate-build-signer-uri",
	policy.ClaimRunnerEnvironment:        "certificate-runner-environment",
}

func (f *policyFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.keys, "key", nil, "accept signatures by this PEM public key (repeatable)")
	fl.StringVar(&f.file, "policy", "", "policy file (YAML) naming accepted signers, a threshold and required attestations")
	fl.StringVar(&f.identity, "certificate-identity", "", "accept keyless signatures by this identity (certificate SAN)")
	fl.StringVar(&f.identityRegexp, "certificate-identity-regexp", "", "accept identities matching this regular expression (whole value)")
	fl.StringVar(&f.issuer, "certificate-oidc-issuer", "", "the identity's OIDC issuer")
	fl.StringVar(&f.issuerRegexp, "certificate-oidc-issuer-regexp", "", "OIDC issuers matching this regular expression (whole value)")
	f.claims = map[policy.Claim]*[2]string{}
	for _, c := range policy.Claims {
		v := &[2]string{}
		f.claims[c] = v
		fl.StringVar(&v[0], claimFlags[c], "", "require the certificate's "+string(c)+" claim")
		fl.StringVar(&v[1], claimFlags[c]+"-regexp", "", "require the "+string(c)+" claim to match this regular expression (whole value)")
	}
	fl.StringArrayVar(&f.predicateTypes, "predicate-type", nil, "require a signed attestation of this predicate type about the package (repeatable; exact URI)")
	fl.BoolVar(&f.ignoreTlog, "insecure-ignore-tlog", false, "accept signatures without a transparency-log entry (offline key signing)")
	fl.BoolVar(&f.ignoreSCT, "insecure-ignore-sct", false, "accept certificates without a signed certificate timestamp")
}

// policy builds the policy: the file's signers, then the flags'.
// onlyFile reports whether the policy comes from --policy alone, no other
// policy flag adding to it.
func (f *policyFlags) onlyFile() bool {
	extra := len(f.keys) > 0 || f.identity != "" || f.identityRegexp != "" || f.issuer != "" || f.issuerRegexp != "" ||
		len(f.predicateTypes) > 0 || f.ignoreTlog || f.ignoreSCT
	for _, c := range f.claims {
		extra = extra || c[0] != "" || c[1] != ""
	}
	return f.file != "" && !extra
}

func (f *policyFlags) policy() (policy.Policy, error) {
	var p policy.Policy
	if f.file != "" {
		var err error
		if p, err = policy.LoadFile(f.file); err != nil {
			return p, err
		}
	}
	for _, path := range f.keys {
		data, err := limited.ReadFile(path, policy.MaxFileSize)
		if err != nil {
			return p, fmt.Errorf("--key: %w", err)
		}
		s, err := policy.KeySigner(path, data)
		if err != nil {
			return p, fmt.Errorf("--key: %w", err)
		}
		p.Signers = append(p.Signers, s)
	}
	if s, ok, err := f.identitySigner(); err != nil {
		return p, err
	} else if ok {
		p.Signers = append(p.Signers, s)
	}
	for _, t := range f.predicateTypes {
		p.Attestations = append(p.Attestations, policy.AttestationRule{PredicateType: t})
	}
	p.InsecureIgnoreTlog = p.InsecureIgnoreTlog || f.ignoreTlog
	p.InsecureIgnoreSCT = p.InsecureIgnoreSCT || f.ignoreSCT
	return p, p.Validate()
}

// identitySigner builds the keyless signer the identity flags describe.
func (f *policyFlags) identitySigner() (policy.Signer, bool, error) {
	id := &policy.Identity{
		Subject: policy.Match{Exact: f.identity, Regexp: f.identityRegexp},
		Issuer:  policy.Match{Exact: f.issuer, Regexp: f.issuerRegexp},
		Claims:  map[policy.Claim]policy.Match{},
	}
	for c, v := range f.claims {
		if m := (policy.Match{Exact: v[0], Regexp: v[1]}); !m.IsZero() {
			id.Claims[c] = m
		}
	}
	if id.Subject.IsZero() && id.Issuer.IsZero() && len(id.Claims) == 0 {
		return policy.Signer{}, false, nil
	}
	if id.Subject.IsZero() || id.Issuer.IsZero() {
		return policy.Signer{}, false, fmt.Errorf("%w: pass --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp] together", policy.ErrIdentity)
	}
	s := policy.Signer{Name: id.String(), Identity: id}
	return s, true, nil
}

// trustFlags say which trust material is in force.
type trustFlags struct {
	roots  []string
	tufDir string
}

func (f *trustFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.roots, "trusted-root", nil, "Sigstore trusted_root.json to trust (repeatable: the union is trusted)")
	cmd.Flags().StringVar(&f.tufDir, "tuf-dir", defaultTUFDir(), "TUF store whose trusted root is used when no --trusted-root or SIGSTORE_* variable is given")
}

// material loads the trust material: files, cosign's environment variables,
// the TUF store, else the embedded public-good root. Expired material is
// reported on stderr, with when it expired.
func (f *trustFlags) material(stderr io.Writer) (*trust.Material, error) {
	m, err := trust.Load(trust.Options{TrustedRoots: f.roots, TUFDir: f.tufDir, Env: os.LookupEnv})
	if err != nil {
		return nil, err
	}
	for _, w := range m.Warnings(time.Now()) {
		fmt.Fprintln(stderr, "WARNING:", clean(w))
	}
	return m, nil
}

// expectFlags bind a verification to the package asked for.
type expectFlags struct {
	name, version, minVersion string
}

func (f *expectFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.name, "expect-name", "", "require the signed package name to be exactly this")
	cmd.Flags().StringVar(&f.version, "expect-version", "", "require the signed version to be exactly this (also accepts a tag that names another version)")
	cmd.Flags().StringVar(&f.minVersion, "min-version", "", "require the signed version to be at least this semantic version")
}

// verifyFlags are the flags of every verb that verifies a package: the
// policy, the trust material, the expected package, and the network.
type verifyFlags struct {
	policy  policyFlags
	trust   trustFlags
	expect  expectFlags
	network networkFlags
	base    baseFlag
}

// baseFlag names the package a differential archive was made against.
type baseFlag struct{ value string }

func (f *baseFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.value, "base", "", "the package a differential archive was made against (archive or oci://): what it omits is read from there, checked")
}

func (f *verifyFlags) register(cmd *cobra.Command) {
	f.policy.register(cmd)
	f.trust.register(cmd)
	f.expect.register(cmd)
	f.network.register(cmd)
	f.base.register(cmd)
}

// options returns the verification options. With insecure the policy is
// not built (and its absence not refused) and the skip is announced loudly.
func (f *verifyFlags) options(cmd *cobra.Command, insecure insecureFlag) (airlock.VerifyOptions, error) {
	opts := airlock.VerifyOptions{
		Registry:   f.network.options(),
		Base:       f.base.value,
		ExpectName: f.expect.name, ExpectVersion: f.expect.version, MinVersion: f.expect.minVersion,
	}
	if insecure.value {
		insecure.warn(cmd.ErrOrStderr(), "the package's signature is not verified")
		return opts, nil
	}
	var err error
	if opts.Policy, err = f.policy.policy(); err != nil {
		return opts, err
	}
	opts.Trust, err = f.trust.material(cmd.ErrOrStderr())
	return opts, err
}

// imageFlags say how the images a package carries are re-verified.
type imageFlags struct {
	policyFile string
	require    bool
}

func (f *imageFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.policyFile, "image-policy", "", "policy file whose signers and attestations replace every image's recorded upstream policy")
	cmd.Flags().BoolVar(&f.require, "require-image-signatures", false, "fail when an image carries no upstream policy (instead of reporting it not verified upstream)")
}

// apply sets the image options.
func (f *imageFlags) apply(opts *airlock.VerifyOptions) error {
	ip, err := airlock.LoadImagePolicy(f.policyFile)
	opts.ImagePolicy, opts.RequireImageSignatures = ip, f.require
	return err
}

// archiveOutput checks -o of a command that writes an archive: a file to
// name, not standard output nor a folder.
func archiveOutput(verb, output string) error {
	switch {
	case output == "":
		return fmt.Errorf("%w: %s: -o/--output is required: the archive file to write, e.g. -o app.tar", errUsage, verb)
	case output == "-":
		return fmt.Errorf("%w: %s: -o -: an archive is written to a file (readers open it in place, by offsets), not to standard output: name the file, e.g. -o app.tar", errUsage, verb)
	}
	if info, err := os.Stat(output); err == nil && info.IsDir() {
		return fmt.Errorf("%w: %s: -o %s is a folder: name the archive file to write in it, e.g. -o %s", errUsage, verb, output, filepath.Join(output, "app.tar"))
	}
	return nil
}
