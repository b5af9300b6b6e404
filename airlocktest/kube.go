// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlocktest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// Kube is a real Kubernetes API server (with its etcd) on 127.0.0.1,
// started for a test. No kubelet or controllers run: objects are stored,
// validated, defaulted and served as in a cluster, but pods never start.
type Kube struct {
	// Server is the API server's URL (https://127.0.0.1:PORT).
	Server string
	// Token is a bearer token of a cluster administrator.
	Token string
	// Kubeconfig is a kubeconfig file naming the server (its certificate
	// not checked), the token and a context "airlock-test" whose default
	// namespace is "default".
	Kubeconfig string
}

// StartKube starts etcd and kube-apiserver (the binaries at etcd and
// apiserver) for the test's lifetime and waits until the API server is
// ready (about 10 s).
func StartKube(t testing.TB, apiserver, etcd string) *Kube {
	t.Helper()
	dir := t.TempDir()
	pe, pp, pa := freePort(t), freePort(t), freePort(t)
	client := fmt.Sprintf("http://127.0.0.1:%d", pe)
	start(t, dir, "etcd", etcd, "--data-dir", filepath.Join(dir, "etcd"), "--listen-client-urls", client,
		"--advertise-client-urls", client, "--listen-peer-urls", fmt.Sprintf("http://127.0.0.1:%d", pp))
	if _, ok := poll(client+"/health", nil); !ok {
		t.Fatal("etcd did not answer")
	}
	token := randomHex(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "sa.key"), string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})))
	writeFile(t, filepath.Join(dir, "sa.pub"), string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})))
	writeFile(t, filepath.Join(dir, "tokens.csv"), token+",admin,admin,system:masters\n")
	exited := start(t, dir, "kube-apiserver", apiserver, "--etcd-servers", client, "--bind-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(pa), "--cert-dir", filepath.Join(dir, "certs"),
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", filepath.Join(dir, "sa.pub"), "--service-account-signing-key-file", filepath.Join(dir, "sa.key"),
		"--token-auth-file", filepath.Join(dir, "tokens.csv"), "--authorization-mode", "AlwaysAllow",
		"--service-cluster-ip-range", "10.96.0.0/16",
		// With no default route (a loopback-only network namespace) the API
		// server cannot pick the address it advertises for the kubernetes
		// Service; one from TEST-NET-1 serves, as nothing dials it here.
		"--advertise-address", "192.0.2.10")
	k := &Kube{Server: fmt.Sprintf("https://127.0.0.1:%d", pa), Token: token, Kubeconfig: filepath.Join(dir, "kubeconfig")}
	k.waitReady(t, exited)
	writeFile(t, k.Kubeconfig, fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: airlock-test
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: %s
contexts:
- name: airlock-test
  context:
    cluster: airlock-test
    user: admin
    namespace: default
current-context: airlock-test
`, k.Server, token))
	return k
}

// waitReady polls /readyz until it answers ok (60 s at most).
func (k *Kube) waitReady(t testing.TB, exited <-chan struct{}) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // a test server's own certificate
	}}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		select {
		case <-exited:
			t.Fatal("kube-apiserver exited before it was ready")
		default:
		}
		req, _ := http.NewRequest(http.MethodGet, k.Server+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+k.Token)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatal("kube-apiserver was not ready after 60 s")
}

// randomHex returns 16 random bytes in hex.
func randomHex(t testing.TB) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Env returns KUBECONFIG=k.Kubeconfig, for a command's environment.
func (k *Kube) Env() string { return "KUBECONFIG=" + k.Kubeconfig }
