// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/airlock-dev/airlock/airlocktest"
)

// bigPackage writes, signed, a package with a file of size bytes in a new
// folder, version 1.0.0 as v1.tar; then 1.1.0 with one small file changed,
// as a differential archive v2.tar against it.
func bigPackage(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	pkg := airlocktest.WritePackage(t)
	data := make([]byte, size)
	rand.Read(data)
	os.WriteFile(filepath.Join(pkg, "files", "big.bin"), data, 0o644)
	def, _ := os.ReadFile(filepath.Join(pkg, "airlock.yaml"))
	os.WriteFile(filepath.Join(pkg, "airlock.yaml"), []byte(strings.Replace(string(def), "    files:\n", "    files:\n      - path: files/big.bin\n", 1)), 0o644)
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	airlock(t, dir, 0, "create", pkg, "-o", "v1.tar", "--key", "team.key")
	os.WriteFile(filepath.Join(pkg, "files", "hello.txt"), []byte("hello from 1.1.0\n"), 0o644)
	def, _ = os.ReadFile(filepath.Join(pkg, "airlock.yaml"))
	os.WriteFile(filepath.Join(pkg, "airlock.yaml"), []byte(strings.Replace(string(def), "version: 1.0.0", "version: 1.1.0", 1)), 0o644)
	r := airlock(t, dir, 0, "create", pkg, "-o", "v2.tar", "--key", "team.key", "--base", "v1.tar")
	if !strings.Contains(r.stdout, "left to the base") {
		t.Fatalf("create --base: %s", r.stdout)
	}
	return dir
}

var teamKey = []string{"--key", "team.pub", "--insecure-ignore-tlog"}

// An update moves kilobytes, and goes through both kinds of registry: the
// differential archive verifies with its base (an archive or the previous
// version in the registry), is pushed against the base, and pulls back
// complete; without its base, or with another, it is refused.
func TestDifferentialOnBothKindsOfRegistry(t *testing.T) {
	dir := bigPackage(t, 8<<20)
	if info, _ := os.Stat(filepath.Join(dir, "v2.tar")); info.Size() > 256<<10 {
		t.Fatalf("a one-file update of an 8 MiB package is %d bytes", info.Size())
	}
	r := airlock(t, dir, 1, append([]string{"verify", "v2.tar"}, teamKey...)...)
	if !strings.Contains(r.stderr, "--base") || !strings.Contains(r.stderr, "hello 1.0.0") {
		t.Fatalf("without its base, expected a message naming --base and the base:\n%s", r.stderr)
	}
	airlock(t, dir, 0, append([]string{"verify", "v2.tar", "--base", "v1.tar"}, teamKey...)...)
	airlock(t, dir, 0, "inspect", "v2.tar", "--base", "v1.tar")
	for name, host := range registries(t) {
		t.Run(name, func(t *testing.T) {
			repo := "oci://" + host + "/apps/app"
			airlock(t, dir, 0, "push", "v1.tar", repo)
			airlock(t, dir, 0, append([]string{"verify", "v2.tar", "--base", repo + ":1.0.0"}, teamKey...)...)
			airlock(t, dir, 0, "push", "v2.tar", repo, "--base", repo+":1.0.0")
			out := filepath.Join(t.TempDir(), "pulled.tar")
			airlock(t, dir, 0, append([]string{"pull", repo + ":1.1.0", "-o", out}, teamKey...)...)
			airlock(t, dir, 0, append([]string{"verify", out}, teamKey...)...) // complete: no base needed
			// Pushed elsewhere on the registry, against the same base.
			airlock(t, dir, 0, "push", "v2.tar", "oci://"+host+"/other/app", "--base", repo+":1.0.0")
			airlock(t, dir, 0, append([]string{"verify", "oci://" + host + "/other/app:1.1.0"}, teamKey...)...)
			// The wrong base is refused.
			r := airlock(t, dir, 1, append([]string{"verify", "v2.tar", "--base", repo + ":1.1.0"}, teamKey...)...)
			if !strings.Contains(r.stderr, "wrong base") {
				t.Fatalf("expected the wrong base refused:\n%s", r.stderr)
			}
		})
	}
}

