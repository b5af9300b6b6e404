// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Attacks on the inside of the gap, from the adversarial review of extract,
// serve and mirror's charts: install targets, path collisions, Chart.yaml
// as a weapon, and tags that would name two things.

package airlock_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// definedPackage creates a signed package from a definition and its files.
func definedPackage(t *testing.T, def string, files map[string]string) (string, policy.Policy) {
	t.Helper()
	key, p := newKey(t, "team.pub")
	return createFrom(t, def, files, airlock.CreateOptions{Key: key}), p
}

// createFrom creates a package of def and files with opts.
func createFrom(t *testing.T, def string, files map[string]string, opts airlock.CreateOptions) string {
	t.Helper()
	dir := t.TempDir()
	files["airlock.yaml"] = def
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "pkg.tar")
	if _, err := airlock.Create(context.Background(), dir, out, opts); err != nil {
		t.Fatal(err)
	}
	return out
}

const filesHead = `apiVersion: airlock.dev/v1alpha1
kind: Package
metadata: {name: t, version: 1.0.0}
components:
  - name: app
    files:
`

// installing extracts pkg into a new folder with targets installed.
func installing(t *testing.T, pkg string, p policy.Policy, dir string) error {
	t.Helper()
	_, err := airlock.Extract(context.Background(), pkg, dir,
		airlock.ExtractOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}, FilesOptions: airlock.FilesOptions{InstallTargets: true}})
	return err
}

// A target is never written through a folder or link someone else
// controls: a link another user planted, or a folder anyone may write to.
func TestTargetNotThroughOthersPlaces(t *testing.T) {
	base := t.TempDir()
	real := filepath.Join(base, "real")
	os.Mkdir(real, 0o755)
	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o755)
	os.Chmod(open, 0o777) // no sticky bit: anyone may replace what is in it
	cases := map[string]string{"world-writable folder": filepath.Join(open, "a.txt")}
	if os.Geteuid() == 0 {
		link := filepath.Join(base, "link")
		os.Symlink(real, link)
		if err := os.Lchown(link, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		cases["link owned by another user"] = filepath.Join(link, "a.txt")
	}
	for name, target := range cases {
		t.Run(name, func(t *testing.T) {
			pkg, p := definedPackage(t, filesHead+"      - {path: a.txt, target: "+target+"}\n", map[string]string{"a.txt": "payload\n"})
			out := filepath.Join(t.TempDir(), "out")
			if err := installing(t, pkg, p, out); err == nil || exists(filepath.Join(real, "a.txt")) || exists(target) || exists(out) {
				t.Fatalf("expected the target refused with nothing written, got %v", err)
			}
		})
	}
	// A link of this user's own (as /lib -> usr/lib is root's) is followed.
	mine := filepath.Join(base, "mine")
	os.Symlink(real, mine)
	pkg, p := definedPackage(t, filesHead+"      - {path: a.txt, target: "+filepath.Join(mine, "a.txt")+"}\n", map[string]string{"a.txt": "payload\n"})
	if err := installing(t, pkg, p, filepath.Join(t.TempDir(), "out")); err != nil || !exists(filepath.Join(real, "a.txt")) {
		t.Fatalf("a target through the user's own link: %v", err)
	}
}

