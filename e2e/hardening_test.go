// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/airlock-dev/airlock/airlocktest"
)

// stalledPull publishes a signed package whose 1 MiB file blob a proxy
// sends half of and then holds, and returns the folder (with team.pub) and
// the pull's target.
func stalledPull(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	pkg := airlocktest.WritePackage(t)
	os.WriteFile(filepath.Join(pkg, "files", "hello.txt"), make([]byte, 1<<20), 0o644)
	airlock(t, dir, 0, "create", pkg, "-o", "hello.tar", "--key", "team.key")
	host := airlocktest.NewRegistry(t)
	airlock(t, dir, 0, "push", "hello.tar", "oci://"+host+"/team/hello")
	os.Remove(filepath.Join(dir, "hello.tar"))
	proxy := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, up *http.Response) bool {
		if !airlocktest.IsBlobGet(r) || up.ContentLength != 1<<20 {
			return false
		}
		w.Header().Set("Content-Length", "1048576")
		w.WriteHeader(http.StatusOK)
		io.CopyN(w, up.Body, 512<<10)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return true
	})
	return dir, "oci://" + proxy + "/team/hello:1.0.0"
}

// An interrupted pull removes what it was writing: SIGINT exits 130,
// SIGTERM 143, and the output folder holds nothing new.
func TestInterruptedPullLeavesNothing(t *testing.T) {
	for sig, code := range map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143} {
		t.Run(sig.String(), func(t *testing.T) {
			dir, target := stalledPull(t)
			out := t.TempDir()
			cmd := exec.Command(airlockBin, "pull", target, "-o", filepath.Join(out, "pulled.tar"), "--key", filepath.Join(dir, "team.pub"), "--insecure-ignore-tlog")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(30 * time.Second)
			for {
				if entries, _ := os.ReadDir(out); len(entries) > 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond) // the blob is in flight
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != code {
				t.Fatalf("expected exit %d, got %v\n%s", code, err, stderr.String())
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Fatalf("the interrupted pull left %v", entries)
			}
			if !strings.Contains(stderr.String(), "interrupted") {
				t.Fatalf("expected the interruption said: %s", stderr.String())
			}
		})
	}
}

// --offline means no dial, in every verb that takes it: a listener standing
// in for the registry counts connections (the suite runs in a network
// namespace with loopback only, so nothing else could be reached either).
func TestOfflineVerbsDialNothing(t *testing.T) {
	counted, dials := airlocktest.NewCountingListener(t)
	upstream := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, upstream, "team/app", "1.0")
	dir := t.TempDir()
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	airlock(t, dir, 0, "create", airlocktest.WritePackage(t, "- ref: "+upstream+"/team/app:1.0"), "-o", "hello.tar", "--key", "team.key")
	for _, args := range [][]string{
		{"pull", "oci://" + counted + "/team/hello:1.0.0", "-o", "pulled.tar", "--key", "team.pub", "--offline"},
		{"mirror", "hello.tar", "oci://" + counted + "/mirror", "--key", "team.pub", "--insecure-ignore-tlog", "--offline"},
		{"create", airlocktest.WritePackage(t, "- ref: "+counted+"/team/app:1.0"), "-o", "offline.tar", "--offline"},
		{"verify", "oci://" + counted + "/team/hello:1.0.0", "--key", "team.pub", "--offline"},
		{"inspect", "oci://" + counted + "/team/hello:1.0.0", "--offline"},
		{"push", "hello.tar", "oci://" + counted + "/team/hello", "--offline"},
	} {
		r := airlock(t, dir, 1, args...)
		if !strings.Contains(r.stderr, "--offline") {
			t.Errorf("airlock %s: the refusal must name --offline: %s", args[0], r.stderr)
		}
	}
	for _, f := range []string{"pulled.tar", "offline.tar"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s was written", f)
		}
	}
	// create without images works offline.
	airlock(t, dir, 0, "create", airlocktest.WritePackage(t), "-o", "plain.tar", "--offline", "--key", "team.key")
	if n := dials(); n != 0 {
		t.Fatalf("%d connections were made with --offline", n)
	}
}
