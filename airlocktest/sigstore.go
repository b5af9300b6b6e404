// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlocktest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// SigstoreBinaries are the paths of the real Sigstore servers a [Sigstore]
// runs (scripts/tools.sh builds them).
type SigstoreBinaries struct {
	Fulcio, CTLog, TSA, Rekor string
}

// Sigstore is a real Sigstore running on 127.0.0.1 for one test: an OIDC
// issuer, Fulcio with a CT log (tesseract), a timestamp authority and a
// Rekor v2 log, plus the trusted root and signing config that describe them.
// Fulcio's metrics port and the TSA's listen on every interface, so run it in
// a network namespace with only loopback (scripts/test.sh does).
type Sigstore struct {
	// Issuer gives email identities; GitHub gives GitHub Actions workflow
	// identities (Fulcio's github-workflow issuer type, with its claims).
	Issuer, GitHub                     *OIDCIssuer
	FulcioURL, RekorURL, TSAURL, CTURL string
	// TrustedRoot and SigningConfig are files describing the instance.
	TrustedRoot, SigningConfig string
	// FulcioChain, TSAChain (PEM certificates), RekorKey and CTKey (PEM public
	// keys) are the files cosign's SIGSTORE_* variables would name.
	FulcioChain, TSAChain, RekorKey, CTKey string
	// Root is the trusted root's material.
	Root *root.TrustedRoot
}

// StartSigstore starts the stack; it fails the test if a server does not
// come up within 30 seconds.
func StartSigstore(t testing.TB, bin SigstoreBinaries) *Sigstore {
	t.Helper()
	dir := t.TempDir()
	s := &Sigstore{Issuer: NewOIDCIssuer(t), GitHub: NewOIDCIssuer(t)}
	ctKey := writeECKey(t, filepath.Join(dir, "ctlog"))
	origin := "127.0.0.1/ctlog"
	fulcioPort, grpcPort, metricsPort, ctPort := freePort(t), freePort(t), freePort(t), freePort(t)
	s.CTURL = fmt.Sprintf("http://127.0.0.1:%d", ctPort)
	cfg := filepath.Join(dir, "fulcio.json")
	writeFile(t, cfg, fmt.Sprintf(`{"OIDCIssuers":{%q:{"IssuerURL":%q,"ClientID":"sigstore","Type":"email"},%q:{"IssuerURL":%q,"ClientID":"sigstore","Type":"github-workflow"}}}`,
		s.Issuer.URL, s.Issuer.URL, s.GitHub.URL, s.GitHub.URL))
	s.FulcioURL = fmt.Sprintf("http://127.0.0.1:%d", fulcioPort)
	// Fulcio v1.8.8 sometimes panics as it starts (its gRPC metrics register
	// twice, racing): a crash before it answers is retried.
	fulcioChain := startAnswering(t, dir, "fulcio", s.FulcioURL+"/api/v1/rootCert", bin.Fulcio, "serve", "--host=127.0.0.1", fmt.Sprintf("--port=%d", fulcioPort),
		"--grpc-host=127.0.0.1", fmt.Sprintf("--grpc-port=%d", grpcPort), fmt.Sprintf("--metrics-port=%d", metricsPort),
		"--ca=ephemeralca", "--config-path="+cfg, "--ct-log-url="+s.CTURL, "--ct-log-origin="+origin,
		"--ct-log-public-key-path="+ctKey.pubPath)
	s.FulcioChain, s.CTKey = filepath.Join(dir, "fulcio-root.pem"), ctKey.pubPath
	writeFile(t, s.FulcioChain, string(fulcioChain))
	start(t, dir, "ctlog", bin.CTLog, "--private_key="+ctKey.privPath, "--origin="+origin, "--storage_dir="+filepath.Join(dir, "ct"),
		"--roots_pem_file="+filepath.Join(dir, "fulcio-root.pem"), "--ext_key_usages=CodeSigning",
		fmt.Sprintf("--http_endpoint=127.0.0.1:%d", ctPort), "--checkpoint_interval=500ms")
	waitGet(t, s.CTURL+"/ct/v1/get-roots")
	tsaPort := freePort(t)
	s.TSAURL = fmt.Sprintf("http://127.0.0.1:%d", tsaPort)
	start(t, dir, "tsa", bin.TSA, "serve", "--host=127.0.0.1", fmt.Sprintf("--port=%d", tsaPort), "--timestamp-signer=memory", "--disable-ntp-monitoring")
	tsaChain := waitGet(t, s.TSAURL+"/api/v1/timestamp/certchain")
	s.TSAChain = filepath.Join(dir, "tsa-chain.pem")
	writeFile(t, s.TSAChain, string(tsaChain))
	rekorKey := writeEd25519Key(t, filepath.Join(dir, "rekor"))
	s.RekorKey = rekorKey.pubPath
	rekorPort, rekorGRPC, rekorMetrics := freePort(t), freePort(t), freePort(t)
	s.RekorURL = fmt.Sprintf("http://127.0.0.1:%d", rekorPort)
	start(t, dir, "rekor", bin.Rekor, "serve", "--http-address=127.0.0.1", fmt.Sprintf("--http-port=%d", rekorPort),
		"--grpc-address=127.0.0.1", fmt.Sprintf("--grpc-port=%d", rekorGRPC), fmt.Sprintf("--http-metrics-port=%d", rekorMetrics),
		"--hostname=127.0.0.1", "--storage-dir="+filepath.Join(dir, "rekor-tiles"), "--signer-filepath="+rekorKey.privPath,
		"--checkpoint-interval=200ms")
	waitGet(t, s.RekorURL+"/healthz")
	s.Root = s.trustedRoot(t, fulcioChain, tsaChain, ctKey.pub, rekorKey.pub)
	s.TrustedRoot = filepath.Join(dir, "trusted_root.json")
	data, err := s.Root.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, s.TrustedRoot, string(data))
	s.SigningConfig = filepath.Join(dir, "signing_config.json")
	writeFile(t, s.SigningConfig, s.signingConfig())
	return s
}