// A failed install leaves nothing: not the folders made for targets, not
// the extracted folder, not a target installed before the failure, and a
// replaced file comes back.
func TestFailedInstallLeavesNothing(t *testing.T) {
	base := t.TempDir()
	out := filepath.Join(base, "out")
	pkg, p := definedPackage(t, filesHead+
		"      - {path: a.txt, target: "+filepath.Join(base, "made", "deep", "a.txt")+"}\n"+
		"      - {path: b.txt, target: "+filepath.Join(out, "sub", "b.txt")+"}\n",
		map[string]string{"a.txt": "a\n", "b.txt": "b\n"})
	if err := installing(t, pkg, p, out); err == nil {
		t.Fatal("expected a target inside the folder to be refused")
	}
	if entries, _ := os.ReadDir(base); len(entries) != 0 {
		t.Fatalf("a refused extract left %d entries", len(entries))
	}

	// The second target cannot be installed (a folder is in its way once
	// the first is in place): the first is undone, the file it replaced back.
	first := filepath.Join(base, "first.txt")
	os.WriteFile(first, []byte("mine\n"), 0o644)
	blocker := filepath.Join(base, "blocked")
	pkg, p = definedPackage(t, filesHead+
		"      - {path: a.txt, target: "+first+"}\n"+
		"      - {path: b.txt, target: "+filepath.Join(blocker, "b.txt")+"}\n",
		map[string]string{"a.txt": "a\n", "b.txt": "b\n"})
	os.WriteFile(blocker, []byte("a file where a folder must be\n"), 0o644)
	_, err := airlock.Extract(context.Background(), pkg, out, airlock.ExtractOptions{VerifyOptions: airlock.VerifyOptions{Policy: p},
		FilesOptions: airlock.FilesOptions{InstallTargets: true, Force: true}})
	if data, _ := os.ReadFile(first); err == nil || string(data) != "mine\n" || exists(out) {
		t.Fatalf("expected a failed install undone (err %v), found %s holding %q", err, first, data)
	}
	if entries, _ := os.ReadDir(base); len(entries) != 2 {
		t.Fatalf("a failed install left %d entries beside the two there before", len(entries))
	}
}

// Two files naming one target are a malformed package, not a silent
// overwrite; and targets come only from a verified package.
func TestTargetsRefused(t *testing.T) {
	target := filepath.Join(t.TempDir(), "conf")
	made := createFrom(t, filesHead+
		"      - {path: a.txt, target: "+target+"}\n"+
		"      - {path: b.txt, target: "+target+".other}\n",
		map[string]string{"a.txt": "first\n", "b.txt": "second\n"}, airlock.CreateOptions{NoProvenance: true, NoSBOM: true})
	// create refuses two files with one target; another tool may not.
	pkg := rewriteLayers(t, made, func(m *ocispec.Manifest) { m.Layers[1].Annotations[spec.AnnotationFileTarget] = target })
	key, p := newKey(t, "team.pub")
	if _, err := airlock.Sign(context.Background(), pkg, key, airlock.SignOptions{Overwrite: true}); err != nil {
		t.Fatal(err)
	}
	err := installing(t, pkg, p, filepath.Join(t.TempDir(), "out"))
	if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonMalformedPackage || exists(target) {
		t.Fatalf("expected MALFORMED_PACKAGE and no target written, got %v", err)
	}
	pkg, _ = definedPackage(t, filesHead+"      - {path: a.txt, target: "+target+"}\n", map[string]string{"a.txt": "first\n"})
	_, err = airlock.Extract(context.Background(), pkg, filepath.Join(t.TempDir(), "out"),
		airlock.ExtractOptions{InsecureSkipVerify: true, FilesOptions: airlock.FilesOptions{InstallTargets: true}})
	if err == nil || exists(target) {
		t.Fatalf("targets installed from an unverified package: %v", err)
	}
}

// retitleAll copies the archive with the first component's layer titles
// replaced (unsigned: extract runs with InsecureSkipVerify).
func retitleAll(t *testing.T, path string, titles ...string) string {
	t.Helper()
	return rewriteLayers(t, path, func(m *ocispec.Manifest) {
		for i, title := range titles {
			m.Layers[i].Annotations[spec.AnnotationTitle] = title
		}
	})
}

// rewriteLayers copies the archive with the first component's manifest
// changed by edit, and nothing signed.
func rewriteLayers(t *testing.T, path string, edit func(*ocispec.Manifest)) string {
	t.Helper()
	l := readLayout(t, path)
	rootDesc, root := l.root(t)
	comp := root.Manifests[0]
	var m ocispec.Manifest
	json.Unmarshal(l.blobs[comp.Digest], &m)
	edit(&m)
	data, _ := json.Marshal(m)
	delete(l.blobs, comp.Digest)
	newComp := l.add(comp.MediaType, data)
	newComp.ArtifactType, newComp.Annotations = comp.ArtifactType, comp.Annotations
	root.Manifests[0] = newComp
	l.replaceRoot(t, rootDesc, root)
	out := filepath.Join(t.TempDir(), "rewritten.tar")
	l.write(t, out)
	return out
}

