// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/verify"
)

// signedZarfFiles returns the files of a Zarf package airlock signed.
func signedZarfFiles(t *testing.T, files airlocktest.ZarfFiles, key *sign.Key) airlocktest.ZarfFiles {
	t.Helper()
	pkg := files.Write(t, t.TempDir(), true)
	if _, err := airlock.Sign(context.Background(), pkg, key, airlock.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	return readZarf(t, pkg)
}

// A published Zarf package verifies once signed, every layer hashed; each
// way of tampering with its layers is refused with its reason.
func TestZarfPublished(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	_, other := newKey(t, "other.pub")
	reg := airlocktest.NewRegistry(t)
	signed := signedZarfFiles(t, airlocktest.NewZarfFiles(t, "demo"), key)
	signed.Publish(t, reg, "zarf/demo", "1.0.0", "amd64")
	target := "oci://" + reg + "/zarf/demo:1.0.0"
	res, err := airlock.Verify(ctx, target, airlock.VerifyOptions{Policy: p})
	if err != nil || res.Package.Format != "zarf" || res.Package.Architecture != "amd64" || !res.Verified {
		t.Fatalf("published: %v %+v", err, res)
	}
	if _, err := airlock.Verify(ctx, target, airlock.VerifyOptions{Policy: other}); !isReason(err, verify.ReasonKeyMismatch) {
		t.Fatalf("another key: %v", err)
	}
	opts := airlock.VerifyOptions{Policy: p, Registry: registry.Options{Architecture: "arm64"}}
	if _, err := airlock.Verify(ctx, target, opts); err == nil || !strings.Contains(err.Error(), "no arm64 package") {
		t.Fatalf("another architecture: %v", err)
	}
	for name, c := range map[string]struct {
		tamper func(airlocktest.ZarfFiles)
		want   verify.Reason
	}{
		"component changed": {func(f airlocktest.ZarfFiles) { f["components/app.tar"][100] ^= 1 }, verify.ReasonDigestMismatch},
		"extra layer":       {func(f airlocktest.ZarfFiles) { f["components/extra.tar"] = []byte("x") }, verify.ReasonMalformedPackage},
		"layer removed":     {func(f airlocktest.ZarfFiles) { delete(f, "sboms.tar") }, verify.ReasonMissingBlob},
		"stripped":          {func(f airlocktest.ZarfFiles) { delete(f, "zarf.bundle.sig") }, verify.ReasonNoSignature},
		"re-checksummed":    {func(f airlocktest.ZarfFiles) { f["components/app.tar"][100] ^= 1; f.Reseal() }, verify.ReasonSubjectMismatch},
		"title escapes":     {func(f airlocktest.ZarfFiles) { f["../etc/passwd"] = []byte("x") }, verify.ReasonMalformedPackage},
	} {
		t.Run(name, func(t *testing.T) {
			f := airlocktest.ZarfFiles{}
			for k, v := range signed {
				f[k] = append([]byte{}, v...)
			}
			c.tamper(f)
			f.Publish(t, reg, "zarf/tampered", name[:4], "amd64")
			_, err := airlock.Verify(ctx, "oci://"+reg+"/zarf/tampered:"+name[:4], airlock.VerifyOptions{Policy: p})
			if !isReason(err, c.want) {
				t.Fatalf("expected %s, got %v", c.want, err)
			}
		})
	}
	t.Run("registry serves other bytes", func(t *testing.T) {
		proxy := airlocktest.NewFaultProxy(t, reg, airlocktest.Corrupt(10))
		// Only the component's bytes: the small files the checks read are right.
		app := digest.FromBytes(signed["components/app.tar"]).String()
		corrupt := airlocktest.Corrupt(10)
		only := airlocktest.NewFaultProxy(t, reg, func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
			return strings.HasSuffix(r.URL.Path, app) && corrupt(w, r, up)
		})
		for _, target := range []string{proxy, only} {
			for _, hashAsRead := range []bool{false, true} { // Verify reads every layer either way
				_, err := airlock.Verify(ctx, "oci://"+target+"/zarf/demo:1.0.0", airlock.VerifyOptions{Policy: p, HashAsRead: hashAsRead})
				if !isReason(err, verify.ReasonDigestMismatch) {
					t.Fatalf("HashAsRead %v: expected DIGEST_MISMATCH, got %v", hashAsRead, err)
				}
			}
		}
	})
}

