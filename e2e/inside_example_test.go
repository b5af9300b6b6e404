// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// exampleAt copies examples/inside into a folder, with its image's registry
// (127.0.0.1:5000 in the example) replaced by host.
func exampleAt(t *testing.T, host string) string {
	t.Helper()
	src, dst := filepath.Join("..", "examples", "inside"), filepath.Join(t.TempDir(), "inside")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), []byte(strings.ReplaceAll(string(data), "127.0.0.1:5000", host)), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// The walk-through of examples/inside/README.md, command for command, on
// real registries (CNCF Distribution), crane, helm and cosign: the image
// built with crane, the package created and signed, mirrored with its
// chart, extracted with its manifests pointed at the mirror, and served.
func TestInsideExample(t *testing.T) {
	crane, helm, cosign := tool(t, "crane"), tool(t, "helm"), tool(t, "cosign")
	upstream, internal := startDistribution(t), startDistribution(t)
	dir := t.TempDir()
	helmEnv := []string{"HELM_CONFIG_HOME=" + t.TempDir(), "HELM_CACHE_HOME=" + t.TempDir()}
	must := func(r result) result {
		t.Helper()
		if r.code != 0 {
			t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		return r
	}

	// Outside: an image from a folder, then the signed package.
	os.MkdirAll(filepath.Join(dir, "rootfs"), 0o755)
	os.WriteFile(filepath.Join(dir, "rootfs", "hello"), []byte("hi\n"), 0o644)
	must(run(t, dir, nil, "tar", "-cf", "layer.tar", "-C", "rootfs", "."))
	must(run(t, dir, nil, crane, "append", "-f", "layer.tar", "-t", upstream+"/team/web:1.0", "--insecure"))
	imageDigest := strings.TrimSpace(must(run(t, dir, nil, crane, "digest", "--insecure", upstream+"/team/web:1.0")).stdout)
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	airlock(t, dir, 0, "create", exampleAt(t, upstream), "-o", "shop.tar", "--key", "team.key")
	verified := []string{"--key", "team.pub", "--insecure-ignore-tlog"}

	// Inside, with a registry: mirror (image and chart), then extract.
	mirror := internal + "/mirror"
	airlock(t, dir, 0, append([]string{"mirror", "shop.tar", "oci://" + mirror}, verified...)...)
	must(run(t, dir, helmEnv, helm, "pull", "oci://"+mirror+"/charts/web", "--version", "0.2.0", "--plain-http", "-d", dir))
	airlock(t, dir, 0, append([]string{"extract", "shop.tar", "-o", "shop/", "--registry", "oci://" + mirror}, verified...)...)
	manifest, _ := os.ReadFile(filepath.Join(dir, "shop", "web", "manifests", "web.yaml"))
	pinned := mirror + "/team/web:1.0@" + imageDigest
	if n := strings.Count(string(manifest), pinned); n != 3 || strings.Contains(string(manifest), upstream) {
		t.Fatalf("expected the three image references pointed at %s, found %d:\n%s", pinned, n, manifest)
	}
	if !strings.Contains(string(manifest), "# quoted: still rewritten") {
		t.Fatalf("the manifest's comments were lost:\n%s", manifest)
	}
	var images struct {
		Images []struct {
			Name    string `yaml:"name"`
			NewName string `yaml:"newName"`
			Digest  string `yaml:"digest"`
		} `yaml:"images"`
		Mirror map[string]string `yaml:"mirror"`
	}
	data, _ := os.ReadFile(filepath.Join(dir, "shop", "web", "images.yaml"))
	if err := yaml.Unmarshal(data, &images); err != nil || len(images.Images) != 1 || images.Images[0].NewName != mirror+"/team/web" ||
		images.Images[0].Digest != imageDigest || images.Mirror[upstream+"/team/web:1.0"] != pinned {
		t.Fatalf("images.yaml does not say where the image is inside (%v):\n%s", err, data)
	}
	for _, f := range []string{"files/web.conf", "charts/web-0.2.0.tgz"} {
		if _, err := os.Stat(filepath.Join(dir, "shop", "web", f)); err != nil {
			t.Fatalf("extract did not write %s: %v", f, err)
		}
	}
	// The pinned reference is the mirrored image.
	if got := strings.TrimSpace(must(run(t, dir, nil, crane, "digest", "--insecure", pinned)).stdout); got != imageDigest {
		t.Fatalf("%s resolves to %s", pinned, got)
	}

	// Inside, without a registry: serve the archive.
	host, _ := startServe(t, dir, "shop.tar", verified...)
	must(run(t, dir, nil, crane, "pull", "--insecure", host+"/team/web:1.0", "served.tar"))
	os.MkdirAll(filepath.Join(dir, "served-chart"), 0o755)
	must(run(t, dir, helmEnv, helm, "pull", "oci://"+host+"/charts/web", "--version", "0.2.0", "--plain-http", "-d", "served-chart"))
	must(run(t, dir, nil, cosign, "verify", "--key", "team.pub", "--insecure-ignore-tlog", "--allow-http-registry", host+"/shop:1.0.0"))
	airlock(t, dir, 0, append([]string{"pull", "oci://" + host + "/shop:1.0.0", "-o", "pulled.tar"}, verified...)...)
}
