// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package definition_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-dev/airlock/definition"
)

const valid = `apiVersion: airlock.dev/v1alpha1
kind: Package
metadata:
  name: hello
  version: 1.0.0
components:
  - name: app
    files:
      - path: files/hello.txt
        target: /opt/hello/hello.txt
    images:
      - ref: registry.example.com/team/app:1.2
        platforms: [linux/amd64]
`

func TestParseValid(t *testing.T) {
	pkg, err := definition.Parse("airlock.yaml", []byte(valid))
	if err != nil {
		t.Fatal(err)
	}
	if pkg.Metadata.Name != "hello" || len(pkg.Components[0].Files) != 1 || pkg.Components[0].Images[0].Platforms[0] != "linux/amd64" {
		t.Fatalf("unexpected parse: %+v", pkg)
	}
}

func TestParseErrorsNameLineAndField(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown field", strings.Replace(valid, "  version: 1.0.0", "  version: 1.0.0\n  colour: red", 1), `airlock.yaml:6:3: invalid definition: unknown field "colour"`},
		{"wrong version", strings.Replace(valid, "v1alpha1", "v9", 1), `airlock.yaml:1:13: invalid definition: apiVersion: expected "airlock.dev/v1alpha1", found "airlock.dev/v9"`},
		{"escaping path", strings.Replace(valid, "files/hello.txt", "../secret", 1), `airlock.yaml:9:15: invalid definition: components[0].files[0].path: expected a path inside the definition's folder, found "../secret"`},
		{"absolute path", strings.Replace(valid, "files/hello.txt", "/etc/passwd", 1), `components[0].files[0].path: expected a path relative to the definition's folder, found absolute "/etc/passwd"`},
		{"relative target", strings.Replace(valid, "/opt/hello/hello.txt", "opt/x", 1), `airlock.yaml:10:17: invalid definition: components[0].files[0].target: expected an absolute path`},
		{"image without tag", strings.Replace(valid, "app:1.2", "app", 1), `components[0].images[0].ref: expected a tag or a digest`},
		{"bad platform", strings.Replace(valid, "linux/amd64", "linux", 1), `components[0].images[0].platforms[0]: expected os/arch[/variant], found "linux"`},
		{"missing name", strings.Replace(valid, "  name: hello\n", "", 1), `airlock.yaml:4:10: invalid definition: metadata.name: expected lower-case`},
		{"not yaml", "{{", `airlock.yaml:1:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := definition.Parse("airlock.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("expected an error")
			}
			if !errors.Is(err, definition.ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadRefusesSymlinkOutOfTree(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "files", "hello.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, definition.FileName), []byte(valid), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := definition.Load(dir)
	if err == nil || !strings.Contains(err.Error(), "to stay inside") || !strings.Contains(err.Error(), ":9:15:") {
		t.Fatalf("expected a refusal naming line 9, got %v", err)
	}
}

func TestLoadAcceptsSymlinkInsideTree(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "real.txt"), []byte("hi"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../real.txt", filepath.Join(dir, "files", "hello.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, definition.FileName), []byte(valid), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := definition.Load(dir); err != nil {
		t.Fatal(err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte("apiVersion: airlock.dev/v1alpha1\nkind: Package\ncomponents: [{name: a, files: [{path: ../x}]}]"))
	f.Add([]byte("a: &a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pkg, err := definition.Parse("fuzz.yaml", data)
		if err == nil && (pkg == nil || pkg.Metadata.Name == "" || len(pkg.Components) == 0) {
			t.Fatalf("accepted an incomplete definition: %+v", pkg)
		}
		if err != nil && !errors.Is(err, definition.ErrInvalid) {
			t.Fatalf("error does not wrap ErrInvalid: %v", err)
		}
	})
}

func TestImageVerifyBlocks(t *testing.T) {
	def := `apiVersion: airlock.dev/v1alpha1
kind: Package
metadata: {name: x, version: "1"}
imagePolicy:
  key: keys/team.pub
components:
  - name: app
    images:
      - ref: cgr.dev/chainguard/busybox:latest
        verify:
          certificateIdentity: https://github.com/chainguard-images/images/.github/workflows/release.yaml@refs/heads/main
          certificateOidcIssuer: https://token.actions.githubusercontent.com
          predicateTypes: [https://slsa.dev/provenance/v1, https://spdx.dev/Document]
      - ref: registry.example.com/team/app:1.2
`
	pkg, err := definition.Parse("airlock.yaml", []byte(def))
	if err != nil {
		t.Fatal(err)
	}
	imgs := pkg.Components[0].Images
	if v := pkg.ImagePolicyOf(imgs[0]); v == nil || len(v.PredicateTypes) != 2 || v.CertificateOidcIssuer == "" {
		t.Fatalf("the image's own verify: block must apply: %+v", v)
	}
	if v := pkg.ImagePolicyOf(imgs[1]); v == nil || v.Key != "keys/team.pub" {
		t.Fatalf("the package's imagePolicy must be the default: %+v", v)
	}
	bad := strings.Replace(def, "          certificateOidcIssuer: https://token.actions.githubusercontent.com\n", "", 1)
	if _, err := definition.Parse("airlock.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "components[0].images[0].verify: an identity needs both") {
		t.Fatalf("an identity without an issuer must be refused, naming the field: %v", err)
	}
}

// Every problem is reported at once, each where it is, misspellings with
// the field meant.
func TestEveryErrorAtOnce(t *testing.T) {
	def := strings.Replace(valid, "        target: /opt/hello/hello.txt\n", "        tagret: /opt/hello/hello.txt\n", 1)
	def = strings.Replace(def, "  version: 1.0.0\n", "  version: \"bad version\"\n  descripton: x\n", 1)
	def = strings.Replace(def, "linux/amd64", "linux", 1)
	_, err := definition.Parse("airlock.yaml", []byte(def))
	if err == nil {
		t.Fatal("parsed")
	}
	for _, want := range []string{
		`airlock.yaml:6:3: invalid definition: unknown field "descripton" in metadata (did you mean "description"?)`,
		`airlock.yaml:11:9: invalid definition: unknown field "tagret" in components[0].files[0] (did you mean "target"?)`,
		`airlock.yaml:5:12: invalid definition: metadata.version: expected an OCI tag`,
		`components[0].images[0].platforms[0]: expected os/arch[/variant], found "linux"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if !errors.Is(err, definition.ErrInvalid) {
		t.Errorf("not ErrInvalid: %v", err)
	}
}

// A files or manifests path may be a folder: every regular file under it,
// in lexical order, at its own path; links are refused.
func TestFolders(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"conf/b.txt", "conf/a.txt", "conf/sub/c.txt", "k8s/one.yaml", "k8s/two.yaml"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644)
	}
	def := "apiVersion: airlock.dev/v1alpha1\nkind: Package\nmetadata:\n  name: app\n  version: 1.0.0\ncomponents:\n  - name: app\n    files:\n      - path: conf\n        target: /etc/app\n    manifests:\n      - path: k8s\n"
	os.WriteFile(filepath.Join(dir, "airlock.yaml"), []byte(def), 0o644)
	pkg, err := definition.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := pkg.Components[0]
	var got []string
	for _, f := range c.Files {
		got = append(got, f.Path+"->"+f.Target)
	}
	if strings.Join(got, " ") != "conf/a.txt->/etc/app/a.txt conf/b.txt->/etc/app/b.txt conf/sub/c.txt->/etc/app/sub/c.txt" || len(c.Manifests) != 2 || c.Manifests[1].Path != "k8s/two.yaml" {
		t.Fatalf("%v %+v", got, c.Manifests)
	}
	os.Symlink("/etc/passwd", filepath.Join(dir, "conf", "link"))
	if _, err := definition.Load(dir); err == nil || !strings.Contains(err.Error(), "found a link: link") || !strings.Contains(err.Error(), "airlock.yaml:9:") {
		t.Fatalf("a link in a folder: %v", err)
	}
}

