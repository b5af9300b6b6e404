// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Attacks on evidence at the gate, from the adversarial review of the
// verification summaries and the admission policy.

package airlock_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
)

// evidenceAttestImage pushes a provenance attestation about desc, signed by key.
func evidenceAttestImage(t *testing.T, host, repo string, desc ocispec.Descriptor, key *sign.Key, predicateType string) {
	t.Helper()
	st, err := attest.Statement(desc.Digest, predicateType, []byte(`{"buildDefinition":{"buildType":"x"}}`))
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := sign.DSSE(context.Background(), st, key, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := spec.NewBundleReferrer(ocispec.Descriptor{MediaType: desc.MediaType, Digest: desc.Digest, Size: desc.Size}, bundle, predicateType, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pushBlobs(t, host, repo, []ocispec.Descriptor{spec.EmptyJSON, ref.Bundle, ref.Descriptor}, map[digest.Digest][]byte{
		spec.EmptyJSON.Digest: spec.EmptyJSON.Data, ref.Bundle.Digest: bundle, ref.Descriptor.Digest: ref.Manifest})
}

// evidenceProvenancePackage: an image whose recorded publisher policy (vendor
// key) requires SLSA provenance, signed and attested by the vendor.
func evidenceProvenancePackage(t *testing.T) (pkg string, p policy.Policy, vendorKey *sign.Key, img ocispec.Descriptor) {
	t.Helper()
	vendorKey, _ = newKey(t, "vendor.pub")
	vendorPub, _ := cryptoutils.MarshalPublicKeyToPEM(vendorKey.GetPublicKey())
	host := airlocktest.NewRegistry(t)
	img = airlocktest.PushImage(t, host, "vendor/app", "1.0")
	airlocktest.SignImage(t, host, "vendor/app", img, vendorKey)
	evidenceAttestImage(t, host, "vendor/app", img, vendorKey, attest.PredicateSLSAProvenance)
	dir := airlocktest.WritePackage(t,
		"- ref: "+host+"/vendor/app:1.0\nverify:\n  key: keys/vendor.pub\n  insecureIgnoreTlog: true\n  predicateTypes: [https://slsa.dev/provenance/v1]")
	os.MkdirAll(filepath.Join(dir, "keys"), 0o755)
	os.WriteFile(filepath.Join(dir, "keys", "vendor.pub"), vendorPub, 0o644)
	key, p := newKey(t, "team.pub")
	out := filepath.Join(t.TempDir(), "app.tar")
	if _, err := airlock.Create(context.Background(), dir, out, airlock.CreateOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	return out, p, vendorKey, img
}

// evidenceStripProvenance removes the image's provenance referrer from the
// archive (referrers are beside the signed root, not under it: anyone who
// carries the archive can drop one).
func evidenceStripProvenance(t *testing.T, pkg string, img ocispec.Descriptor) string {
	t.Helper()
	l := readLayout(t, pkg)
	var keep []ocispec.Descriptor
	dropped := 0
	for _, d := range l.index.Manifests {
		var m ocispec.Manifest
		json.Unmarshal(l.blobs[d.Digest], &m)
		if d.Annotations[spec.AnnotationBundlePredicateType] == attest.PredicateSLSAProvenance && m.Subject != nil && m.Subject.Digest == img.Digest {
			delete(l.blobs, d.Digest)
			for _, layer := range m.Layers {
				delete(l.blobs, layer.Digest)
			}
			dropped++
			continue
		}
		keep = append(keep, d)
	}
	if dropped != 1 {
		t.Fatalf("expected one provenance referrer in index.json, found %d: %+v", dropped, l.index.Manifests)
	}
	l.index.Manifests = keep
	out := filepath.Join(t.TempDir(), "stripped.tar")
	l.write(t, out)
	return out
}

func evidenceStatement(t *testing.T, bundle []byte) vsa {
	t.Helper()
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

// Finding: with VerifyOptions.ImagePolicy (--image-policy) the image is
// verified under the override, which requires no provenance, and the
// archive carries none at all (the referrer was dropped in transit), yet
// the records claim SLSA_BUILD_LEVEL_1 for the image: imageLevel reads
// the recorded policy (imagePolicyOf(img, nil)), not the policy enforced.
func TestRecordLevelIsWhatVerified(t *testing.T) {
	ctx := context.Background()
	signed, p, overrideKey, img := evidenceProvenancePackage(t)
	pkg := evidenceStripProvenance(t, signed, img)
	if _, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: p}); err == nil {
		t.Fatal("precondition: without its provenance the image fails its recorded policy")
	}
	overridePub, _ := cryptoutils.MarshalPublicKeyToPEM(overrideKey.GetPublicKey())
	override := &policy.ImagePolicy{Signers: []policy.SignerSpec{{PublicKey: string(overridePub)}}, InsecureIgnoreTlog: true}
	gateKey, gate := newKey(t, "gate.pub")
	opts := airlock.VerifyOptions{Policy: p, ImagePolicy: override}

	res, err := airlock.Verify(ctx, pkg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images[0].Attestations) != 0 {
		t.Fatalf("precondition: no attestation of the image at all: %+v", res.Images[0].Attestations)
	}
	// Package record: dependencyLevels.
	out := filepath.Join(t.TempDir(), "rec.json")
	if _, err := airlock.VerifyAndRecord(ctx, pkg, out, opts, airlock.RecordOptions{Key: gateKey}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	pv := readRecord(t, b, digest.Digest(res.Package.Digest), gate)
	// Image record at mirror: verifiedLevels.
	internal := airlocktest.NewRegistry(t)
	if _, err := airlock.Mirror(ctx, pkg, "oci://"+internal+"/apps", airlock.MirrorOptions{VerifyOptions: opts, Record: &airlock.RecordOptions{Key: gateKey}}); err != nil {
		t.Fatal(err)
	}
	var ib []byte
	for _, r := range airlocktest.Referrers(t, internal, "apps/vendor/app", img) {
		if r.Annotations[spec.AnnotationBundlePredicateType] == attest.PredicateVSA {
			ib = airlocktest.Layer(t, internal, "apps/vendor/app", r)
		}
	}
	iv := readRecord(t, ib, img.Digest, gate)
	if pv.Predicate.DependencyLevels[attest.BuildLevel1] != 0 || iv.Predicate.VerifiedLevels[0] != attest.BuildLevel0 {
		t.Fatalf("provenance was neither required nor verified for the image under the enforced (override) policy, yet the gate signed: package dependencyLevels %v, image verifiedLevels %v",
			pv.Predicate.DependencyLevels, iv.Predicate.VerifiedLevels)
	}
}

// Finding: Handle.Record promises to refuse "unless ... every blob
// checked". After Handle.Mirror (which reads only the images' blobs) the
// result says verified, and Record signs a summary of a package whose
// file blob a hostile registry corrupts and that was never read.
func TestNoRecordAfterAPartialRead(t *testing.T) {
	ctx := context.Background()
	host, p := published(t)
	const fileBlob = 1 << 20
	proxy := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
		if !airlocktest.IsBlobGet(r) || up.ContentLength != fileBlob {
			return false
		}
		w.WriteHeader(http.StatusOK)
		w.Write(make([]byte, fileBlob)) // the right size, the wrong bytes
		return true
	})
	target := "oci://" + proxy + "/team/hello:1.0.0"
	if _, err := airlock.Verify(ctx, target, airlock.VerifyOptions{Policy: p}); err == nil {
		t.Fatal("precondition: the corrupted file blob must fail a full verification")
	}
	pkg, err := airlock.Open(ctx, target, airlock.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pkg.Close()
	h, err := pkg.Verify(ctx, airlock.VerifyOptions{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	gateKey, _ := newKey(t, "gate.pub")
	if _, err := h.Record(ctx, "oci://x", airlock.RecordOptions{Key: gateKey}); !errors.Is(err, airlock.ErrNotRecorded) {
		t.Fatalf("precondition: before CheckBlobs Record must refuse, got %v", err)
	}
	if _, err := h.Mirror(ctx, "oci://"+airlocktest.NewRegistry(t)+"/apps", airlock.TransferOptions{}); err != nil {
		t.Fatal(err)
	}
	if rec, err := h.Record(ctx, "oci://x", airlock.RecordOptions{Key: gateKey}); err == nil {
		t.Fatalf("the gate signed a PASSED summary of %s although its file blob was never checked (and is corrupt): %d-byte bundle", rec.Subject.Digest, len(rec.Bundle))
	}
}

// Finding: RecordMirrored records whatever images a MirrorResult names,
// whether or not this handle verified them: a MirrorResult from an
// unverified (--insecure) mirror of another package gets the gate's PASSED
// summaries, signed under the verified package's policy.
func TestRecordMirroredOnlyItsOwnImages(t *testing.T) {
	ctx := context.Background()
	good, p, _, _ := appPackage(t)
	// An unsigned package with another image, mirrored without verification.
	host := airlocktest.NewRegistry(t)
	evil := airlocktest.PushImage(t, host, "evil/app", "6.6.6")
	evilPkg := filepath.Join(t.TempDir(), "evil.tar")
	if _, err := airlock.Create(ctx, airlocktest.WritePackage(t, "- ref: "+host+"/evil/app:6.6.6"), evilPkg, airlock.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	internal := airlocktest.NewRegistry(t)
	ep, err := airlock.Open(ctx, evilPkg, airlock.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	eh, err := ep.CheckDigestsOnly(ctx, airlock.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	evilRes, err := eh.Mirror(ctx, "oci://"+internal+"/apps", airlock.TransferOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gp, err := airlock.Open(ctx, good, airlock.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer gp.Close()
	gh, err := gp.Verify(ctx, airlock.VerifyOptions{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	gateKey, gate := newKey(t, "gate.pub")
	err = gh.RecordMirrored(ctx, evilRes, airlock.RecordOptions{Key: gateKey}, airlock.TransferOptions{})
	for _, r := range airlocktest.Referrers(t, internal, "apps/evil/app", evil) {
		if r.Annotations[spec.AnnotationBundlePredicateType] == attest.PredicateVSA {
			v := readRecord(t, airlocktest.Layer(t, internal, "apps/evil/app", r), evil.Digest, gate)
			t.Fatalf("the gate pushed a %s summary of an image no verification covered (err %v): subject %+v", v.Predicate.VerificationResult, err, v.Subject)
		}
	}
	if !errors.Is(err, airlock.ErrNotRecorded) {
		t.Fatalf("expected ErrNotRecorded, got %v", err)
	}
}

// Finding: a legacy cosign ".sig" manifest with one layer signed by the
// accepted key and one by a key the policy does not accept: the record's
// inputAttestations list both layers, one of which was rejected.
func TestRecordInputsAreWhatVerified(t *testing.T) {
	ctx := context.Background()
	out := create(t, airlocktest.WritePackage(t))
	host := airlocktest.NewRegistry(t)
	res, err := airlock.Push(ctx, out, "oci://"+host+"/team/hello:1.0.0", airlock.PushOptions{InsecureUnsigned: true})
	if err != nil {
		t.Fatal(err)
	}
	key, p := newKey(t, "team.pub")
	stranger, _ := newKey(t, "stranger.pub")
	layerBy := func(k *sign.Key, who string) (ocispec.Descriptor, []byte) {
		payload := []byte(`{"critical":{"identity":{"docker-reference":"` + who + `"},"image":{"docker-manifest-digest":"` + res.Root.Digest.String() + `"},"type":"cosign container image signature"},"optional":null}`)
		sig, _, err := k.SignData(ctx, payload)
		if err != nil {
			t.Fatal(err)
		}
		return ocispec.Descriptor{MediaType: "application/vnd.dev.cosign.simplesigning.v1+json", Digest: digest.FromBytes(payload), Size: int64(len(payload)),
			Annotations: map[string]string{"dev.cosignproject.cosign/signature": base64.StdEncoding.EncodeToString(sig)}}, payload
	}
	good, goodPayload := layerBy(key, "team")
	bad, badPayload := layerBy(stranger, "stranger")
	config := []byte(`{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}`)
	configDesc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(config), Size: int64(len(config))}
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Config: configDesc, Layers: []ocispec.Descriptor{good, bad}}
	m.SchemaVersion = 2
	data, _ := json.Marshal(m)
	sigManifest := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(data), Size: int64(len(data))}
	pushBlobs(t, host, "team/hello", []ocispec.Descriptor{configDesc, good, bad, sigManifest}, map[digest.Digest][]byte{
		configDesc.Digest: config, good.Digest: goodPayload, bad.Digest: badPayload, sigManifest.Digest: data})
	airlocktest.Tag(t, host, "team/hello", sigManifest, "sha256-"+res.Root.Digest.Encoded()+".sig")

	gateKey, gate := newKey(t, "gate.pub")
	recOut := filepath.Join(t.TempDir(), "rec.json")
	vres, err := airlock.VerifyAndRecord(ctx, "oci://"+host+"/team/hello:1.0.0", recOut, airlock.VerifyOptions{Policy: p}, airlock.RecordOptions{Key: gateKey})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range vres.Signatures {
		t.Logf("signature %s verified=%v %s", s.Source, s.Verified, s.Error)
	}
	b, _ := os.ReadFile(recOut)
	v := readRecord(t, b, res.Root.Digest, gate)
	for _, in := range v.Predicate.InputAttestations {
		if "sha256:"+in.Digest["sha256"] == bad.Digest.String() {
			t.Fatalf("the record names as an input a signature the verification rejected (signed by a key the policy does not accept): %+v", v.Predicate.InputAttestations)
		}
	}
}

// Finding (policy digest): two verifications that enforce different
// things on the images (the publishers' recorded policies vs an override
// accepting another key; RequireImageSignatures) name the same policy
// digest, and an image's record names the package policy's digest
// although the image was verified under a different policy.
func TestPolicyDigestCoversImageEnforcement(t *testing.T) {
	ctx := context.Background()
	pkg, p, overrideKey, _ := evidenceProvenancePackage(t)
	overridePub, _ := cryptoutils.MarshalPublicKeyToPEM(overrideKey.GetPublicKey())
	override := &policy.ImagePolicy{Signers: []policy.SignerSpec{{PublicKey: string(overridePub)}}, InsecureIgnoreTlog: true}
	a, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	b, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: p, ImagePolicy: override, RequireImageSignatures: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.Policy.Digest == b.Policy.Digest {
		t.Fatalf("different enforcement, one policy digest %s; canonical form:\n%s", a.Policy.Digest, strings.TrimSpace(string(a.Policy.Canonical)))
	}
}

// Same root cause through Handle.Extract: an archive whose image layer is
// corrupt, verified with HashAsRead, extracted (images are not extracted),
// then recorded.
func TestNoRecordAfterExtract(t *testing.T) {
	ctx := context.Background()
	pkgPath, p, _, _ := appPackage(t)
	flipLayerByte(t, pkgPath)
	if _, err := airlock.Verify(ctx, pkgPath, airlock.VerifyOptions{Policy: p}); err == nil {
		t.Fatal("precondition: the corrupt image layer must fail a full verification")
	}
	pkg, err := airlock.Open(ctx, pkgPath, airlock.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pkg.Close()
	h, err := pkg.Verify(ctx, airlock.VerifyOptions{Policy: p, HashAsRead: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Extract(ctx, filepath.Join(t.TempDir(), "x"), airlock.FilesOptions{}); err != nil {
		t.Fatal(err)
	}
	gateKey, _ := newKey(t, "gate.pub")
	if rec, err := h.Record(ctx, "file:///x", airlock.RecordOptions{Key: gateKey}); err == nil {
		t.Fatalf("the gate signed a PASSED summary of %s whose image layer is corrupt and was never read", rec.Subject.Digest)
	}
}

// Holds: a registry that serves a wrong blob after the signatures
// verified fails a recorded pull: no archive, no temporary file, no record.
func TestLateBadBlobLeavesNoRecord(t *testing.T) {
	ctx := context.Background()
	host, p := published(t)
	const fileBlob = 1 << 20
	proxy := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
		if !airlocktest.IsBlobGet(r) || up.ContentLength != fileBlob {
			return false
		}
		w.WriteHeader(http.StatusOK)
		w.Write(make([]byte, fileBlob))
		return true
	})
	gateKey, _ := newKey(t, "gate.pub")
	dir := t.TempDir()
	out := filepath.Join(dir, "pulled.tar")
	res, err := airlock.Pull(ctx, "oci://"+proxy+"/team/hello:1.0.0", out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}, Record: &airlock.RecordOptions{Key: gateKey}})
	left, _ := os.ReadDir(dir)
	if err == nil || len(left) != 0 || len(res.Records) != 0 || res.Verified {
		t.Fatalf("err %v, left %v, records %+v, verified %v", err, left, res.Records, res.Verified)
	}
	rec := filepath.Join(dir, "rec.json")
	if _, err := airlock.VerifyAndRecord(ctx, "oci://"+proxy+"/team/hello:1.0.0", rec, airlock.VerifyOptions{Policy: p}, airlock.RecordOptions{Key: gateKey}); err == nil || exists(rec) {
		t.Fatalf("verify: err %v, record written %v", err, exists(rec))
	}
}

// Finding (hardening): --registry is pasted into the policy's globs
// unchecked for glob metacharacters: oci://* (which ValidateRegistry
// accepts) gives a policy admitting the digest from any registry.
func TestAdmissionRegistryHasNoGlob(t *testing.T) {
	ctx := context.Background()
	pkg, p, _, _ := appPackage(t)
	gateKey, _ := newKey(t, "gate.pub")
	doc, _, err := airlock.AdmissionPolicy(ctx, pkg, airlock.AdmissionOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}, Registry: "oci://*/apps", ImporterKey: gateKey.GetPublicKey()})
	if err == nil && strings.Contains(string(doc), "glob: '*/") {
		t.Fatalf("a glob metacharacter in --registry became a wildcard in the policy:\n%s", doc)
	}
}

// A package name that is no Kubernetes name (my_app) is refused rather
// than rewritten into another package's policy name (my-app).
func TestAdmissionPolicyNameIsNotRewritten(t *testing.T) {
	ctx := context.Background()
	gateKey, _ := newKey(t, "gate.pub")
	host := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, host, "team/app", "1.0")
	dir := airlocktest.WritePackage(t, "- ref: "+host+"/team/app:1.0")
	def, _ := os.ReadFile(filepath.Join(dir, "airlock.yaml"))
	os.WriteFile(filepath.Join(dir, "airlock.yaml"), []byte(strings.Replace(string(def), "name: hello", "name: my_app", 1)), 0o644)
	key, p := newKey(t, "team.pub")
	out := filepath.Join(t.TempDir(), "p.tar")
	if _, err := airlock.Create(ctx, dir, out, airlock.CreateOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	opts := airlock.AdmissionOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}, Registry: "oci://registry.internal/apps", ImporterKey: gateKey.GetPublicKey()}
	if _, _, err := airlock.AdmissionPolicy(ctx, out, opts); err == nil {
		t.Fatal("expected airlock-my_app refused as a policy name")
	}
	opts.Name = "my-app-gate"
	if doc, _, err := airlock.AdmissionPolicy(ctx, out, opts); err != nil || !strings.Contains(string(doc), "name: my-app-gate") {
		t.Fatalf("with a name: %v", err)
	}
}