// Paths that collide are a malformed package (exit 3) before anything is
// written, whatever order they sort in: a file that another needs as its
// folder, a folder where extract writes images.yaml, two components of one
// name.
func TestExtractCollisions(t *testing.T) {
	pkg, _ := definedPackage(t, filesHead+"      - {path: a.txt}\n      - {path: b.txt}\n      - {path: c.txt}\n",
		map[string]string{"a.txt": "a\n", "b.txt": "b\n", "c.txt": "c\n"})
	img := pushedImage(t)
	withImage, p := definedPackage(t, filesHead+"      - {path: images.yaml/x}\n    images: [{ref: "+img+"}]\n", map[string]string{"images.yaml/x": "x\n"})
	twoApps, _ := definedPackage(t, `apiVersion: airlock.dev/v1alpha1
kind: Package
metadata: {name: t, version: 1.0.0}
components:
  - {name: app, files: [{path: a.txt}], images: [{ref: `+img+`}]}
  - {name: web, files: [{path: b.txt}]}
`, map[string]string{"a.txt": "a\n", "b.txt": "b\n"})
	for _, c := range []struct {
		name, pkg string
		opts      airlock.ExtractOptions
	}{
		{"file and folder, sorted apart", retitleAll(t, pkg, "x/b", "x/b.txt", "x/b/c"), airlock.ExtractOptions{InsecureSkipVerify: true}},
		{"folder at images.yaml", withImage, airlock.ExtractOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}, FilesOptions: airlock.FilesOptions{Mirror: "oci://registry.internal/m"}}},
		{"two components of one name", renamedComponent(t, twoApps, "web", "app"), airlock.ExtractOptions{InsecureSkipVerify: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			_, err := airlock.Extract(context.Background(), c.pkg, out, c.opts)
			if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonMalformedPackage || exists(out) {
				t.Fatalf("expected MALFORMED_PACKAGE with nothing written, got %v", err)
			}
		})
	}
}

// renamedComponent copies the archive with component from renamed to.
func renamedComponent(t *testing.T, path, from, to string) string {
	t.Helper()
	l := readLayout(t, path)
	rootDesc, root := l.root(t)
	for i, comp := range root.Manifests {
		var m ocispec.Manifest
		json.Unmarshal(l.blobs[comp.Digest], &m)
		if comp.ArtifactType != spec.ArtifactTypeComponent || m.Annotations[spec.AnnotationTitle] != from {
			continue
		}
		m.Annotations[spec.AnnotationTitle] = to
		data, _ := json.Marshal(m)
		delete(l.blobs, comp.Digest)
		nc := l.add(comp.MediaType, data)
		nc.ArtifactType, nc.Annotations = comp.ArtifactType, comp.Annotations
		root.Manifests[i] = nc
	}
	l.replaceRoot(t, rootDesc, root)
	out := filepath.Join(t.TempDir(), "renamed.tar")
	l.write(t, out)
	return out
}

func pushedImage(t *testing.T) string {
	t.Helper()
	host := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, host, "team/app", "1.0")
	return host + "/team/app:1.0"
}

// extract -o . into an empty working folder: the folder stays (a shell or
// a mount point is in it), and holds the package.
func TestExtractIntoWorkingFolder(t *testing.T) {
	pkg, p, _, _ := appPackage(t)
	dir := t.TempDir()
	t.Chdir(dir)
	if _, err := airlock.Extract(context.Background(), pkg, ".", airlock.ExtractOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir("."); len(entries) != 1 || entries[0].Name() != "app" {
		t.Fatalf("expected the component's folder in the working folder, found %v", entries)
	}
}

// chartTgz is a chart archive whose Chart.yaml is chartYAML.
func chartTgz(name, chartYAML string) string {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range []struct{ name, data string }{{name + "/Chart.yaml", chartYAML}, {name + "/values.yaml", "a: b\n"}} {
		tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg})
		tw.Write([]byte(f.data))
	}
	tw.Close()
	zw.Close()
	return buf.String()
}

