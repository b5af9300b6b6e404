// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

// Attacks by whoever carries an archive: each test is a finding of the
// hardening review, tried as an outsider would.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

const scanType = "https://example.com/scan/v1"

// A forged "scan PASSED" put beside an unsigned package is not signed by
// the publisher's sign: a signer signs what it is shown and named.
func TestSignIsNotASigningOracle(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	out := create(t, airlocktest.WritePackage(t))
	l := readLayout(t, out)
	root, _ := l.root(t)
	forged, blobs := statement(t, root, scanType, `{"result":"PASSED"}`)
	for d, b := range blobs {
		l.blobs[d] = b
	}
	l.index.Manifests = append(l.index.Manifests, forged)
	l.write(t, out)

	var shown []airlock.Statement
	res, err := airlock.Sign(ctx, out, key, airlock.SignOptions{Show: func(s airlock.Statement) error { shown = append(shown, s); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Attestations) != 0 || len(shown) != 3 || len(res.Statements) != 3 {
		t.Fatalf("sign must sign only the root and show all three statements: %+v, shown %+v", res, shown)
	}
	for _, s := range res.Statements {
		if s.Signed || s.Summary == "" || !strings.HasPrefix(s.Digest, "sha256:") {
			t.Fatalf("a statement nobody named was signed, or shown without what it claims: %+v", s)
		}
	}
	_, err = airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: requiring(p, scanType)})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonPredicateUnsigned {
		t.Fatalf("the forged scan must stay unsigned, got %v", err)
	}
	// Naming the provenance signs it, and only it.
	res, err = airlock.Sign(ctx, out, key, airlock.SignOptions{Statements: []string{attest.PredicateSLSAProvenance}})
	if err != nil || len(res.Attestations) != 1 {
		t.Fatalf("expected the provenance signed: %v %+v", err, res)
	}
	if _, err := airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: requiring(p, attest.PredicateSLSAProvenance)}); err != nil {
		t.Fatal(err)
	}
	// Naming a type that two statements claim signs neither.
	second, blobs := statement(t, root, scanType, `{"result":"FAILED"}`)
	l = readLayout(t, out)
	for d, b := range blobs {
		l.blobs[d] = b
	}
	l.index.Manifests = append(l.index.Manifests, second)
	l.write(t, out)
	before, _ := os.ReadFile(out)
	if _, err := airlock.Sign(ctx, out, key, airlock.SignOptions{Statements: []string{scanType}}); err == nil || !strings.Contains(err.Error(), "found 2") {
		t.Fatalf("expected an ambiguous statement type to be refused, got %v", err)
	}
	if after, _ := os.ReadFile(out); string(after) != string(before) {
		t.Fatal("a refused sign changed the archive")
	}
}

