// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/airlock-dev/airlock/airlocktest"
)

// insidePackage creates, signed with team.key, a package carrying an image
// (signed by the team too, as cosign would) and a manifest naming it.
func insidePackage(t *testing.T) (dir, imageRef string) {
	t.Helper()
	dir = t.TempDir()
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	upstream := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, upstream, "team/app", "1.0")
	imageRef = upstream + "/team/app:1.0"
	pkg := airlocktest.WritePackage(t, "- ref: "+imageRef)
	os.WriteFile(filepath.Join(pkg, "manifests", "deploy.yaml"), []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\n"+
		"spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: "+imageRef+"\n"), 0o644)
	airlock(t, dir, 0, "create", pkg, "-o", "app.tar", "--key", "team.key")
	return dir, imageRef
}

// startServe runs airlock serve ARCHIVE on a free loopback port and returns its
// address and the running command.
func startServe(t *testing.T, dir, archive string, args ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(airlockBin, append([]string{"serve", archive, "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	out, _ := cmd.StdoutPipe()
	logs := new(syncBuffer) // request logs: shown only when the test fails
	cmd.Stderr = logs
	startServer(t, cmd, "airlock serve", logs)
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			select {
			case line <- s.Text():
			default:
			}
		}
	}()
	select {
	case l := <-line:
		m := regexp.MustCompile(`http://(127\.0\.0\.1:[0-9]+)`).FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("unexpected first line: %s", l)
		}
		return m[1], cmd
	case <-time.After(30 * time.Second):
		t.Fatal("airlock serve did not start")
	}
	return "", nil
}

// The inside of the gap on real clients: crane, oras, skopeo, cosign and
// helm read from airlock serve; airlock pulls from it; SIGTERM stops it
// cleanly; a package that does not verify is never served.
func TestServeToRealClients(t *testing.T) {
	dir, _ := insidePackage(t)
	host, cmd := startServe(t, dir, "app.tar", "--key", "team.pub", "--insecure-ignore-tlog")
	crane, oras, skopeo, cosign, helm := tool(t, "crane"), tool(t, "oras"), tool(t, "skopeo"), tool(t, "cosign"), tool(t, "helm")
	ref := host + "/team/app:1.0"
	for _, c := range []struct {
		name string
		bin  string
		args []string
	}{
		{"crane pulls the image", crane, []string{"pull", "--insecure", ref, "crane.tar"}},
		{"crane lists the tags", crane, []string{"ls", "--insecure", host + "/team/app"}},
		{"oras copies the package with its referrers", oras, []string{"cp", "-r", "--from-plain-http", host + "/hello:1.0.0", "--to-oci-layout", "oras-layout:1.0.0"}},
		{"oras discovers the signatures", oras, []string{"discover", "--plain-http", host + "/hello:1.0.0"}},
		{"skopeo copies the image", skopeo, []string{"copy", "--src-tls-verify=false", "docker://" + ref, "oci:skopeo-layout:app"}},
		{"cosign verifies the package", cosign, []string{"verify", "--key", "team.pub", "--insecure-ignore-tlog", "--allow-http-registry", host + "/hello:1.0.0"}},
		{"cosign verifies the provenance", cosign, []string{"verify-attestation", "--key", "team.pub", "--insecure-ignore-tlog", "--allow-http-registry", "--type", "slsaprovenance1", host + "/hello:1.0.0"}},
		{"helm pulls the chart", helm, []string{"pull", "oci://" + host + "/charts/hello", "--version", "0.1.0", "--plain-http", "-d", "."}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, dir, []string{"HELM_CONFIG_HOME=" + t.TempDir(), "HELM_CACHE_HOME=" + t.TempDir()}, c.bin, c.args...)
			if r.code != 0 {
				t.Fatalf("%s %s: exit %d\n%s%s", filepath.Base(c.bin), strings.Join(c.args, " "), r.code, r.stdout, r.stderr)
			}
		})
	}
	airlock(t, dir, 0, "pull", "oci://"+host+"/hello:1.0.0", "-o", "pulled.tar", "--key", "team.pub", "--insecure-ignore-tlog", "--expect-name", "hello")
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("SIGTERM must stop serve cleanly (exit 0): %v", err)
	}
	// A package that does not verify: exit 3, and nothing listens.
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "other")
	r := airlock(t, dir, 3, "serve", "app.tar", "--addr", "127.0.0.1:0", "--key", "other.pub", "--insecure-ignore-tlog")
	if strings.Contains(r.stdout, "Serving") {
		t.Fatalf("a package that did not verify was served:\n%s", r.stdout)
	}
}

// SIGINT stops serve as it stops every verb: exit 130.
func TestServeInterrupted(t *testing.T) {
	dir, _ := insidePackage(t)
	_, cmd := startServe(t, dir, "app.tar", "--key", "team.pub", "--insecure-ignore-tlog")
	cmd.Process.Signal(syscall.SIGINT)
	var ee *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("expected exit 130, got %v", err)
	}
}

// extract on the command line: the package's files, its manifests with
// image references rewritten to the mirror, and nothing at all when the
// package does not verify.
func TestExtractOnTheCommandLine(t *testing.T) {
	dir, imageRef := insidePackage(t)
	internal := airlocktest.NewRegistry(t)
	r := airlock(t, dir, 0, "mirror", "app.tar", "oci://"+internal+"/mirror", "--key", "team.pub", "--insecure-ignore-tlog", "--format", "json")
	var mirrored struct{ Images []struct{ Digest string } }
	if err := json.Unmarshal([]byte(r.stdout), &mirrored); err != nil || len(mirrored.Images) != 1 {
		t.Fatalf("mirror --format json: %v\n%s", err, r.stdout)
	}
	digestOf := []string{"", mirrored.Images[0].Digest}
	airlock(t, dir, 0, "extract", "app.tar", "-o", "out", "--key", "team.pub", "--insecure-ignore-tlog", "--registry", "oci://"+internal+"/mirror")
	deploy, _ := os.ReadFile(filepath.Join(dir, "out", "app", "manifests", "deploy.yaml"))
	want := internal + "/mirror/team/app:1.0@" + digestOf[1]
	if !strings.Contains(string(deploy), "image: "+want) || strings.Contains(string(deploy), imageRef) {
		t.Fatalf("expected the image rewritten to %s:\n%s", want, deploy)
	}
	// The rewritten reference resolves in the mirror to the same image.
	if got := airlocktest.Resolve(t, internal, "mirror/team/app", digestOf[1]); got.Digest.String() != digestOf[1] {
		t.Fatalf("the mirror does not hold %s", want)
	}
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "other")
	airlock(t, dir, 3, "extract", "app.tar", "-o", "refused", "--key", "other.pub", "--insecure-ignore-tlog")
	if _, err := os.Stat(filepath.Join(dir, "refused")); !os.IsNotExist(err) {
		t.Fatal("a refused extract wrote its folder")
	}
	os.MkdirAll(filepath.Join(dir, "full"), 0o755)
	os.WriteFile(filepath.Join(dir, "full", "keep"), nil, 0o644)
	airlock(t, dir, 1, "extract", "app.tar", "-o", "full", "--key", "team.pub", "--insecure-ignore-tlog")
}
