// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package trust_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/trust"
)

func newTUFRepo(t *testing.T) *airlocktest.TUFRepo {
	return airlocktest.NewTUFRepo(t, trust.TrustedRootTarget, trust.PublicGoodRoot)
}

func TestTUFUpdateExportImport(t *testing.T) {
	repo := newTUFRepo(t)
	mirror := httptest.NewServer(http.FileServer(http.Dir(repo.Dir)))
	defer mirror.Close()
	store := filepath.Join(t.TempDir(), "store")
	state, err := trust.Update(context.Background(), trust.TUFOptions{Dir: store, Root: repo.Root1, Mirror: mirror.URL})
	if err != nil {
		t.Fatal(err)
	}
	if state.RootVersion != 2 || !state.Expires.Equal(repo.Expires) {
		t.Fatalf("unexpected state %+v", state)
	}
	snap := filepath.Join(t.TempDir(), "snapshot")
	if err := trust.Export(trust.TUFOptions{Dir: store}, snap); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"2.root.json", "timestamp.json", "snapshot.json", "targets.json", "targets/trusted_root.json"} {
		if _, err := os.Stat(filepath.Join(snap, f)); err != nil {
			t.Fatalf("the snapshot lacks %s", f)
		}
	}

	// Inside the gap: verified offline from the pinned root, then used.
	inside := filepath.Join(t.TempDir(), "inside")
	if _, err := trust.Import(snap, trust.TUFOptions{Dir: inside, Root: repo.Root1}); err != nil {
		t.Fatal(err)
	}
	m, err := trust.Load(trust.Options{TUFDir: inside})
	if err != nil || m.Sources[0].Kind != "tuf" || !m.Sources[0].MetadataExpires.Equal(repo.Expires) {
		t.Fatalf("the imported root is not in force: %v %+v", err, m)
	}
	if w := m.Warnings(repo.Expires.Add(time.Hour)); len(w) == 0 || !strings.Contains(w[0], "expired on") {
		t.Fatalf("expected a warning saying when the metadata expired, got %v", w)
	}
}

func TestTUFImportRefuses(t *testing.T) {
	repo := newTUFRepo(t)
	mirror := httptest.NewServer(http.FileServer(http.Dir(repo.Dir)))
	defer mirror.Close()
	store := filepath.Join(t.TempDir(), "store")
	if _, err := trust.Update(context.Background(), trust.TUFOptions{Dir: store, Root: repo.Root1, Mirror: mirror.URL}); err != nil {
		t.Fatal(err)
	}
	other := newTUFRepo(t)
	tests := []struct {
		name   string
		mutate func(snap string)
		opts   trust.TUFOptions
		says   string
	}{
		{"expired at the given time", nil, trust.TUFOptions{Root: repo.Root1, Now: func() time.Time { return repo.Expires.Add(time.Hour) }}, "expired"},
		{"tampered target", func(snap string) {
			os.WriteFile(filepath.Join(snap, "targets", "trusted_root.json"), []byte(`{"evil":true}`), 0o644)
		}, trust.TUFOptions{Root: repo.Root1}, "hash verification failed"},
		{"another pinned root", nil, trust.TUFOptions{Root: other.Root1}, "not enough signatures"},
		{"unsigned root rotation", func(snap string) {
			os.WriteFile(filepath.Join(snap, "3.root.json"), []byte(`{"signed":{"_type":"root","version":3},"signatures":[]}`), 0o644)
		}, trust.TUFOptions{Root: repo.Root1}, "not enough signatures"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := filepath.Join(t.TempDir(), "snapshot")
			if err := trust.Export(trust.TUFOptions{Dir: store}, snap); err != nil {
				t.Fatal(err)
			}
			if tt.mutate != nil {
				tt.mutate(snap)
			}
			tt.opts.Dir = filepath.Join(t.TempDir(), "inside")
			_, err := trust.Import(snap, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("expected a refusal saying %q, got %v", tt.says, err)
			}
			if _, err := os.Stat(tt.opts.Dir); !os.IsNotExist(err) {
				t.Fatal("a refused import installed something")
			}
		})
	}
}

// A snapshot carried into the gap is the attacker's to arrange. Here the
// hash-named target (what the TUF client downloads and verifies) holds the
// honest trusted root, the plain-named one holds another, and the plain
// metadata files are replaced too. Import must install exactly what the TUF
// client verified, never the plain-named files beside it.
func TestTUFImportInstallsOnlyWhatVerified(t *testing.T) {
	repo := newTUFRepo(t)
	snap := t.TempDir()
	copyTree(t, repo.Dir, snap)
	evil := []byte(`{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1","certificateAuthorities":[]}`)
	os.WriteFile(filepath.Join(snap, "targets", "trusted_root.json"), evil, 0o644)
	os.WriteFile(filepath.Join(snap, "root.json"), []byte(`{"forged":"root"}`), 0o644)
	inside := filepath.Join(t.TempDir(), "inside")
	if _, err := trust.Import(snap, trust.TUFOptions{Dir: inside, Root: repo.Root1}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(inside, "targets", "trusted_root.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(trust.PublicGoodRoot) {
		t.Fatalf("import installed a trusted root the TUF client did not verify (%d bytes: %.60q)", len(got), got)
	}
	root, _ := os.ReadFile(filepath.Join(inside, "root.json"))
	if strings.Contains(string(root), "forged") {
		t.Fatal("import installed a root.json the TUF client did not verify")
	}
	m, err := trust.Load(trust.Options{TUFDir: inside})
	if err != nil || len(m.FulcioCertificateAuthorities()) == 0 {
		t.Fatalf("the verified root is not what is in force: %v", err)
	}
	// The store still exports a snapshot that imports again from the pinned root.
	again := filepath.Join(t.TempDir(), "again")
	if err := trust.Export(trust.TUFOptions{Dir: inside}, again); err != nil {
		t.Fatal(err)
	}
	if _, err := trust.Import(again, trust.TUFOptions{Dir: filepath.Join(t.TempDir(), "third"), Root: repo.Root1}); err != nil {
		t.Fatalf("a store made by import must export a snapshot that imports: %v", err)
	}
}

// A failed update leaves the store as it was: nothing the client fetched
// and did not verify lands in it.
func TestTUFUpdateFailureLeavesStore(t *testing.T) {
	repo := newTUFRepo(t)
	os.WriteFile(filepath.Join(repo.Dir, "3.root.json"), []byte(`{"signed":{"_type":"root","version":3},"signatures":[]}`), 0o644)
	mirror := httptest.NewServer(http.FileServer(http.Dir(repo.Dir)))
	defer mirror.Close()
	store := filepath.Join(t.TempDir(), "store")
	if _, err := trust.Update(context.Background(), trust.TUFOptions{Dir: store, Root: repo.Root1, Mirror: mirror.URL}); err == nil {
		t.Fatal("expected the unsigned root rotation to be refused")
	}
	if _, err := os.Stat(store); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(store)
		t.Fatalf("a failed update left %v in the store", entries)
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
