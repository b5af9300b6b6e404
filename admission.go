// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	yaml "go.yaml.in/yaml/v3"

	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// AdmissionOptions tunes [AdmissionPolicy]. The zero value is not enough:
// the policy must name a signer, and Registry and ImporterKey are required.
type AdmissionOptions struct {
	// VerifyOptions say what the package must satisfy: the policy is
	// written only for a package that verifies.
	VerifyOptions
	// Registry is where the images were mirrored, oci://REGISTRY[/PREFIX].
	Registry string
	// ImporterKey is the gate's public key, which signs the verification
	// summaries the cluster will require.
	ImporterKey crypto.PublicKey
	// Name is the policy's name. Default: airlock-<package name>.
	Name string
}

// AdmissionPolicy verifies the package at target as [Verify] does and
// returns a sigstore policy-controller ClusterImagePolicy
// (policy.sigstore.dev/v1beta1) that admits exactly the package's images
// at their mirrored locations (by digest, and by tag where they have one),
// each only with a passed verification summary signed by the importer key,
// as `mirror --record-key` pushes it (cosign's attestation tag; no
// transparency log: the gate signs offline).
func AdmissionPolicy(ctx context.Context, target string, opts AdmissionOptions) ([]byte, *verify.Result, error) {
	if opts.ImporterKey == nil {
		return nil, newResult(target), errors.New("admission policy: expected the importer's (the gate's) public key")
	}
	if strings.ContainsAny(opts.Registry, "*?[]{}") {
		return nil, newResult(target), fmt.Errorf("admission policy: the registry %q holds glob characters: the policy would admit images from elsewhere", opts.Registry)
	}
	prefix, err := parsePrefix(opts.Registry)
	if err != nil {
		return nil, newResult(target), err
	}
	pem, err := cryptoutils.MarshalPublicKeyToPEM(opts.ImporterKey)
	if err != nil {
		return nil, newResult(target), err
	}
	pkg, h, err := openChecked(ctx, target, opts.VerifyOptions, false)
	if err != nil {
		return nil, h.Result(), err
	}
	defer pkg.Close()
	if err := h.CheckBlobs(ctx, opts.Concurrency, nil); err != nil {
		return nil, h.Result(), err
	}
	var globs []string
	for _, img := range pkg.Images() {
		dst, tag, err := destination(prefix, img.Annotations[spec.AnnotationImageRef])
		if err != nil {
			return nil, h.Result(), err
		}
		globs = append(globs, dst.Registry+"/"+dst.Repository+"@"+img.Digest.String())
		if tag != "" {
			globs = append(globs, dst.Registry+"/"+dst.Repository+":"+tag)
		}
	}
	if len(globs) == 0 {
		return nil, h.Result(), errors.New("admission policy: the package carries no image")
	}
	name := opts.Name
	if name == "" {
		name = "airlock-" + pkg.Info().Name
	}
	doc, err := clusterImagePolicy(name, pkg.Info(), globs, string(pem))
	return doc, h.Result(), err
}

// dnsName is what a Kubernetes object's name may be.
var dnsName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)

// clusterImagePolicy writes the policy document.
func clusterImagePolicy(name string, pkg verify.PackageInfo, globs []string, pem string) ([]byte, error) {
	if !dnsName.MatchString(name) {
		return nil, fmt.Errorf("admission policy: %q is not a Kubernetes object name: choose one (AdmissionOptions.Name)", name)
	}
	sort.Strings(globs)
	type glob struct {
		Glob string `yaml:"glob"`
	}
	images := make([]glob, 0, len(globs))
	for i, g := range globs {
		if i == 0 || g != globs[i-1] {
			images = append(images, glob{g})
		}
	}
	cue := "predicateType: \"" + attest.PredicateVSA + "\"\npredicate: verificationResult: \"PASSED\"\n"
	doc := map[string]any{
		"apiVersion": "policy.sigstore.dev/v1beta1",
		"kind":       "ClusterImagePolicy",
		"metadata": map[string]any{"name": name, "annotations": map[string]string{
			"airlock.dev/package": pkg.Name + " " + pkg.Version, "airlock.dev/root": pkg.Digest,
		}},
		"spec": map[string]any{
			"images": images,
			"authorities": []map[string]any{{
				"name": "airlock-gate",
				"key":  map[string]string{"data": pem, "hashAlgorithm": "sha256"},
				"attestations": []map[string]any{{
					"name":          "verified-at-the-gate",
					"predicateType": attest.PredicateVSA,
					"policy":        map[string]string{"type": "cue", "data": cue},
				}},
			}},
		},
	}
	return yaml.Marshal(doc)
}
