// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/airlocktest"
)

// startDistribution runs the CNCF Distribution registry, which has no OCI
// referrers API, on a free loopback port for the test, and returns its host.
func startDistribution(t *testing.T) string {
	t.Helper()
	bin := tool(t, "distribution")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	config := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), host)
	os.WriteFile(filepath.Join(dir, "config.yml"), []byte(config), 0o644)
	cmd := exec.Command(bin, "serve", filepath.Join(dir, "config.yml"))
	logs := new(syncBuffer) // access logs: shown only when the test fails
	cmd.Stdout, cmd.Stderr = logs, logs
	startServer(t, cmd, "distribution registry", logs)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + host + "/v2/"); err == nil {
			resp.Body.Close()
			return host
		}
	}
	t.Fatal("the distribution registry did not start")
	return ""
}

// registries are the two kinds every registry test runs against.
func registries(t *testing.T) map[string]string {
	return map[string]string{
		"referrers API (olareg)":               airlocktest.NewRegistry(t),
		"no referrers API (distribution v3.1)": startDistribution(t),
	}
}

func TestPushPullOnBothKindsOfRegistry(t *testing.T) {
	cosignBin := tool(t, "cosign")
	for kind, host := range registries(t) {
		t.Run(kind, func(t *testing.T) {
			dir := signedPackage(t)
			target := "oci://" + host + "/team/hello:1.0.0"
			r := airlock(t, dir, 0, "push", "hello.tar", target)
			wantSchema := "via the referrers API"
			if strings.Contains(kind, "no referrers") {
				wantSchema = "via the referrers tag schema"
			}
			if !strings.Contains(r.stdout, wantSchema) {
				t.Fatalf("push should report %q:\n%s", wantSchema, r.stdout)
			}
			if strings.Contains(kind, "no referrers") {
				checkTagIndex(t, host, "team/hello", rootDigest(t, dir))
			}
			// cosign accepts airlock's signature from the registry.
			c := run(t, dir, nil, cosignBin, "verify", "--key", "team.pub", "--insecure-ignore-tlog", "--allow-http-registry", host+"/team/hello:1.0.0")
			if c.code != 0 {
				t.Fatalf("cosign verify refused the pushed package:\n%s", c.stderr)
			}
			airlock(t, dir, 0, "verify", target, "--key", "team.pub", "--insecure-ignore-tlog")
			airlock(t, dir, 0, "pull", target, "-o", "pulled.tar", "--key", "team.pub", "--insecure-ignore-tlog", "--predicate-type", "https://slsa.dev/provenance/v1")
			airlock(t, dir, 0, "verify", "pulled.tar", "--key", "team.pub", "--insecure-ignore-tlog")
			// A wrong key: exit 3 and no file.
			airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "other")
			airlock(t, dir, 3, "pull", target, "-o", "refused.tar", "--key", "other.pub", "--insecure-ignore-tlog")
			if _, err := os.Stat(filepath.Join(dir, "refused.tar")); !os.IsNotExist(err) {
				t.Fatal("a refused pull left a file")
			}
		})
	}
}

// airlock verifies what cosign signed, in cosign's bundle format and in its
// legacy ".sig" tag format, on both kinds of registry.
func TestAirlockVerifiesCosignSignatures(t *testing.T) {
	cosignBin := tool(t, "cosign")
	formats := map[string][]string{
		"bundle format": nil,
		"legacy tags":   {"--new-bundle-format=false"},
	}
	for kind, host := range registries(t) {
		for format, extra := range formats {
			t.Run(kind+"/"+format, func(t *testing.T) {
				dir := t.TempDir()
				env := []string{"COSIGN_PASSWORD=cosign"}
				if r := run(t, dir, env, cosignBin, "generate-key-pair"); r.code != 0 {
					t.Fatal(r.stderr)
				}
				airlock(t, dir, 0, "create", airlocktest.WritePackage(t), "-o", "hello.tar")
				repo := host + "/cosigned/" + strings.ReplaceAll(format, " ", "-")
				airlock(t, dir, 0, "push", "hello.tar", "oci://"+repo+":1.0.0", "--insecure")
				root := rootDigest(t, dir)
				args := append([]string{"sign", "--key", "cosign.key", "--tlog-upload=false", "--use-signing-config=false", "--allow-http-registry", "--yes"}, extra...)
				if r := run(t, dir, env, cosignBin, append(args, repo+"@"+root)...); r.code != 0 {
					t.Fatalf("cosign sign: %s", r.stderr)
				}
				r := airlock(t, dir, 0, "verify", "oci://"+repo+":1.0.0", "--key", "cosign.pub", "--insecure-ignore-tlog")
				if !strings.Contains(r.stdout, "signed by cosign.pub") {
					t.Fatalf("unexpected report:\n%s", r.stdout)
				}
				// The signature travels with a pull and verifies offline.
				airlock(t, dir, 0, "pull", "oci://"+repo+":1.0.0", "-o", "pulled.tar", "--key", "cosign.pub", "--insecure-ignore-tlog")
				airlock(t, dir, 0, "verify", "pulled.tar", "--key", "cosign.pub", "--insecure-ignore-tlog")
			})
		}
	}
}

