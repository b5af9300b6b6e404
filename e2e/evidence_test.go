// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-dev/airlock/airlocktest"
)

const vsaType = "https://slsa.dev/verification_summary/v1"

// Evidence at the gate, on real parts: verify writes the gate's signed
// VSA beside the archive; mirror pushes one beside each image on both
// kinds of registry, where cosign verify-attestation finds it; the
// admission policy airlock writes makes sigstore policy-controller admit
// the mirrored image and refuse images pushed around the gate; nothing is
// recorded when verification fails, and another key's records do not do.
func TestEvidenceAtTheGate(t *testing.T) {
	cosign, tester := tool(t, "cosign"), tool(t, "policy-tester")
	dir, _ := insidePackage(t)
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "gate")
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "other")
	team := []string{"--key", "team.pub", "--insecure-ignore-tlog"}

	// verify records beside the archive; the record verifies as a bundle
	// about the package root, signed by the gate.
	r := airlock(t, dir, 0, append([]string{"verify", "app.tar", "--record-key", "gate.key", "--format", "json"}, team...)...)
	var res struct {
		Package struct{ Digest string }
		Records []struct{ Location string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Records) != 1 {
		t.Fatalf("verify --record-key: %v\n%s", err, r.stdout)
	}
	airlock(t, dir, 0, "verify", "--bundle", "app.tar.vsa.sigstore.json", res.Package.Digest, "--key", "gate.pub", "--insecure-ignore-tlog")
	airlock(t, dir, 3, "verify", "--bundle", "app.tar.vsa.sigstore.json", res.Package.Digest, "--key", "other.pub", "--insecure-ignore-tlog")

	for name, host := range registries(t) {
		t.Run(name, func(t *testing.T) {
			mirror := host + "/mirror"
			r := airlock(t, dir, 0, append([]string{"mirror", "app.tar", "oci://" + mirror, "--record-key", "gate.key", "--format", "json"}, team...)...)
			var mirrored struct {
				Images []struct{ Destination, Digest, Record string }
			}
			if err := json.Unmarshal([]byte(r.stdout), &mirrored); err != nil || len(mirrored.Images) != 1 || mirrored.Images[0].Record == "" {
				t.Fatalf("mirror --record-key: %v\n%s", err, r.stdout)
			}
			image := mirror + "/team/app@" + mirrored.Images[0].Digest
			for _, key := range []string{"gate.pub", "other.pub"} {
				want := map[string]int{"gate.pub": 0, "other.pub": 1}[key]
				r := run(t, dir, nil, cosign, "verify-attestation", "--key", key, "--insecure-ignore-tlog", "--allow-http-registry",
					"--type", vsaType, image)
				if (r.code == 0) != (want == 0) {
					t.Fatalf("cosign verify-attestation with %s: exit %d\n%s%s", key, r.code, r.stdout, r.stderr)
				}
			}
			admission(t, dir, tester, host, mirror, mirrored.Images[0].Digest)
		})
	}

	// A verification that fails records nothing anywhere.
	internal := airlocktest.NewRegistry(t)
	airlock(t, dir, 3, "mirror", "app.tar", "oci://"+internal+"/refused", "--key", "other.pub", "--insecure-ignore-tlog", "--record-key", "gate.key")
	if tags := airlocktest.Tags(t, internal, "refused/team/app"); len(tags) != 0 {
		t.Fatalf("a refused mirror pushed %v", tags)
	}
	os.Remove(filepath.Join(dir, "app.tar.vsa.sigstore.json"))
	airlock(t, dir, 3, "verify", "app.tar", "--key", "other.pub", "--insecure-ignore-tlog", "--record-key", "gate.key")
	if _, err := os.Stat(filepath.Join(dir, "app.tar.vsa.sigstore.json")); err == nil {
		t.Fatal("a failed verification was recorded")
	}
}

// admission writes the package's admission policy and asks
// policy-controller's tester about the mirrored image and images pushed
// around the gate.
func admission(t *testing.T, dir, tester, host, mirror, digest string) {
	t.Helper()
	airlock(t, dir, 0, "admission-policy", "app.tar", "--registry", "oci://"+mirror, "--importer-key", "gate.pub",
		"--key", "team.pub", "--insecure-ignore-tlog", "-o", "cip.yaml")
	admits := func(policyFile, image string) bool {
		r := run(t, dir, nil, tester, "--policy", policyFile, "--image", image, "--log-level", "error")
		if r.code != 0 && !strings.Contains(r.stdout, `"errors"`) {
			t.Fatalf("tester failed without a verdict: %s%s", r.stdout, r.stderr)
		}
		if r.code != 0 {
			t.Logf("policy-controller refused %s: %s", image, strings.TrimSpace(r.stdout))
		}
		return r.code == 0
	}
	if !admits("cip.yaml", mirror+"/team/app@"+digest) {
		t.Fatal("policy-controller refused the image the gate verified")
	}
	if !admits("cip.yaml", mirror+"/team/app:1.0") {
		t.Fatal("policy-controller refused the image the gate verified, by its tag")
	}
	// Around the gate: another image at the same repository, by digest and
	// by moving the tag the gate's image had.
	evil := airlocktest.PushImage(t, host, "mirror/team/app", "evil")
	if admits("cip.yaml", mirror+"/team/app@"+evil.Digest.String()) {
		t.Fatal("policy-controller admitted an image pushed around the gate")
	}
	airlocktest.Tag(t, host, "mirror/team/app", evil, "1.0")
	if admits("cip.yaml", mirror+"/team/app:1.0") {
		t.Fatal("policy-controller admitted the tag moved to an image pushed around the gate")
	}
	// A policy naming another gate's key admits nothing the gate signed.
	airlock(t, dir, 0, "admission-policy", "app.tar", "--registry", "oci://"+mirror, "--importer-key", "other.pub",
		"--key", "team.pub", "--insecure-ignore-tlog", "-o", "other-cip.yaml")
	if admits("other-cip.yaml", mirror+"/team/app@"+digest) {
		t.Fatal("records signed by the gate satisfied a policy naming another key")
	}
}