// A package crosses on parts: written split, verified in place from its
// first part; a damaged part is named (exit 3), a missing part is named
// (exit 1), reordered parts never verify.
func TestSplitParts(t *testing.T) {
	dir := bigPackage(t, 5<<20)
	r := airlock(t, dir, 0, "split", "v1.tar", "--size", "2M")
	parts := strings.Fields(r.stdout)
	if len(parts) != 3 {
		t.Fatalf("expected 3 parts, found %v", parts)
	}
	for i := range parts {
		parts[i] = filepath.Join(dir, parts[i])
	}
	os.Remove(filepath.Join(dir, "v1.tar"))
	airlock(t, dir, 0, append([]string{"verify", "v1.tar.001"}, teamKey...)...)
	airlock(t, dir, 0, append([]string{"verify", "v2.tar", "--base", "v1.tar.001"}, teamKey...)...)
	data, _ := os.ReadFile(parts[1])
	damaged := append([]byte{}, data...)
	damaged[len(damaged)/2] ^= 1
	os.WriteFile(parts[1], damaged, 0o644)
	r = airlock(t, dir, 3, append([]string{"verify", "v1.tar.001"}, teamKey...)...)
	if !strings.Contains(r.stdout+r.stderr, "v1.tar.002") {
		t.Fatalf("expected the damaged part named:\n%s%s", r.stdout, r.stderr)
	}
	os.WriteFile(parts[1], data, 0o644)
	os.Rename(parts[1], parts[1]+".away")
	r = airlock(t, dir, 1, append([]string{"verify", "v1.tar.001"}, teamKey...)...)
	if !strings.Contains(r.stderr, "v1.tar.002") {
		t.Fatalf("expected the missing part named:\n%s", r.stderr)
	}
	os.Rename(parts[1]+".away", parts[1])
	first, _ := os.ReadFile(parts[0])
	os.WriteFile(parts[0], data, 0o644)
	os.WriteFile(parts[1], first, 0o644)
	if r := run(t, dir, nil, airlockBin, append([]string{"verify", "v1.tar.001"}, teamKey...)...); r.code == 0 {
		t.Fatal("reordered parts verified")
	}
	// create writes parts directly.
	r = airlock(t, dir, 0, "create", airlocktest.WritePackage(t), "-o", "direct.tar", "--split", "1M", "--key", "team.key")
	airlock(t, dir, 0, append([]string{"verify", "direct.tar.001"}, teamKey...)...)
}

// A pull killed half way leaves no output; run again, it fetches less than
// half, on both kinds of registry; a link that drops the connection
// resumes; wrong bytes are refused (exit 3).
func TestPullSurvivesTheLink(t *testing.T) {
	dir := bigPackage(t, 16<<20)
	for name, host := range registries(t) {
		t.Run(name, func(t *testing.T) {
			airlock(t, dir, 0, "push", "v1.tar", "oci://"+host+"/apps/app")
			var slow airlocktest.Counter
			proxy := airlocktest.NewFaultProxy(t, host, slow.Fault(airlocktest.Throttle(4<<20)))
			out := filepath.Join(t.TempDir(), "app.tar")
			cmd := exec.Command(airlockBin, append([]string{"pull", "oci://" + proxy + "/apps/app:1.0.0", "-o", out}, teamKey...)...)
			cmd.Dir = dir
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(60 * time.Second); slow.Bytes() < 10<<20 && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			if _, err := os.Stat(out); err == nil {
				t.Fatal("a killed pull left its output")
			}
			var again airlocktest.Counter
			proxy = airlocktest.NewFaultProxy(t, host, again.Fault(nil))
			airlock(t, dir, 0, append([]string{"pull", "oci://" + proxy + "/apps/app:1.0.0", "-o", out}, teamKey...)...)
			if again.Bytes() > 8<<20 {
				t.Fatalf("the pull after the kill fetched %d bytes again: more than half", again.Bytes())
			}
			airlock(t, dir, 0, append([]string{"verify", out}, teamKey...)...)

			dropping := airlocktest.NewFaultProxy(t, host, airlocktest.DropAfter(3<<20, false))
			os.Remove(out)
			airlock(t, dir, 0, append([]string{"pull", "oci://" + dropping + "/apps/app:1.0.0", "-o", out, "--no-cache"}, teamKey...)...)
			os.Remove(out)
			wrong := airlocktest.NewFaultProxy(t, host, airlocktest.Corrupt(1<<20))
			airlock(t, dir, 3, append([]string{"pull", "oci://" + wrong + "/apps/app:1.0.0", "-o", out}, teamKey...)...)
			if _, err := os.Stat(out); err == nil {
				t.Fatal("a refused pull left its output")
			}
		})
	}
}
