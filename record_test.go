// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// vsa is a verification summary statement as an auditor reads it.
type vsa struct {
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
	Predicate struct {
		Verifier struct {
			ID      string            `json:"id"`
			Version map[string]string `json:"version"`
		} `json:"verifier"`
		TimeVerified string `json:"timeVerified"`
		ResourceURI  string `json:"resourceUri"`
		Policy       struct {
			URI    string            `json:"uri"`
			Digest map[string]string `json:"digest"`
		} `json:"policy"`
		InputAttestations []struct {
			URI    string            `json:"uri"`
			Digest map[string]string `json:"digest"`
		} `json:"inputAttestations"`
		VerificationResult string            `json:"verificationResult"`
		VerifiedLevels     []string          `json:"verifiedLevels"`
		DependencyLevels   map[string]uint64 `json:"dependencyLevels"`
	} `json:"predicate"`
}

// readRecord verifies a record's bundle against the gate's policy and
// returns its statement.
func readRecord(t *testing.T, bundle []byte, subject digest.Digest, gate policy.Policy) vsa {
	t.Helper()
	art, _ := verify.DigestArtifact(subject)
	if _, err := verify.New().Bundle("record", bundle, art, gate); err != nil {
		t.Fatalf("the record does not verify under the gate's key: %v", err)
	}
	var b struct {
		DSSEEnvelope struct{ Payload string } `json:"dsseEnvelope"`
	}
	json.Unmarshal(bundle, &b)
	payload, _ := base64.StdEncoding.DecodeString(b.DSSEEnvelope.Payload)
	var v vsa
	if err := json.Unmarshal(payload, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// A verification that passed is recorded beside the archive: a VSA about
// the root, naming the policy by its canonical digest, the signatures and
// attestations checked, and the level the policy shows. One that fails
// records nothing.
func TestVerifyRecords(t *testing.T) {
	ctx := context.Background()
	pkg, p, _, _ := appPackage(t)
	gateKey, gate := newKey(t, "gate.pub")
	p.Attestations = []policy.AttestationRule{{PredicateType: attest.PredicateSLSAProvenance}}
	when := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	res, err := airlock.VerifyAndRecord(ctx, pkg, "", airlock.VerifyOptions{Policy: p}, airlock.RecordOptions{Key: gateKey, Now: func() time.Time { return when }})
	if err != nil {
		t.Fatal(err)
	}
	out := pkg + ".vsa.sigstore.json"
	bundle, err := os.ReadFile(out)
	if err != nil || len(res.Records) != 1 || res.Records[0].Location != out {
		t.Fatalf("expected the record beside the archive: %v %+v", err, res.Records)
	}
	root := digest.Digest(res.Package.Digest)
	v := readRecord(t, bundle, root, gate)
	pred := v.Predicate
	switch {
	case v.PredicateType != attest.PredicateVSA || v.Subject[0].Name != "hello" || v.Subject[0].Digest["sha256"] != root.Encoded():
		t.Fatalf("unexpected subject: %+v", v)
	case pred.VerificationResult != "PASSED" || pred.TimeVerified != "2026-12-01T08:00:00Z" || pred.Verifier.ID != airlock.DefaultVerifierID():
		t.Fatalf("unexpected verdict: %+v", pred)
	case "sha256:"+pred.Policy.Digest["sha256"] != res.Policy.Digest:
		t.Fatalf("the record names policy %v, the verification applied %s", pred.Policy.Digest, res.Policy.Digest)
	case len(pred.VerifiedLevels) != 1 || pred.VerifiedLevels[0] != attest.BuildLevel1:
		t.Fatalf("signed provenance was required: expected level 1, found %v", pred.VerifiedLevels)
	case len(pred.InputAttestations) != 3: // the signature, the provenance, the SBOM
		t.Fatalf("expected the 3 bundles checked as inputs, found %+v", pred.InputAttestations)
	case pred.ResourceURI != "file://"+pkg:
		t.Fatalf("unexpected resource %s", pred.ResourceURI)
	}
	// The canonical policy printed in the result is what the digest names.
	if got := digest.FromBytes(res.Policy.Canonical); got.String() != res.Policy.Digest {
		t.Fatalf("the canonical form hashes to %s, not %s", got, res.Policy.Digest)
	}
	// A package without provenance shows level 0.
	teamKey, team := newKey(t, "team.pub")
	noProvenance := filepath.Join(t.TempDir(), "l0.tar")
	if _, err := airlock.Create(ctx, airlocktest.WritePackage(t), noProvenance, airlock.CreateOptions{Key: teamKey, NoProvenance: true}); err != nil {
		t.Fatal(err)
	}
	res0, err := airlock.VerifyAndRecord(ctx, noProvenance, "", airlock.VerifyOptions{Policy: team}, airlock.RecordOptions{Key: gateKey})
	if err != nil {
		t.Fatal(err)
	}
	b0, _ := os.ReadFile(noProvenance + ".vsa.sigstore.json")
	if v0 := readRecord(t, b0, digest.Digest(res0.Package.Digest), gate); v0.Predicate.VerifiedLevels[0] != attest.BuildLevel0 {
		t.Fatalf("expected level 0, found %v", v0.Predicate.VerifiedLevels)
	}
	// A verification that fails records nothing.
	_, other := newKey(t, "other.pub")
	failed := filepath.Join(t.TempDir(), "failed.json")
	if _, err := airlock.VerifyAndRecord(ctx, pkg, failed, airlock.VerifyOptions{Policy: other}, airlock.RecordOptions{Key: gateKey}); err == nil || exists(failed) {
		t.Fatalf("a failed verification was recorded: %v", err)
	}
}

// A pull with a record carries the gate's VSA in the archive, and the
// inside can require it: signed by the gate, not by anyone else.
func TestPullRecordsAndInsideRequiresIt(t *testing.T) {
	ctx := context.Background()
	host, p := published(t)
	gateKey, gate := newKey(t, "gate.pub")
	out := filepath.Join(t.TempDir(), "pulled.tar")
	res, err := airlock.Pull(ctx, "oci://"+host+"/team/hello:1.0.0", out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}, Record: &airlock.RecordOptions{Key: gateKey}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) != 1 {
		t.Fatalf("expected one record, found %+v", res.Records)
	}
	requireRecord := func(signers []policy.Signer) error {
		inside := p
		inside.Attestations = []policy.AttestationRule{{PredicateType: attest.PredicateVSA, Signers: signers}}
		_, err := airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: inside})
		return err
	}
	if err := requireRecord(gate.Signers); err != nil {
		t.Fatalf("the inside requiring the gate's record: %v", err)
	}
	_, other := newKey(t, "other-gate.pub")
	if err := requireRecord(other.Signers); err == nil {
		t.Fatal("a record signed by the gate satisfied a policy naming another gate's key")
	}
	// A pull that fails verification writes nothing, and no record.
	_, wrong := newKey(t, "wrong.pub")
	failed := filepath.Join(t.TempDir(), "failed.tar")
	if _, err := airlock.Pull(ctx, "oci://"+host+"/team/hello:1.0.0", failed, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: wrong}, Record: &airlock.RecordOptions{Key: gateKey}}); err == nil || exists(failed) {
		t.Fatalf("expected a failure and nothing written: %v", err)
	}
	// Nothing unverified is recorded.
	if _, err := airlock.Pull(ctx, "oci://"+host+"/team/hello:1.0.0", failed, airlock.PullOptions{InsecureSkipVerify: true, Record: &airlock.RecordOptions{Key: gateKey}}); err == nil || exists(failed) {
		t.Fatalf("an insecure pull was recorded: %v", err)
	}
}