// index.json cannot steer verification: an entry that calls a signed
// manifest plain bytes does not hide its missing layer, and entries that
// are neither the root nor a referrer of it or its images are refused, the
// package's own name on another manifest above all.
func TestIndexCannotSteerVerification(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	good := signedArchive(t, key)
	l := readLayout(t, good)
	_, root := l.root(t)
	component := root.Manifests[0]
	var m ocispec.Manifest
	json.Unmarshal(l.blobs[component.Digest], &m)
	other, otherData := manifest("application/vnd.example.other", nil)

	tests := []struct {
		name   string
		mutate func(l *layout)
		reason verify.Reason
	}{
		{"a signed manifest listed as plain bytes, its layers deleted", func(l *layout) {
			steer := ocispec.Descriptor{MediaType: "application/octet-stream", Digest: component.Digest, Size: component.Size}
			l.index.Manifests = append([]ocispec.Descriptor{steer}, l.index.Manifests...)
			for _, layer := range m.Layers {
				delete(l.blobs, layer.Digest)
			}
		}, ""},
		{"an entry that is no referrer", func(l *layout) {
			l.blobs[other.Digest] = otherData
			l.index.Manifests = append(l.index.Manifests, other)
		}, verify.ReasonMalformedPackage},
		{"another manifest carrying the package's name", func(l *layout) {
			l.blobs[other.Digest] = otherData
			named := other
			named.Annotations = map[string]string{ocispec.AnnotationRefName: "1.0.0"}
			l.index.Manifests = append(l.index.Manifests, named)
		}, verify.ReasonMalformedPackage},
		{"a referrer about something the package does not hold", func(l *layout) {
			elsewhere := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("elsewhere"), Size: 9}
			d, data := manifest(spec.MediaTypeBundle, &elsewhere)
			l.blobs[d.Digest] = data
			l.index.Manifests = append(l.index.Manifests, d)
		}, verify.ReasonMalformedPackage},
		{"a signature's entry 10,000 times", func(l *layout) {
			sig := l.index.Manifests[len(l.index.Manifests)-1]
			for i := 0; i < 10000; i++ {
				l.index.Manifests = append(l.index.Manifests, sig)
			}
		}, verify.ReasonMalformedPackage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := readLayout(t, good)
			tt.mutate(l)
			path := filepath.Join(t.TempDir(), "tampered.tar")
			l.write(t, path)
			_, err := airlock.Verify(ctx, path, airlock.VerifyOptions{Policy: p})
			f, ok := verify.AsFailure(err)
			if !ok || (tt.reason != "" && f.Reason != tt.reason) {
				t.Fatalf("expected a verification failure %s, got %v", tt.reason, err)
			}
		})
	}
}

