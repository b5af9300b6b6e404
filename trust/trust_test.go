// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package trust_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/testing/ca"

	"github.com/airlock-dev/airlock/trust"
)

func TestLoadDefaultsToPublicGood(t *testing.T) {
	m, err := trust.Load(trust.Options{})
	if err != nil || len(m.Sources) != 1 || m.Sources[0].Kind != "embedded" || len(m.FulcioCertificateAuthorities()) == 0 {
		t.Fatalf("unexpected default trust: %v %+v", err, m)
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "root.json")
	os.WriteFile(bad, []byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","tlogs":[{"baseUrl":"x"}]}`), 0o644)
	_, err := trust.Load(trust.Options{TrustedRoots: []string{bad}})
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("expected an error naming %s, got %v", bad, err)
	}
	_, err = trust.Load(trust.Options{Env: func(k string) (string, bool) {
		if k == trust.EnvRekorPublicKey {
			return bad, true
		}
		return "", false
	}})
	if err == nil || !strings.Contains(err.Error(), "SIGSTORE_REKOR_PUBLIC_KEY") {
		t.Fatalf("expected an error naming the variable, got %v", err)
	}
}

// Expired trust material says so, and when.
func TestExpiredMaterialIsReported(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	fca := vs.FulcioCertificateAuthorities()[0].(*root.FulcioCertificateAuthority)
	ended := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	expired := &root.FulcioCertificateAuthority{Root: fca.Root, Intermediates: fca.Intermediates, ValidityPeriodStart: ended.Add(-time.Hour), ValidityPeriodEnd: ended}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, []root.CertificateAuthority{expired}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := tr.MarshalJSON()
	path := filepath.Join(t.TempDir(), "old-root.json")
	os.WriteFile(path, data, 0o644)
	m, err := trust.Load(trust.Options{TrustedRoots: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	w := m.Warnings(time.Now())
	if len(w) != 1 || !strings.Contains(w[0], "expired on 2025-01-02T03:04:05Z") || !strings.Contains(w[0], path) {
		t.Fatalf("expected a warning naming the file and the date, got %v", w)
	}
}