// chartPackage is a signed package carrying a .tgz chart (which create
// packs without reading) with the given Chart.yaml, and an image.
func chartPackage(t *testing.T, chartYAML, image string) (string, policy.Policy) {
	return definedPackage(t, filesHead[:strings.Index(filesHead, "    files:")]+"    charts: [{path: evil-0.1.0.tgz}]\n    images: [{ref: "+image+"}]\n",
		map[string]string{"evil-0.1.0.tgz": chartTgz("evil", chartYAML)})
}

// A Chart.yaml made to exhaust serve and mirror (nested beyond any real
// one, or aliases that expand exponentially), or whose name or version
// cannot name it in a registry, is a malformed package: refused before
// anything is pushed or served, in moments.
func TestHostileChartYAML(t *testing.T) {
	img := pushedImage(t)
	n := 100000
	laughs := "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i < 9; i++ {
		laughs += strings.ReplaceAll("aI: &aI [*aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP, *aP]\n", "I", string(rune('0'+i)))
		laughs = strings.ReplaceAll(laughs, "P", string(rune('0'+i-1)))
	}
	for name, chartYAML := range map[string]string{
		"nested":            "apiVersion: v2\nname: evil\nversion: 0.1.0\nx: " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n",
		"aliases":           "apiVersion: v2\nname: evil\nversion: 0.1.0\n" + laughs,
		"name ..":           "apiVersion: v2\nname: ..\nversion: 1.0.0\n",
		"name with a path":  "apiVersion: v2\nname: a/b\nversion: 1.0.0\n",
		"version not a tag": "apiVersion: v2\nname: evil\nversion: 1.0/../../x:y\n",
	} {
		t.Run(name, func(t *testing.T) {
			pkg, p := chartPackage(t, chartYAML, img)
			dest := airlocktest.NewRegistry(t)
			done := make(chan error, 2)
			go func() {
				_, err := airlock.Mirror(context.Background(), pkg, "oci://"+dest+"/m", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
				done <- err
			}()
			go func() {
				_, err := airlock.Serve(context.Background(), pkg, airlock.ServeOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}, Addr: "127.0.0.1:0"})
				done <- err
			}()
			for range 2 {
				select {
				case err := <-done:
					if f, ok := verify.AsFailure(err); !ok || f.Reason != verify.ReasonMalformedPackage {
						t.Fatalf("expected MALFORMED_PACKAGE, got %v", err)
					}
				case <-time.After(30 * time.Second): // seconds where it took the parser minutes
					t.Fatal("still reading the Chart.yaml")
				}
			}
			if tags := airlocktest.Tags(t, dest, "m/team/app"); len(tags) != 0 {
				t.Fatalf("the mirror pushed the image before refusing the chart: %v", tags)
			}
		})
	}
}

// Two images whose references differ only in their registry would land at
// one tag: mirror and serve refuse, before anything is pushed or served.
func TestOneTagTwoImages(t *testing.T) {
	a, b := airlocktest.NewRegistry(t), airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, a, "team/app", "1.0")
	airlocktest.PushImage(t, b, "team/app", "1.0", "linux/arm64")
	pkg, p := definedPackage(t, filesHead[:strings.Index(filesHead, "    files:")]+
		"    images: [{ref: "+a+"/team/app:1.0}, {ref: "+b+"/team/app:1.0}]\n", map[string]string{})
	dest := airlocktest.NewRegistry(t)
	_, err := airlock.Mirror(context.Background(), pkg, "oci://"+dest+"/m", airlock.MirrorOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	if err == nil || !strings.Contains(err.Error(), "team/app:1.0 would name both") {
		t.Fatalf("expected the collision refused, got %v", err)
	}
	if tags := airlocktest.Tags(t, dest, "m/team/app"); len(tags) != 0 {
		t.Fatalf("the mirror pushed before refusing: %v", tags)
	}
	_, err = airlock.Serve(context.Background(), pkg, airlock.ServeOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}, Addr: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "team/app:1.0 would name both") {
		t.Fatalf("expected serve to refuse the collision, got %v", err)
	}
}