// Only what verified is used: the archive that verified is the one the
// handle reads, even when the file at its path is replaced, and bytes
// changed in place under it are refused as they stream, with no tag pushed.
func TestHandleUsesWhatVerified(t *testing.T) {
	ctx := context.Background()
	host := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, host, "team/app", "1.0")
	key, p := newKey(t, "team.pub")
	path := filepath.Join(t.TempDir(), "hello.tar")
	if _, err := airlock.Create(ctx, airlocktest.WritePackage(t, "- ref: "+host+"/team/app:1.0"), path, airlock.CreateOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	airlocktest.PushImage(t, host, "team/app", "1.0") // the tag now names another image
	swapped := filepath.Join(t.TempDir(), "swapped.tar")
	if _, err := airlock.Create(ctx, airlocktest.WritePackage(t, "- ref: "+host+"/team/app:1.0"), swapped, airlock.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	pkg, err := airlock.Open(ctx, path, airlock.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pkg.Close()
	h, err := pkg.Verify(ctx, airlock.VerifyOptions{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	want := pkg.Images()[0].Digest
	if err := os.Rename(swapped, path); err != nil { // the unsigned package takes its place
		t.Fatal(err)
	}
	internal := airlocktest.NewRegistry(t)
	mirrored, err := h.Mirror(ctx, "oci://"+internal+"/mirror", airlock.TransferOptions{})
	if err != nil || len(mirrored.Images) != 1 || mirrored.Images[0].Digest != want.String() {
		t.Fatalf("mirror must copy the image that verified: %v %+v", err, mirrored)
	}
	if got := airlocktest.Resolve(t, internal, "mirror/team/app", "1.0"); got.Digest != want {
		t.Fatalf("the mirrored tag names %s, expected %s", got.Digest, want)
	}

	// The same package, its image's layer changed in place after Verify.
	path2 := filepath.Join(t.TempDir(), "again.tar")
	if _, err := airlock.Create(ctx, airlocktest.WritePackage(t, "- ref: "+host+"/team/app:1.0"), path2, airlock.CreateOptions{Key: key}); err != nil {
		t.Fatal(err)
	}
	pkg2, _ := airlock.Open(ctx, path2, airlock.OpenOptions{})
	defer pkg2.Close()
	h2, err := pkg2.Verify(ctx, airlock.VerifyOptions{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	flipLayerByte(t, path2)
	dest := airlocktest.NewRegistry(t)
	_, err = h2.Mirror(ctx, "oci://"+dest+"/mirror", airlock.TransferOptions{})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonDigestMismatch {
		t.Fatalf("expected DIGEST_MISMATCH for bytes changed under the handle, got %v", err)
	}
	if _, err := airlock.Inspect(ctx, "oci://"+dest+"/mirror/team/app:1.0", airlock.InspectOptions{}); err == nil {
		t.Fatal("a failed mirror left a tag")
	}
}

// flipLayerByte changes, in place, one byte of the image layer (4096
// random bytes, as airlocktest.PushImage makes) of the archive at path.
func flipLayerByte(t *testing.T, path string) {
	t.Helper()
	l := readLayout(t, path)
	var biggest []byte
	for _, b := range l.blobs {
		if len(b) == 4096 {
			biggest = b
		}
	}
	data, _ := os.ReadFile(path)
	i := strings.Index(string(data), string(biggest))
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil || i < 0 {
		t.Fatal(err, i)
	}
	defer f.Close()
	f.WriteAt([]byte{data[i+100] ^ 0xff}, int64(i+100))
}

// Tar readers must agree on what an archive holds (see also package
// archive): content hidden after the end-of-archive marker is refused.
func TestHiddenArchiveContentIsRefused(t *testing.T) {
	key, p := newKey(t, "team.pub")
	good := signedArchive(t, key)
	data, _ := os.ReadFile(good)
	evil := filepath.Join(t.TempDir(), "evil.tar")
	os.WriteFile(evil, append(data, []byte("blobs/sha256/... a second archive")...), 0o644)
	_, err := airlock.Verify(context.Background(), evil, airlock.VerifyOptions{Policy: p})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonMalformedPackage {
		t.Fatalf("expected MALFORMED_PACKAGE, got %v", err)
	}
}

// A required attestation needs the policy's threshold of signers, as the
// package's signature does; attestation verify and download check the
// package's signatures too, under the same policy.
func TestThresholdHoldsForAttestations(t *testing.T) {
	ctx := context.Background()
	alice, pa := newKey(t, "alice.pub")
	bob, pb := newKey(t, "bob.pub")
	out := create(t, airlocktest.WritePackage(t))
	if _, err := airlock.Sign(ctx, out, alice, airlock.SignOptions{AllStatements: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := airlock.Sign(ctx, out, bob, airlock.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	both := policy.Policy{Signers: append(pa.Signers, pb.Signers...), Threshold: 2, InsecureIgnoreTlog: true}
	if _, err := airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: both}); err != nil {
		t.Fatalf("both signed the root: %v", err)
	}
	_, err := airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: requiring(both, attest.PredicateSLSAProvenance)})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonThreshold {
		t.Fatalf("one signer's provenance must not satisfy 2 of 2, got %v", err)
	}
	for _, run := range []func() error{
		func() error {
			_, err := airlock.VerifyAttestations(ctx, out, airlock.VerifyOptions{Policy: requiring(both, attest.PredicateSLSAProvenance)})
			return err
		},
		func() error {
			_, err := airlock.DownloadAttestation(ctx, out, attest.PredicateSLSAProvenance, false, airlock.VerifyOptions{Policy: both})
			return err
		},
	} {
		if f, ok := verify.AsFailure(run()); !ok || f.Reason != verify.ReasonThreshold {
			t.Fatalf("attestation verify and download must apply the threshold, got %v", err)
		}
	}
	// An attestation of a package whose signatures fail is never reported verified.
	only := create(t, airlocktest.WritePackage(t))
	airlock.Attest(ctx, only, scanType, []byte(`{}`), bob, airlock.AttestOptions{})
	res, err := airlock.VerifyAttestations(ctx, only, airlock.VerifyOptions{Policy: requiring(pb, scanType)})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonNoSignature || res.Verified {
		t.Fatalf("expected NO_SIGNATURE for an unsigned package's attestation, got %v %+v", err, res)
	}
}