// A mirror with a record pushes, beside each image, the gate's summary
// about that image at its new location: as a bundle referrer and in the
// legacy .att tag. A mirror that does not verify pushes nothing.
func TestMirrorRecordsEachImage(t *testing.T) {
	ctx := context.Background()
	pkg, p, _, img := appPackage(t)
	gateKey, gate := newKey(t, "gate.pub")
	internal := airlocktest.NewRegistry(t)
	res, err := airlock.Mirror(ctx, pkg, "oci://"+internal+"/apps", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}, Record: &airlock.RecordOptions{Key: gateKey}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || res.Images[0].Record == "" || len(res.Verification.Records) != 1 {
		t.Fatalf("expected the image recorded: %+v %+v", res.Images, res.Verification.Records)
	}
	repo := "apps/team/app"
	var bundle []byte
	for _, r := range airlocktest.Referrers(t, internal, repo, img) {
		if r.ArtifactType == spec.MediaTypeBundle && r.Annotations[spec.AnnotationBundlePredicateType] == attest.PredicateVSA {
			bundle = airlocktest.Layer(t, internal, repo, r)
		}
	}
	if bundle == nil {
		t.Fatal("no verification summary among the image's referrers")
	}
	v := readRecord(t, bundle, img.Digest, gate)
	if v.Subject[0].Name != internal+"/"+repo || v.Predicate.ResourceURI != "oci://"+internal+"/"+repo+"@"+img.Digest.String() {
		t.Fatalf("the record does not name the image where it now is: %+v", v)
	}
	att := airlocktest.Resolve(t, internal, repo, "sha256-"+img.Digest.Encoded()+".att")
	if att.Digest == "" {
		t.Fatal("no legacy attestation tag")
	}
	// Not verified: nothing pushed, no record.
	_, other := newKey(t, "other.pub")
	elsewhere := airlocktest.NewRegistry(t)
	if _, err := airlock.Mirror(ctx, pkg, "oci://"+elsewhere+"/apps", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: other}, Record: &airlock.RecordOptions{Key: gateKey}}); err == nil {
		t.Fatal("expected a verification failure")
	}
	if tags := airlocktest.Tags(t, elsewhere, repo); len(tags) != 0 {
		t.Fatalf("a failed mirror left %v", tags)
	}
}
