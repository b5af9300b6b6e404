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
