// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content/memory"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

func requiring(p policy.Policy, types ...string) policy.Policy {
	for _, t := range types {
		p.Attestations = append(p.Attestations, policy.AttestationRule{PredicateType: t})
	}
	return p
}

func TestRequiredAttestations(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	_, other := newKey(t, "other.pub")
	signedPkg := signedArchive(t, key)
	noProv := filepath.Join(t.TempDir(), "noprov.tar")
	if _, err := airlock.Create(ctx, airlocktest.WritePackage(t), noProv, airlock.CreateOptions{NoProvenance: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := airlock.Sign(ctx, noProv, key, airlock.SignOptions{AllStatements: true}); err != nil {
		t.Fatal(err)
	}
	// A package whose root was signed and whose statements were left unsigned.
	unsignedPkg := create(t, airlocktest.WritePackage(t))
	if _, err := airlock.Sign(ctx, unsignedPkg, key, airlock.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	otherRules := p
	otherRules.Attestations = []policy.AttestationRule{{PredicateType: attest.PredicateSLSAProvenance, Signers: other.Signers}}

	res, err := airlock.Verify(ctx, signedPkg, airlock.VerifyOptions{Policy: requiring(p, attest.PredicateSLSAProvenance, attest.PredicateSPDX)})
	if err != nil || len(res.Attestations) != 2 {
		t.Fatalf("expected both attestations verified: %v %+v", err, res.Attestations)
	}
	tests := []struct {
		name   string
		verify func() error
		reason verify.Reason
	}{
		{"absent", func() error {
			_, err := airlock.Verify(ctx, noProv, airlock.VerifyOptions{Policy: requiring(p, attest.PredicateSLSAProvenance)})
			return err
		}, verify.ReasonPredicateMissing},
		{"unsigned", func() error {
			_, err := airlock.VerifyAttestations(ctx, unsignedPkg, airlock.VerifyOptions{Policy: requiring(p, attest.PredicateSLSAProvenance)})
			return err
		}, verify.ReasonPredicateUnsigned},
		{"signed by someone not accepted", func() error {
			_, err := airlock.Verify(ctx, signedPkg, airlock.VerifyOptions{Policy: otherRules})
			return err
		}, verify.ReasonPredicateSignerMismatch},
		{"no type is ever assumed", func() error {
			_, err := airlock.Verify(ctx, signedPkg, airlock.VerifyOptions{Policy: requiring(p, "https://example.com/custom")})
			return err
		}, verify.ReasonPredicateMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := verify.AsFailure(tt.verify())
			if !ok || f.Reason != tt.reason {
				t.Fatalf("expected %s, got %v", tt.reason, f)
			}
		})
	}
}

func TestAttestCustomPredicate(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	pkg := signedArchive(t, key)
	predicate := []byte(`{"scanner":"grype","result":"pass"}`)
	if _, err := airlock.Attest(ctx, pkg, "https://example.com/scan/v1", predicate, key, airlock.AttestOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: requiring(p, "https://example.com/scan/v1")}); err != nil {
		t.Fatal(err)
	}
	st, err := airlock.DownloadAttestation(ctx, pkg, "https://example.com/scan/v1", false, airlock.VerifyOptions{Policy: p})
	if err != nil || !strings.Contains(string(st), `"scanner":"grype"`) {
		t.Fatalf("download: %v %s", err, st)
	}
	if _, err := airlock.Attest(ctx, pkg, "https://example.com/x", []byte(`[1,2]`), key, airlock.AttestOptions{}); err == nil || !strings.Contains(err.Error(), "JSON object") {
		t.Fatalf("a predicate must be a JSON object: %v", err)
	}
}

// statementOf downloads a verified statement and decodes its predicate.
func statementOf(t *testing.T, pkg, predicateType string, p policy.Policy) map[string]any {
	t.Helper()
	data, err := airlock.DownloadAttestation(context.Background(), pkg, predicateType, false, airlock.VerifyOptions{Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Subject   []map[string]any `json:"subject"`
		Predicate map[string]any   `json:"predicate"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	return st.Predicate
}

func TestProvenanceAndSBOMContent(t *testing.T) {
	ctx := context.Background()
	host := airlocktest.NewRegistry(t)
	img := airlocktest.PushImage(t, host, "team/app", "1.0")
	dir := airlocktest.WritePackage(t, "- ref: "+host+"/team/app:1.0")
	key, p := newKey(t, "team.pub")
	out := filepath.Join(t.TempDir(), "hello.tar")
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "org/app",
		"GITHUB_WORKFLOW_REF": "org/app/.github/workflows/release.yml@refs/tags/v1", "GITHUB_RUN_ID": "42", "GITHUB_RUN_ATTEMPT": "1", "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "GITHUB_REF": "refs/tags/v1"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if _, err := airlock.Create(ctx, dir, out, airlock.CreateOptions{Env: lookup}); err != nil {
		t.Fatal(err)
	}
	if _, err := airlock.Sign(ctx, out, key, airlock.SignOptions{Statements: []string{attest.PredicateSLSAProvenance, attest.PredicateSPDX}}); err != nil {
		t.Fatal(err)
	}
	prov, _ := json.Marshal(statementOf(t, out, attest.PredicateSLSAProvenance, p))
	for _, want := range []string{
		`"buildType":"https://airlock.dev/create/v1"`,
		`"id":"https://github.com/org/app/.github/workflows/release.yml@refs/tags/v1"`,
		`"invocationId":"https://github.com/org/app/actions/runs/42/attempts/1"`,
		`"gitCommit":"0123456789abcdef0123456789abcdef01234567"`,
		`"name":"app/files/hello.txt"`,
		`"uri":"oci://` + host + `/team/app:1.0"`,
		`"sha256":"` + img.Digest.Encoded() + `"`,
		`apiVersion: airlock.dev/v1alpha1`,
	} {
		if !strings.Contains(string(prov), want) {
			t.Errorf("provenance lacks %s:\n%s", want, prov)
		}
	}
	sbom, _ := json.Marshal(statementOf(t, out, attest.PredicateSPDX, p))
	for _, want := range []string{`"spdxVersion":"SPDX-2.3"`, `"fileName":"./app/files/hello.txt"`, `"relationshipType":"CONTAINS"`, `pkg:oci/app@sha256%3A` + img.Digest.Encoded()} {
		if !strings.Contains(string(sbom), want) {
			t.Errorf("SBOM lacks %s:\n%s", want, sbom)
		}
	}
	cdx := filepath.Join(t.TempDir(), "cdx.tar")
	if _, err := airlock.Create(ctx, dir, cdx, airlock.CreateOptions{SBOMFormat: airlock.SBOMCycloneDX, NoProvenance: true}); err != nil {
		t.Fatal(err)
	}
	airlock.Sign(ctx, cdx, key, airlock.SignOptions{AllStatements: true})
	bom, _ := json.Marshal(statementOf(t, cdx, attest.PredicateCycloneDX, p))
	if !strings.Contains(string(bom), `"specVersion":"1.6"`) || !strings.Contains(string(bom), `"bomFormat":"CycloneDX"`) {
		t.Errorf("not a CycloneDX 1.6 BOM:\n%s", bom)
	}
}

// Listing and verifying attestations fetches a small, fixed amount, whatever
// the package's size: never its content.
func TestAttestationCommandsFetchLittle(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	var sizes []int64
	for _, size := range []int{1 << 20, 16 << 20} {
		dir := airlocktest.WritePackage(t)
		os.WriteFile(filepath.Join(dir, "files", "hello.txt"), make([]byte, size), 0o644)
		out := filepath.Join(t.TempDir(), "hello.tar")
		if _, err := airlock.Create(ctx, dir, out, airlock.CreateOptions{Key: key}); err != nil {
			t.Fatal(err)
		}
		host := airlocktest.NewRegistry(t)
		if _, err := airlock.Push(ctx, out, "oci://"+host+"/team/hello", airlock.PushOptions{}); err != nil {
			t.Fatal(err)
		}
		var bytes atomic.Int64
		proxy := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
			for k, v := range up.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(up.StatusCode)
			n, _ := io.Copy(w, up.Body)
			bytes.Add(n)
			return true
		})
		target := "oci://" + proxy + "/team/hello:1.0.0"
		if list, err := airlock.ListAttestations(ctx, target, airlock.InspectOptions{}); err != nil || len(list) != 2 {
			t.Fatalf("list: %v %+v", err, list)
		}
		if _, err := airlock.VerifyAttestations(ctx, target, airlock.VerifyOptions{Policy: requiring(p, attest.PredicateSLSAProvenance)}); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, bytes.Load())
	}
	if sizes[0] > 64<<10 || sizes[1] > 64<<10 || sizes[1]-sizes[0] > 4<<10 {
		t.Fatalf("expected list and verify to fetch a few KiB whatever the package size, fetched %d and %d bytes", sizes[0], sizes[1])
	}
}

// union serves blobs from an archive and a memory store.
type union struct {
	a *archive.Reader
	m *memory.Store
}

func (u union) Exists(ctx context.Context, d ocispec.Descriptor) (bool, error) {
	if ok, _ := u.a.Exists(ctx, d); ok {
		return true, nil
	}
	return u.m.Exists(ctx, d)
}

func (u union) Fetch(ctx context.Context, d ocispec.Descriptor) (io.ReadCloser, error) {
	if ok, _ := u.a.Exists(ctx, d); ok {
		return u.a.Fetch(ctx, d)
	}
	return u.m.Fetch(ctx, d)
}

// An attestation about another subject attached to the package is reported
// and never counted.
func TestAttestationAboutAnotherSubject(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	signed := signedArchive(t, key)
	r, err := archive.Open(signed)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	root, _ := r.Root()
	st, _ := attest.Statement(digest.FromString("another package"), attest.PredicateSLSAProvenance, nil)
	bundle, err := sign.DSSE(ctx, st, key, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := spec.NewBundleReferrer(root, bundle, attest.PredicateSLSAProvenance, time.Now())
	mem := memory.New()
	mem.Push(ctx, ref.Descriptor, strings.NewReader(string(ref.Manifest)))
	mem.Push(ctx, ref.Bundle, strings.NewReader(string(bundle)))
	// Keep the root and its signature; replace the provenance with the stray one.
	var manifests []ocispec.Descriptor
	for _, d := range r.Index().Manifests {
		if d.Annotations[spec.AnnotationBundlePredicateType] != attest.PredicateSLSAProvenance {
			manifests = append(manifests, d)
		}
	}
	out := filepath.Join(t.TempDir(), "stray.tar")
	if err := archive.WriteFile(ctx, out, union{r, mem}, append(manifests, ref.Descriptor)); err != nil {
		t.Fatal(err)
	}
	res, err := airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: requiring(p, attest.PredicateSLSAProvenance)})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonPredicateSubjectMismatch {
		t.Fatalf("expected PREDICATE_SUBJECT_MISMATCH, got %v", err)
	}
	reported := false
	for _, a := range res.Attestations {
		if a.PredicateType == attest.PredicateSLSAProvenance && !a.Verified && a.Reason == verify.ReasonSubjectMismatch {
			reported = true
		}
	}
	if !reported {
		t.Fatalf("the stray attestation must be reported: %+v", res.Attestations)
	}
}