func (s *Sigstore) trustedRoot(t testing.TB, fulcioChain, tsaChain []byte, ctPub, rekorPub any) *root.TrustedRoot {
	t.Helper()
	start := time.Now().Add(-time.Hour)
	certs, err := cryptoutils.UnmarshalCertificatesFromPEM(fulcioChain)
	if err != nil || len(certs) == 0 {
		t.Fatalf("Fulcio's chain: %v", err)
	}
	ca := &root.FulcioCertificateAuthority{Root: certs[len(certs)-1], Intermediates: certs[:len(certs)-1], ValidityPeriodStart: start, URI: s.FulcioURL}
	tsaCerts, err := cryptoutils.UnmarshalCertificatesFromPEM(tsaChain)
	if err != nil || len(tsaCerts) == 0 {
		t.Fatalf("the TSA's chain: %v", err)
	}
	tsa := &root.SigstoreTimestampingAuthority{Leaf: tsaCerts[0], Intermediates: tsaCerts[1 : len(tsaCerts)-1], Root: tsaCerts[len(tsaCerts)-1], ValidityPeriodStart: start, URI: s.TSAURL}
	ctID := spkiID(t, ctPub)
	rekorID := ed25519LogID("127.0.0.1", rekorPub.(ed25519.PublicKey))
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01,
		[]root.CertificateAuthority{ca},
		map[string]*root.TransparencyLog{fmt.Sprintf("%x", ctID): {BaseURL: s.CTURL, ID: ctID, PublicKey: ctPub, HashFunc: crypto.SHA256, SignatureHashFunc: crypto.SHA256, ValidityPeriodStart: start}},
		[]root.TimestampingAuthority{tsa},
		map[string]*root.TransparencyLog{fmt.Sprintf("%x", rekorID): {BaseURL: s.RekorURL, ID: rekorID, PublicKey: rekorPub, HashFunc: crypto.SHA256, ValidityPeriodStart: start}})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func (s *Sigstore) signingConfig() string {
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	svc := func(url string, v int) string {
		return fmt.Sprintf(`{"url":%q,"majorApiVersion":%d,"validFor":{"start":%q},"operator":"airlocktest"}`, url, v, since)
	}
	return fmt.Sprintf(`{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",`+
		`"caUrls":[%s],"oidcUrls":[%s],"rekorTlogUrls":[%s],"tsaUrls":[%s],`+
		`"rekorTlogConfig":{"selector":"ANY"},"tsaConfig":{"selector":"ANY"}}`,
		svc(s.FulcioURL, 1), svc(s.Issuer.URL, 1), svc(s.RekorURL, 2), svc(s.TSAURL+"/api/v1/timestamp", 1))
}

