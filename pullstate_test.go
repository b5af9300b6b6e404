// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/verify"
)

// A pull cut off by a link that keeps failing leaves no output, but what
// it fetched is kept: the same pull again fetches only what is missing,
// resuming the blob it was in by a range request, and the state is gone
// once the archive is complete.
func TestPullResumesWhatItFetched(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx := context.Background()
	host, p := published(t)
	out := filepath.Join(t.TempDir(), "hello.tar")
	target := func(proxy string) string { return "oci://" + proxy + "/team/hello:1.0.0" }
	failing := airlocktest.NewFaultProxy(t, host, airlocktest.DropAfter(700<<10, true))
	_, err := airlock.Pull(ctx, target(failing), out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if err == nil || errors.As(err, new(*verify.Failure)) || exists(out) {
		t.Fatalf("expected a network failure and no output, got %v", err)
	}
	cache, _ := airlock.PullCacheDir()
	if entries, _ := os.ReadDir(cache); len(entries) != 1 {
		t.Fatalf("expected the pull's state kept, found %v", entries)
	}
	var counted airlocktest.Counter
	again := airlocktest.NewFaultProxy(t, host, counted.Fault(nil))
	res, err := airlock.Pull(ctx, target(again), out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if err != nil || !res.Verified {
		t.Fatalf("resumed pull: %v", err)
	}
	if counted.Bytes() > 512<<10 {
		t.Fatalf("the resumed pull fetched %d bytes of blobs: more than half again", counted.Bytes())
	}
	if _, err := airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: p}); err != nil {
		t.Fatalf("the resumed archive: %v", err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Fatalf("the state outlived the pull: %v", entries)
	}
	// With the cache off, nothing is kept.
	os.Remove(out)
	airlock.Pull(ctx, target(failing), out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}, NoCache: true})
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Fatalf("NoCache kept %v", entries)
	}
}

// What a resumed pull reuses is hashed again: a state whose bytes were
// changed is fetched again where they were, and the archive verifies.
func TestPullResumeRehashes(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx := context.Background()
	host, p := published(t)
	out := filepath.Join(t.TempDir(), "hello.tar")
	failing := airlocktest.NewFaultProxy(t, host, airlocktest.DropAfter(700<<10, true))
	airlock.Pull(ctx, "oci://"+failing+"/team/hello:1.0.0", out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	cache, _ := airlock.PullCacheDir()
	states, _ := filepath.Glob(filepath.Join(cache, "*", "archive.partial"))
	if len(states) != 1 {
		t.Fatalf("expected one state, found %v", states)
	}
	data, _ := os.ReadFile(states[0])
	data[len(data)-1000] ^= 0xff // inside the blob the pull was in
	os.WriteFile(states[0], data, 0o600)
	if _, err := airlock.Pull(ctx, "oci://"+host+"/team/hello:1.0.0", out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}}); err != nil {
		t.Fatalf("a pull resuming from a changed state: %v", err)
	}
	if _, err := airlock.Verify(ctx, out, airlock.VerifyOptions{Policy: p}); err != nil {
		t.Fatal(err)
	}
}
