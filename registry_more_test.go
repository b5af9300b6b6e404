// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/sign"
)

// signedArchive creates the sample package and signs it (and its provenance
// and SBOM) with key; a nil key means a fresh one.
func signedArchive(t *testing.T, key *sign.Key) string {
	t.Helper()
	out := create(t, airlocktest.WritePackage(t))
	if key == nil {
		key, _ = newKey(t, "team.pub")
	}
	if _, err := airlock.Sign(context.Background(), out, key, airlock.SignOptions{AllStatements: true}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPushOverTLS(t *testing.T) {
	host, caPEM := airlocktest.NewTLSRegistry(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, caPEM, 0o644)
	out := signedArchive(t, nil)
	target := "oci://" + host + "/team/hello:1.0"
	tests := []struct {
		name string
		opts registry.Options
		says string
	}{
		{"another CA", registry.Options{CAFile: otherCA(t)}, "certificate signed by unknown authority"},
		{"CA file", registry.Options{CAFile: ca}, ""},
		{"skip verify", registry.Options{InsecureSkipTLSVerify: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := airlock.Push(context.Background(), out, target, airlock.PushOptions{Registry: tt.opts})
			switch {
			case tt.says == "" && err != nil:
				t.Fatal(err)
			case tt.says != "" && (err == nil || !strings.Contains(err.Error(), tt.says)):
				t.Fatalf("expected a refusal, got %v", err)
			}
		})
	}
}

// otherCA writes a self-signed CA certificate that signed nothing.
func otherCA(t *testing.T) string {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "other-ca.pem")
	os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	return path
}

// Registries answer the referrers probe of an API they lack with 404, 405 or
// 400; each makes push fall back to the referrers tag schema.
func TestProbeAnswersMeanUnsupported(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusBadRequest} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			host := airlocktest.NewRegistry(t)
			proxy := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, _ *http.Response) bool {
				if strings.Contains(r.URL.Path, "/referrers/") {
					w.WriteHeader(status)
					return true
				}
				return false
			})
			res, err := airlock.Push(context.Background(), signedArchive(t, nil), "oci://"+proxy+"/team/hello:1.0", airlock.PushOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.ReferrersAPI {
				t.Fatalf("a %d probe answer must mean no referrers API", status)
			}
			tag := registry.LegacyTag(res.Root.Digest, "")
			index := airlocktest.Resolve(t, host, "team/hello", tag)
			if index.MediaType != ocispec.MediaTypeImageIndex {
				t.Fatalf("expected the referrers tag index %s, found %+v", tag, index)
			}
		})
	}
}

func TestPushSkipsBlobsTheRegistryHas(t *testing.T) {
	host := airlocktest.NewRegistry(t)
	var uploads atomic.Int32
	proxy := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, _ *http.Response) bool {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/blobs/uploads/") {
			uploads.Add(1)
		}
		return false
	})
	out := signedArchive(t, nil)
	if _, err := airlock.Push(context.Background(), out, "oci://"+proxy+"/team/hello:1.0", airlock.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	first := uploads.Load()
	if _, err := airlock.Push(context.Background(), out, "oci://"+proxy+"/team/hello:1.1", airlock.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	if first == 0 || uploads.Load() != first {
		t.Fatalf("expected the second push to upload nothing: %d uploads, then %d", first, uploads.Load()-first)
	}
}

// countingProgress adds up what a transfer reports.
type countingProgress struct {
	mu                sync.Mutex
	started, finished int
	bytes             int64
}

func (c *countingProgress) Started(ocispec.Descriptor) { c.mu.Lock(); c.started++; c.mu.Unlock() }
func (c *countingProgress) Moved(_ ocispec.Descriptor, n int) {
	c.mu.Lock()
	c.bytes += int64(n)
	c.mu.Unlock()
}
func (c *countingProgress) Finished(ocispec.Descriptor) { c.mu.Lock(); c.finished++; c.mu.Unlock() }

func TestPullReportsProgress(t *testing.T) {
	host, p := published(t)
	var c countingProgress
	out := filepath.Join(t.TempDir(), "out.tar")
	if _, err := airlock.Pull(context.Background(), "oci://"+host+"/team/hello:1.0.0", out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}, Progress: &c}); err != nil {
		t.Fatal(err)
	}
	if c.started == 0 || c.started != c.finished || c.bytes < 1<<20 {
		t.Fatalf("unexpected progress: %d started, %d finished, %d bytes", c.started, c.finished, c.bytes)
	}
}