// spkiID is a CT log's ID: the SHA-256 of its PKIX public key.
func spkiID(t testing.TB, pub any) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return sum[:]
}

// ed25519LogID is a Rekor v2 log's ID for an Ed25519 key: the signed-note key
// hash, SHA-256 of the origin, a newline, the algorithm byte 0x01 and the key.
func ed25519LogID(origin string, pub ed25519.PublicKey) []byte {
	h := sha256.New()
	h.Write([]byte(origin + "\n"))
	h.Write([]byte{0x01})
	h.Write(pub)
	return h.Sum(nil)
}

type keyFiles struct {
	privPath, pubPath string
	pub               any
}

// writeECKey writes a P-256 key as SEC1 PEM (tesseract refuses PKCS#8).
func writeECKey(t testing.TB, prefix string) keyFiles {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(k)
	pubPEM, _ := cryptoutils.MarshalPublicKeyToPEM(k.Public())
	f := keyFiles{privPath: prefix + "-priv.pem", pubPath: prefix + "-pub.pem", pub: k.Public()}
	writeFile(t, f.privPath, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})))
	writeFile(t, f.pubPath, string(pubPEM))
	return f
}

func writeEd25519Key(t testing.TB, prefix string) keyFiles {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	pubPEM, _ := cryptoutils.MarshalPublicKeyToPEM(pub)
	f := keyFiles{privPath: prefix + "-priv.pem", pubPath: prefix + "-pub.pem", pub: pub}
	writeFile(t, f.privPath, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	writeFile(t, f.pubPath, string(pubPEM))
	return f
}

func writeFile(t testing.TB, path, content string) {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs a server for the test's lifetime, its output in dir/NAME.log,
// and returns a channel closed when it exits.
func start(t testing.TB, dir, name, bin string, args ...string) <-chan struct{} {
	t.Helper()
	logFile, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		logFile.Close()
		if t.Failed() {
			data, _ := os.ReadFile(logFile.Name())
			t.Logf("%s log:\n%s", name, tail(string(data), 3000))
		}
	})
	return exited
}

// startAnswering starts a server as start does and waits until url
// answers 200, starting it again (three times at most) when it exits
// before; it returns the answer.
func startAnswering(t testing.TB, dir, name, url, bin string, args ...string) []byte {
	t.Helper()
	for attempt := 1; ; attempt++ {
		exited := start(t, dir, fmt.Sprintf("%s-%d", name, attempt), bin, args...)
		if body, ok := poll(url, exited); ok {
			return body
		}
		select {
		case <-exited:
			if attempt < 3 {
				continue
			}
			t.Fatalf("%s exited %d times before answering", name, attempt)
		default:
			t.Fatalf("%s did not answer", url)
		}
		return nil
	}
}

// poll polls url until it answers 200 (true), 30 s pass or exited closes.
func poll(url string, exited <-chan struct{}) ([]byte, bool) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		select {
		case <-exited:
			return nil, false
		default:
		}
		if resp, err := http.Get(url); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return body, true
			}
		}
	}
	return nil, false
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// waitGet polls url until it answers 200, and returns the body.
func waitGet(t testing.TB, url string) []byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return body
			}
			last = resp.Status + ": " + strings.TrimSpace(string(body))
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not answer: %s", url, last)
	return nil
}

// GitHubToken mints a token as GitHub Actions gives one to the workflow
// .github/workflows/WORKFLOW in repository (owner/name) running on ref:
// Fulcio issues a certificate for https://github.com/REPO/.github/workflows/WORKFLOW@REF
// with the GitHub workflow extensions.
func (s *Sigstore) GitHubToken(t testing.TB, repository, workflow, ref string) string {
	t.Helper()
	jobRef := repository + "/.github/workflows/" + workflow + "@" + ref
	sha := strings.Repeat("ab", 20)
	owner, _, _ := strings.Cut(repository, "/")
	return s.GitHub.Token(t, "repo:"+repository+":ref:"+ref, map[string]any{
		"job_workflow_ref": jobRef, "job_workflow_sha": sha, "workflow_ref": jobRef, "workflow_sha": sha,
		"sha": sha, "event_name": "push", "repository": repository, "workflow": "release", "ref": ref,
		"runner_environment": "github-hosted", "repository_id": "1", "repository_owner": owner, "repository_owner_id": "2",
		"repository_visibility": "public", "run_id": "42", "run_attempt": "1",
	})
}