func TestMirrorOnBothKindsOfRegistry(t *testing.T) {
	helmBin := tool(t, "helm")
	upstream := airlocktest.NewRegistry(t)
	img := airlocktest.PushImage(t, upstream, "library/app", "1.0", "linux/amd64", "linux/arm64")
	dir := t.TempDir()
	airlock(t, dir, 0, "create", airlocktest.WritePackage(t, "- ref: "+upstream+"/library/app:1.0"), "-o", "hello.tar")
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	airlock(t, dir, 0, "sign", "hello.tar", "--key", "team.key", "--all-statements")
	for kind, internal := range registries(t) {
		t.Run(kind, func(t *testing.T) {
			r := airlock(t, dir, 0, "mirror", "hello.tar", "oci://"+internal+"/apps", "--key", "team.pub", "--insecure-ignore-tlog")
			want := fmt.Sprintf("Mirrored %s/library/app:1.0 -> %s/apps/library/app:1.0 (%s", upstream, internal, img.Digest)
			if !strings.Contains(r.stdout, want) {
				t.Fatalf("expected %q in:\n%s", want, r.stdout)
			}
			if got := airlocktest.Resolve(t, internal, "apps/library/app", "1.0"); got.Digest != img.Digest {
				t.Fatalf("the mirrored image has digest %s, want %s", got.Digest, img.Digest)
			}
			// The chart went as an OCI Helm chart: helm pulls it, byte for byte.
			if !strings.Contains(r.stdout, "Mirrored chart hello 0.1.0 -> oci://"+internal+"/apps/charts/hello:0.1.0") {
				t.Fatalf("the chart is not reported mirrored:\n%s", r.stdout)
			}
			pulled := t.TempDir()
			h := run(t, dir, []string{"HELM_CONFIG_HOME=" + t.TempDir(), "HELM_CACHE_HOME=" + t.TempDir()}, helmBin,
				"pull", "oci://"+internal+"/apps/charts/hello", "--version", "0.1.0", "--plain-http", "-d", pulled)
			if h.code != 0 {
				t.Fatalf("helm pull of the mirrored chart:\n%s%s", h.stdout, h.stderr)
			}
			got, _ := os.ReadFile(filepath.Join(pulled, "hello-0.1.0.tgz"))
			ins := airlock(t, dir, 0, "inspect", "hello.tar", "--format", "json")
			if !strings.Contains(ins.stdout, digest.FromBytes(got).String()) {
				t.Fatalf("helm pulled a chart that is not the package's (%s)", digest.FromBytes(got))
			}
		})
	}
}

// checkTagIndex reads the referrers tag schema's index for root and checks
// that it lists the signature with its artifactType and annotations.
func checkTagIndex(t *testing.T, host, repo, root string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/v2/"+repo+"/manifests/"+strings.Replace(root, ":", "-", 1), nil)
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var index struct {
		Manifests []struct {
			ArtifactType string            `json:"artifactType"`
			Annotations  map[string]string `json:"annotations"`
		} `json:"manifests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&index); err != nil || len(index.Manifests) != 3 {
		t.Fatalf("referrers tag index: expected the signature, provenance and SBOM: %v %+v", err, index)
	}
	types := map[string]bool{}
	for _, m := range index.Manifests {
		if m.ArtifactType != "application/vnd.dev.sigstore.bundle.v0.3+json" {
			t.Fatalf("the tag index lost a descriptor's artifactType: %+v", m)
		}
		types[m.Annotations["dev.sigstore.bundle.predicateType"]] = true
	}
	for _, want := range []string{"https://sigstore.dev/cosign/sign/v1", "https://slsa.dev/provenance/v1", "https://spdx.dev/Document"} {
		if !types[want] {
			t.Fatalf("the tag index lost the predicateType annotation %s: %v", want, types)
		}
	}
}

// Push and pull draw progress bars (per blob and total, with rate and ETA)
// when stderr is a terminal, and stay quiet otherwise.
func TestProgressBarsOnlyOnATerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is needed to give airlock a terminal")
	}
	dir := signedPackage(t)
	host := airlocktest.NewRegistry(t)
	quiet := airlock(t, dir, 0, "push", "hello.tar", "oci://"+host+"/team/quiet:1")
	if strings.Contains(quiet.stderr, "total") {
		t.Fatalf("bars drawn without a terminal:\n%s", quiet.stderr)
	}
	cmd := fmt.Sprintf("stty cols 120 rows 40; %s push hello.tar oci://%s/team/tty:1", airlockBin, host)
	r := run(t, dir, []string{"AIRLOCK_PASSWORD=x"}, script, "-qec", cmd, "/dev/null")
	if r.code != 0 || !strings.Contains(r.stdout, "total") || !strings.Contains(r.stdout, "ETA") {
		t.Fatalf("expected progress bars on a terminal (exit %d):\n%q", r.code, r.stdout)
	}
	// Every long operation shows them: verify and create too; --quiet none.
	for _, args := range []string{"verify hello.tar --key team.pub --insecure-ignore-tlog", "create " + airlocktest.WritePackage(t) + " -o again.tar"} {
		r = run(t, dir, []string{"AIRLOCK_PASSWORD=x"}, script, "-qec", "stty cols 120 rows 40; "+airlockBin+" "+args, "/dev/null")
		if r.code != 0 || !strings.Contains(r.stdout, "total") {
			t.Fatalf("%s: expected progress bars on a terminal (exit %d):\n%q", args, r.code, r.stdout)
		}
		os.Remove(filepath.Join(dir, "again.tar"))
		r = run(t, dir, []string{"AIRLOCK_PASSWORD=x"}, script, "-qec", "stty cols 120 rows 40; "+airlockBin+" --quiet "+args, "/dev/null")
		if r.code != 0 || strings.Contains(r.stdout, "total") {
			t.Fatalf("%s --quiet: expected no bars (exit %d):\n%q", args, r.code, r.stdout)
		}
		os.Remove(filepath.Join(dir, "again.tar"))
	}
}