// Signing a published Zarf package makes a new manifest and index, moves
// the tag, and adds a cosign signature referrer of the new manifest.
func TestZarfSignPublished(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	reg := airlocktest.NewRegistry(t)
	airlocktest.NewZarfFiles(t, "demo").Publish(t, reg, "zarf/demo", "1.0.0", "amd64")
	target := "oci://" + reg + "/zarf/demo:1.0.0"
	if _, err := airlock.Verify(ctx, target, airlock.VerifyOptions{Policy: p}); !isReason(err, verify.ReasonNoSignature) {
		t.Fatalf("unsigned: %v", err)
	}
	res, err := airlock.Sign(ctx, target, key, airlock.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := airlock.Verify(ctx, target, airlock.VerifyOptions{Policy: p}); err != nil {
		t.Fatalf("signed: %v", err)
	}
	refs := airlocktest.Referrers(t, reg, "zarf/demo", res.Root)
	if len(refs) != 1 || refs[0].Digest != res.Signature.Digest {
		t.Fatalf("expected the signature referrer of the new manifest, found %v", refs)
	}
	if _, err := airlock.Sign(ctx, target, key, airlock.SignOptions{}); err == nil || !strings.Contains(err.Error(), "already signed") {
		t.Fatalf("signing twice: %v", err)
	}
	if _, err := airlock.Sign(ctx, target, key, airlock.SignOptions{Overwrite: true}); err != nil {
		t.Fatalf("signing again with Overwrite: %v", err)
	}
}

// A tag moved while a published Zarf package is signed is left where it
// is: the signed package is pushed by digest, and the error says so.
func TestZarfSignPublishedTagMoved(t *testing.T) {
	ctx := context.Background()
	key, _ := newKey(t, "team.pub")
	reg := airlocktest.NewRegistry(t)
	airlocktest.NewZarfFiles(t, "demo").Publish(t, reg, "zarf/demo", "1.0.0", "amd64")
	other, _ := airlocktest.NewZarfFiles(t, "demo").Publish(t, reg, "zarf/demo", "other", "amd64")
	var looks atomic.Int32
	proxy := airlocktest.NewFaultProxy(t, reg, func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
		if strings.HasSuffix(r.URL.Path, "/manifests/1.0.0") && looks.Add(1) == 1 {
			// The first look was answered: someone else moves the tag.
			airlocktest.Tag(t, reg, "zarf/demo", other, "1.0.0")
		}
		return false
	})
	_, err := airlock.Sign(ctx, "oci://"+proxy+"/zarf/demo:1.0.0", key, airlock.SignOptions{})
	if !isReason(err, verify.ReasonTagMoved) {
		t.Fatalf("expected TAG_MOVED, got %v", err)
	}
	if got := airlocktest.Resolve(t, reg, "zarf/demo", "1.0.0"); got.Digest != other.Digest {
		t.Fatalf("the tag was moved to %s", got.Digest)
	}
}

