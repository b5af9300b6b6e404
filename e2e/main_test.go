// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// airlockBin is the binary under test, built once by TestMain.
var airlockBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "airlock-e2e-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	airlockBin = filepath.Join(dir, "airlock")
	// Every airlock the tests run keeps its TUF store here, not in the user's cache.
	os.Setenv("AIRLOCK_TUF_DIR", filepath.Join(dir, "tuf"))
	os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache")) // resumable pulls, not in the user's cache
	build := exec.Command("go", "build", "-o", airlockBin, "github.com/airlock-dev/airlock/cmd/airlock")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build airlock:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what a command printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

// run runs a command in dir with extra environment variables and no stdin.
func run(t *testing.T, dir string, env []string, bin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	return execute(t, cmd)
}

// runEnv runs airlock with exactly env as its environment.
func runEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(airlockBin, args...)
	cmd.Dir, cmd.Env = dir, env
	return execute(t, cmd)
}

func execute(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", cmd.Path, err)
	}
	return result{out.String(), errOut.String(), code}
}

// airlock runs the airlock binary and fails the test unless it exits with want.
func airlock(t *testing.T, dir string, want int, args ...string) result {
	t.Helper()
	r := run(t, dir, []string{"AIRLOCK_PASSWORD=correct horse"}, airlockBin, args...)
	if r.code != want {
		t.Fatalf("airlock %s: expected exit %d, got %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), want, r.code, r.stdout, r.stderr)
	}
	return r
}

// tool returns a peer binary's path: $AIRLOCK_<NAME>, then $PATH, then the
// cache scripts/tools.sh fills. Without it the test skips, or fails when
// AIRLOCK_E2E_REQUIRE=1 (as in CI).
func tool(t *testing.T, name string) string {
	t.Helper()
	candidates := []string{os.Getenv("AIRLOCK_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")))}
	if p, err := exec.LookPath(name); err == nil {
		candidates = append(candidates, p)
	}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".cache", "airlock", "bin", name))
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	if os.Getenv("AIRLOCK_E2E_REQUIRE") == "1" {
		t.Fatalf("%s not found and AIRLOCK_E2E_REQUIRE=1: scripts/tools.sh should have installed it", name)
	}
	t.Skipf("%s not found; set AIRLOCK_%s or run scripts/tools.sh", name, strings.ToUpper(strings.ReplaceAll(name, "-", "_")))
	return ""
}

// startServer starts a server the test needs and stops it when the test
// ends, showing its log only when the test failed.
func startServer(t *testing.T, cmd *exec.Cmd, name string, logs *syncBuffer) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s log:\n%s", name, logs.String())
		}
	})
}

// syncBuffer is a buffer a command writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