// An image's from is a path inside the definition's folder.
func TestImageFrom(t *testing.T) {
	def := strings.Replace(valid, "        platforms: [linux/amd64]\n", "        from: ../outside.tar\n", 1)
	if _, err := definition.Parse("airlock.yaml", []byte(def)); err == nil || !strings.Contains(err.Error(), "components[0].images[0].from: expected a path inside the definition's folder") {
		t.Fatalf("%v", err)
	}
}

// The schema describes every field Parse reads, refuses others, and says
// what is required.
func TestSchema(t *testing.T) {
	data, err := definition.Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	props := s["properties"].(map[string]any)
	component := props["components"].(map[string]any)["items"].(map[string]any)
	image := component["properties"].(map[string]any)["images"].(map[string]any)["items"].(map[string]any)
	for _, field := range []string{"ref", "from", "platforms", "verify"} {
		if _, ok := image["properties"].(map[string]any)[field]; !ok {
			t.Errorf("images[] has no %s", field)
		}
	}
	verify := image["properties"].(map[string]any)["verify"].(map[string]any)["properties"].(map[string]any)
	if _, ok := verify["certificateIdentity"]; !ok {
		t.Error("verify has no certificateIdentity (the inline signer's fields)")
	}
	if s["additionalProperties"] != false || component["additionalProperties"] != false || props["apiVersion"].(map[string]any)["const"] != definition.APIVersion {
		t.Errorf("unexpected schema: %s", data)
	}
	if req := fmt.Sprint(component["required"]); req != "[name]" {
		t.Errorf("components[] requires %s", req)
	}
}

// What the walker cannot see, the strict decoder still refuses: a
// misspelled field behind an anchor, a merge key or an explicit key.
func TestMisspelledFieldsBehindAnchors(t *testing.T) {
	for name, images := range map[string]string{
		"anchored verify": "      - ref: r.example.com/a:1\n        verify: &pub {certificateIdentity: a, certificateOidcIssuer: b, githubWorkflowRepositry: org/repo}\n      - ref: r.example.com/b:1\n        verify: *pub\n",
		"anchored item":   "      - &i\n        ref: r.example.com/a:1\n        verfy: {key: k.pub}\n",
		"merge key":       "      - <<: {verfy: {key: k.pub}}\n        ref: r.example.com/a:1\n",
		"explicit key":    "      - ref: r.example.com/a:1\n        ? verfy\n        : {key: k.pub}\n",
	} {
		def := "apiVersion: airlock.dev/v1alpha1\nkind: Package\nmetadata:\n  name: a\n  version: '1'\ncomponents:\n  - name: app\n    images:\n" + images
		if _, err := definition.Parse("airlock.yaml", []byte(def)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Many problems are reported up to a bound, quickly.
func TestManyErrorsAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: airlock.dev/v1alpha1\nkind: Package\nmetadata:\n  name: a\n  version: '1'\ncomponents:\n")
	for i := 0; i < 5000; i++ {
		b.WriteString("  - name: BAD\n")
	}
	_, err := definition.Parse("airlock.yaml", []byte(b.String()))
	if err == nil || strings.Count(err.Error(), "\n") > definition.MaxErrors+1 || !strings.Contains(err.Error(), "more problems") {
		t.Fatalf("%d lines", strings.Count(fmt.Sprint(err), "\n"))
	}
}