// Attestations of Zarf packages: a referrer of a published manifest, a
// bundle beside a tarball; listed, verified, downloaded; generated
// provenance names every file.
func TestZarfAttestations(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	_, other := newKey(t, "other.pub")
	reg := airlocktest.NewRegistry(t)
	files := signedZarfFiles(t, airlocktest.NewZarfFiles(t, "demo"), key)
	files.Publish(t, reg, "zarf/demo", "1.0.0", "amd64")
	tarball := files.Write(t, t.TempDir(), false)
	for _, target := range []string{tarball, "oci://" + reg + "/zarf/demo:1.0.0"} {
		if _, err := airlock.AttestGenerated(ctx, target, attest.PredicateSLSAProvenance, key, airlock.AttestOptions{}); err != nil {
			t.Fatal(err)
		}
		list, err := airlock.ListAttestations(ctx, target, airlock.InspectOptions{})
		if err != nil || len(list) != 1 || list[0].PredicateType != attest.PredicateSLSAProvenance || !list[0].Signed {
			t.Fatalf("%s: list: %v %+v", target, err, list)
		}
		pp := p
		pp.Attestations = []policy.AttestationRule{{PredicateType: attest.PredicateSLSAProvenance}}
		if _, err := airlock.VerifyAttestations(ctx, target, airlock.VerifyOptions{Policy: pp}); err != nil {
			t.Fatalf("%s: verify: %v", target, err)
		}
		st, err := airlock.DownloadAttestation(ctx, target, attest.PredicateSLSAProvenance, false, airlock.VerifyOptions{Policy: p})
		if err != nil || !strings.Contains(string(st), "components/app.tar") || !strings.Contains(string(st), attest.BuildTypeZarf) {
			t.Fatalf("%s: download: %v %s", target, err, st)
		}
		op := other
		op.Attestations = pp.Attestations
		if _, err := airlock.VerifyAttestations(ctx, target, airlock.VerifyOptions{Policy: op}); err == nil {
			t.Fatalf("%s: verified with another key", target)
		}
	}
	if _, err := os.Stat(airlock.ZarfAttestationPath(tarball, attest.PredicateSLSAProvenance)); err != nil {
		t.Fatal(err)
	}
	// An attestation of another package, put beside this one, is not counted.
	otherPkg := signedZarfFiles(t, airlocktest.NewZarfFiles(t, "demo"), key).Write(t, t.TempDir(), false)
	if _, err := airlock.AttestGenerated(ctx, otherPkg, attest.PredicateSPDX, key, airlock.AttestOptions{}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(airlock.ZarfAttestationPath(otherPkg, attest.PredicateSPDX))
	os.WriteFile(airlock.ZarfAttestationPath(tarball, attest.PredicateSPDX), data, 0o644)
	pp := p
	pp.Attestations = []policy.AttestationRule{{PredicateType: attest.PredicateSPDX}}
	if _, err := airlock.VerifyAttestations(ctx, tarball, airlock.VerifyOptions{Policy: pp}); err == nil {
		t.Fatal("an attestation of another package was counted")
	}
}

// Mirroring a verified Zarf package pushes its images where airlock puts
// them, same digests; a package that does not verify pushes nothing.
func TestZarfMirror(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	files := airlocktest.NewZarfFiles(t, "demo")
	img := files.AddImage("ghcr.io/team/app:1.2")
	// A signature a Zarf user carried, listed among the images by its cosign tag.
	sigTag := "sha256-" + img.Encoded() + ".sig"
	sig := files.AddImage("ghcr.io/team/app:" + sigTag)
	files.Seal("demo")
	signed := signedZarfFiles(t, files, key)
	src := airlocktest.NewRegistry(t)
	signed.Publish(t, src, "zarf/demo", "1.0.0", "amd64")
	for name, target := range map[string]string{"tarball": signed.Write(t, t.TempDir(), false), "published": "oci://" + src + "/zarf/demo:1.0.0"} {
		t.Run(name, func(t *testing.T) {
			dest := airlocktest.NewRegistry(t)
			res, err := airlock.Mirror(ctx, target, "oci://"+dest+"/inside", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
			if err != nil || len(res.Images) != 2 || res.Images[0].Destination != dest+"/inside/team/app:1.2" || !res.Verification.Verified {
				t.Fatalf("%v %+v", err, res)
			}
			if got := airlocktest.Resolve(t, dest, "inside/team/app", "1.2"); got.Digest != img {
				t.Fatalf("mirrored as %s, expected %s", got.Digest, img)
			}
			if got := airlocktest.Resolve(t, dest, "inside/team/app", sigTag); got.Digest != sig {
				t.Fatalf("the carried signature tag names %s, expected %s", got.Digest, sig)
			}
		})
	}
	t.Run("tampered image pushes nothing", func(t *testing.T) {
		f := airlocktest.ZarfFiles{}
		for k, v := range signed {
			f[k] = append([]byte{}, v...)
		}
		for k := range f {
			if strings.HasPrefix(k, "images/blobs/") && len(f[k]) == 8192 {
				f[k][0] ^= 1
			}
		}
		dest := airlocktest.NewRegistry(t)
		_, err := airlock.Mirror(ctx, f.Write(t, t.TempDir(), false), "oci://"+dest+"/inside", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
		if !isReason(err, verify.ReasonDigestMismatch) {
			t.Fatalf("expected DIGEST_MISMATCH, got %v", err)
		}
		if tags := airlocktest.Tags(t, dest, "inside/team/app"); len(tags) != 0 {
			t.Fatalf("pushed %v", tags)
		}
	})
}

// verify with required attestations checks them on a Zarf package too.
func TestZarfVerifyRequiresAttestations(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	pkg := signedZarfFiles(t, airlocktest.NewZarfFiles(t, "demo"), key).Write(t, t.TempDir(), false)
	pp := p
	pp.Attestations = []policy.AttestationRule{{PredicateType: attest.PredicateSLSAProvenance}}
	if _, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: pp}); !isReason(err, verify.ReasonPredicateMissing) {
		t.Fatalf("expected PREDICATE_MISSING, got %v", err)
	}
	if _, err := airlock.AttestGenerated(ctx, pkg, attest.PredicateSLSAProvenance, key, airlock.AttestOptions{}); err != nil {
		t.Fatal(err)
	}
	if res, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: pp}); err != nil || !res.Verified {
		t.Fatalf("with its provenance: %v", err)
	}
	if _, err := airlock.Verify(ctx, pkg, airlock.VerifyOptions{Policy: p, RequireImageSignatures: true}); err == nil {
		t.Fatal("image signatures required of a Zarf package: verified")
	}
}

// names records the names progress was given.
type names struct {
	mu   sync.Mutex
	seen map[string]int64
}

func (n *names) Started(d ocispec.Descriptor) {}
func (n *names) Moved(d ocispec.Descriptor, m int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.seen[d.Annotations[ocispec.AnnotationTitle]] += int64(m)
}
func (n *names) Finished(ocispec.Descriptor) {}

// Verifying a Zarf package reports progress: a tarball by its name, a
// published package's layers by their paths.
func TestZarfVerifyProgress(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	signed := signedZarfFiles(t, airlocktest.NewZarfFiles(t, "demo"), key)
	pkg := signed.Write(t, t.TempDir(), false)
	reg := airlocktest.NewRegistry(t)
	signed.Publish(t, reg, "zarf/demo", "1.0.0", "amd64")
	for target, want := range map[string]string{pkg: filepath.Base(pkg), "oci://" + reg + "/zarf/demo:1.0.0": "components/app.tar"} {
		n := &names{seen: map[string]int64{}}
		if _, err := airlock.Verify(ctx, target, airlock.VerifyOptions{Policy: p, Progress: n}); err != nil {
			t.Fatal(err)
		}
		if n.seen[want] == 0 {
			t.Errorf("%s: no progress for %s: %v", target, want, n.seen)
		}
	}
}
