// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package zarf_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goyaml "github.com/goccy/go-yaml"
	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/zarf"
)

type entry struct {
	name     string
	typeflag byte
	body     string
	link     string
}

// writeTar writes entries as a tar (zstd-compressed if asked) and returns its path.
func writeTar(t testing.TB, entries []entry, compressed bool, trailer []byte) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		tf := e.typeflag
		if tf == 0 {
			tf = tar.TypeReg
		}
		hdr := &tar.Header{Name: e.name, Typeflag: tf, Mode: 0o600, Size: int64(len(e.body)), Linkname: e.link}
		if tf != tar.TypeReg {
			hdr.Size = 0
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	buf.Write(trailer)
	data := buf.Bytes()
	name := "pkg.tar"
	if compressed {
		zw, _ := zstd.NewWriter(nil)
		data, name = zw.EncodeAll(data, nil), "pkg.tar.zst"
	}
	path := filepath.Join(t.TempDir(), name)
	os.WriteFile(path, data, 0o644)
	return path
}

func walk(t testing.TB, path string) (map[string]string, error) {
	tb, err := zarf.OpenTarball(path)
	if err != nil {
		return nil, err
	}
	files, err := tb.Walk(context.Background(), nil)
	out := map[string]string{}
	for k, v := range files {
		out[k] = v.Encoded()
	}
	return out, err
}

func TestWalkRefusesWhatZarfWouldNotWrite(t *testing.T) {
	for name, c := range map[string]struct {
		entries []entry
		trailer []byte
	}{
		"symlink":        {entries: []entry{{name: "zarf.yaml", typeflag: tar.TypeSymlink, link: "/etc/passwd"}}},
		"hard link":      {entries: []entry{{name: "a"}, {name: "zarf.yaml", typeflag: tar.TypeLink, link: "a"}}},
		"traversal":      {entries: []entry{{name: "../zarf.yaml"}}},
		"absolute":       {entries: []entry{{name: "/zarf.yaml"}}},
		"twice":          {entries: []entry{{name: "zarf.yaml", body: "a"}, {name: "./zarf.yaml", body: "b"}}},
		"device":         {entries: []entry{{name: "dev", typeflag: tar.TypeChar}}},
		"data after end": {entries: []entry{{name: "zarf.yaml"}}, trailer: append(make([]byte, 1024), 'x')},
		"backslash":      {entries: []entry{{name: `images\..\..\x`}}},
	} {
		for _, compressed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/zstd=%v", name, compressed), func(t *testing.T) {
				if _, err := walk(t, writeTar(t, c.entries, compressed, c.trailer)); !errors.Is(err, zarf.ErrInvalid) {
					t.Fatalf("expected ErrInvalid, got %v", err)
				}
			})
		}
	}
	files, err := walk(t, writeTar(t, []entry{{name: "components", typeflag: tar.TypeDir}, {name: "components/a.tar", body: "x"}}, true, make([]byte, 2048)))
	sum := sha256.Sum256([]byte("x"))
	if err != nil || files["components/a.tar"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("a well-formed tarball: %v %v", err, files)
	}
}

// A split package is read across its parts, checked against .part000.
func TestSplit(t *testing.T) {
	whole, _ := os.ReadFile(writeTar(t, []entry{{name: "zarf.yaml", body: strings.Repeat("z", 5000)}}, true, nil))
	split := func(t *testing.T, data []byte, meta string) string {
		dir := t.TempDir()
		base := filepath.Join(dir, "zarf-package-x-amd64.tar.zst")
		half := len(data) / 2
		os.WriteFile(base+".part001", data[:half], 0o644)
		os.WriteFile(base+".part002", data[half:], 0o644)
		os.WriteFile(base+".part000", []byte(meta), 0o644)
		return base + ".part000"
	}
	sum := sha256.Sum256(whole)
	good := fmt.Sprintf(`{"Sha256Sum":"%s","Bytes":%d,"Count":2}`, hex.EncodeToString(sum[:]), len(whole))
	if files, err := walk(t, split(t, whole, good)); err != nil || len(files) != 1 {
		t.Fatalf("split: %v %v", err, files)
	}
	if !zarf.IsTarball(split(t, whole, good)) {
		t.Fatal("a .part000 is a Zarf package")
	}
	damaged := append([]byte{}, whole...)
	damaged[len(damaged)-1] ^= 1
	if _, err := walk(t, split(t, damaged, good)); err == nil {
		t.Fatal("a damaged part was read")
	}
	for name, meta := range map[string]string{
		"count":   strings.Replace(good, `"Count":2`, `"Count":3`, 1),
		"unknown": strings.Replace(good, `"Count"`, `"Extra":1,"Count"`, 1),
		"bytes":   strings.Replace(good, fmt.Sprintf(`"Bytes":%d`, len(whole)), `"Bytes":1`, 1),
	} {
		if _, err := walk(t, split(t, whole, meta)); err == nil {
			t.Errorf("%s: a wrong .part000 was accepted", name)
		}
	}
}

func TestChecksums(t *testing.T) {
	h := strings.Repeat("a", 64)
	if c, err := zarf.ParseChecksums([]byte(h + " components/a.tar\n" + h + " sboms.tar\n")); err != nil || len(c) != 2 {
		t.Fatalf("%v %v", err, c)
	}
	for name, data := range map[string]string{
		"traversal": h + " ../x\n",
		"absolute":  h + " /x\n",
		"twice":     h + " x\n" + h + " x\n",
		"upper hex": strings.ToUpper(h) + " x\n",
		"short":     "abc x\n",
		"no path":   h + "\n",
		"dot":       h + " ./x\n",
	} {
		if _, err := zarf.ParseChecksums([]byte(data)); !errors.Is(err, zarf.ErrInvalid) {
			t.Errorf("%s: expected ErrInvalid, got %v", name, err)
		}
	}
}

func TestMarkSigned(t *testing.T) {
	def := []byte("kind: ZarfPackageConfig\nmetadata:\n  name: demo\n  version: 1.0.0\nbuild:\n  signed: false\n  provenanceFiles:\n    - checksums.txt\ncomponents:\n  - name: app\n")
	once, err := zarf.MarkSigned(def)
	if err != nil {
		t.Fatal(err)
	}
	twice, err := zarf.MarkSigned(once)
	if err != nil || !bytes.Equal(once, twice) {
		t.Fatalf("signing twice changes zarf.yaml again: %v\n%s\n%s", err, once, twice)
	}
	d, err := zarf.ParseDefinition(once)
	if err != nil || !d.Signed() || len(d.Build.ProvenanceFiles) != 2 || d.Build.ProvenanceFiles[1] != zarf.BundleFile {
		t.Fatalf("%v %+v", err, d.Build)
	}
	if !strings.Contains(string(once), "version: v0.71.0") {
		t.Fatalf("no version requirement:\n%s", once)
	}
	if _, err := zarf.MarkSigned([]byte("kind: Other\n")); err == nil {
		t.Fatal("not a Zarf definition, marked signed")
	}
}

func TestDefinitionRefusesAliases(t *testing.T) {
	bomb := "kind: ZarfPackageConfig\nmetadata:\n  name: demo\na: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
	if _, err := zarf.ParseDefinition([]byte(bomb)); !errors.Is(err, zarf.ErrInvalid) {
		t.Fatalf("expected ErrInvalid, got %v", err)
	}
}

// FuzzTarball reads hostile tarballs: never a panic, never a file outside
// the rules, everything bounded.
func FuzzTarball(f *testing.F) {
	f.Add([]byte{}, false)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "zarf.yaml", Typeflag: tar.TypeReg, Size: 5, Mode: 0o600})
	tw.Write([]byte("kind:"))
	tw.Close()
	f.Add(buf.Bytes(), false)
	zw, _ := zstd.NewWriter(nil)
	f.Add(zw.EncodeAll(buf.Bytes(), nil), true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, split bool) {
		path := filepath.Join(dir, "pkg.tar")
		if split {
			path += ".part000"
		}
		os.WriteFile(path, data, 0o600)
		defer os.Remove(path)
		tb, err := zarf.OpenTarball(path)
		if err != nil {
			return
		}
		files, err := tb.Walk(context.Background(), func(name string, r io.Reader) error {
			if zarf.SafePath(name) != nil {
				t.Fatalf("visited %q", name)
			}
			_, err := io.Copy(io.Discard, io.LimitReader(r, 1<<20))
			return err
		})
		if err == nil && len(files) > zarf.MaxFiles {
			t.Fatalf("%d files", len(files))
		}
	})
}

// FuzzDefinition reads hostile zarf.yaml and checksums.txt.
func FuzzDefinition(f *testing.F) {
	f.Add([]byte("kind: ZarfPackageConfig\nmetadata:\n  name: demo\nbuild:\n  signed: true\n"))
	f.Add([]byte(strings.Repeat("a", 64) + " components/a.tar\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if d, err := zarf.ParseDefinition(data); err == nil {
			_ = d.Images()
			if signed, err := zarf.MarkSigned(data); err == nil {
				if d2, err := zarf.ParseDefinition(signed); err != nil || !d2.Signed() || d2.Metadata.Name != d.Metadata.Name {
					t.Fatalf("marked signed: %v %q", err, signed)
				}
			}
		}
		if c, err := zarf.ParseChecksums(data); err == nil {
			for _, p := range c.Paths() {
				if zarf.SafePath(p) != nil {
					t.Fatalf("listed %q", p)
				}
			}
		}
	})
}

// Where airlock and Zarf could read two packages out of one zarf.yaml,
// airlock refuses it.
func TestDefinitionReadAsZarfReadsIt(t *testing.T) {
	a, b := strings.Repeat("a", 64), strings.Repeat("b", 64)
	v1a := "apiVersion: zarf.dev/v1alpha1\nkind: ZarfPackageConfig\nmetadata:\n  name: demo\n  version: 1.0.0\n  aggregateChecksum: " + a + "\n"
	v1b := "apiVersion: zarf.dev/v1beta1\nkind: ZarfPackageConfig\nmetadata:\n  name: demo\n  version: 1.0.0\nbuild:\n  aggregateChecksum: " + a + "\n"
	d, err := zarf.ParseDefinition([]byte(v1a + "---\n" + v1b))
	if err != nil || d.APIVersion != zarf.APIVersionV1Beta1 || d.AggregateChecksum() != a {
		t.Fatalf("v1alpha1 and v1beta1, as Zarf writes them: %v %+v", err, d)
	}
	if d, err := zarf.ParseDefinition([]byte(strings.Replace(v1a, "apiVersion: zarf.dev/v1alpha1\n", "", 1))); err != nil || d.AggregateChecksum() != a {
		t.Fatalf("no apiVersion is v1alpha1: %v", err)
	}
	for name, def := range map[string]string{
		"v1beta1 aggregate in metadata": "apiVersion: zarf.dev/v1beta1\nkind: ZarfPackageConfig\nmetadata:\n  name: demo\n  aggregateChecksum: " + a + "\nbuild:\n  aggregateChecksum: " + b + "\n",
		"two aggregates":                v1a + "build:\n  aggregateChecksum: " + b + "\n",
		"documents disagree":            v1a + "---\n" + strings.Replace(v1b, "version: 1.0.0", "version: 6.6.6", 1),
		"apiVersion twice":              v1a + "---\n" + v1a,
		"no known apiVersion":           "apiVersion: zarf.dev/v9\nkind: ZarfPackageConfig\nmetadata:\n  name: demo\n",
		"provenance file":               v1a + "build:\n  provenanceFiles: [checksums.txt, components/app.tar]\n",
	} {
		if _, err := zarf.ParseDefinition([]byte(def)); !errors.Is(err, zarf.ErrInvalid) {
			t.Errorf("%s: expected ErrInvalid, got %v", name, err)
		}
		if _, err := zarf.MarkSigned([]byte(def)); err == nil {
			t.Errorf("%s: marked signed", name)
		}
	}
	signed, err := zarf.MarkSigned([]byte(v1a + "---\n" + v1b))
	if err != nil || strings.Count(string(signed), "signed: true") != 2 || !strings.Contains(string(signed), zarf.APIVersionV1Beta1) {
		t.Fatalf("every document marked signed: %v\n%s", err, signed)
	}
}

// Sparse files and decompression bombs are refused before they cost.
func TestBombs(t *testing.T) {
	// GNU tar --sparse --format=pax: a 10 KiB tar holding a 2 GiB file.
	if _, err := walk(t, "testdata/sparse.tar"); !errors.Is(err, zarf.ErrInvalid) || !strings.Contains(err.Error(), "sparse") {
		t.Fatalf("sparse: expected ErrInvalid, got %v", err)
	}
	zeros := make([]byte, 200<<20)
	bomb := writeTar(t, []entry{{name: "components/app.tar", body: string(zeros)}}, true, nil)
	if info, _ := os.Stat(bomb); info.Size() > 1<<20 {
		t.Fatalf("the bomb is %d bytes", info.Size())
	}
	if _, err := walk(t, bomb); !errors.Is(err, zarf.ErrInvalid) || !strings.Contains(err.Error(), "decompression bomb") {
		t.Fatalf("bomb: expected ErrInvalid, got %v", err)
	}
}

// A truncated tarball is a malformed one.
func TestTruncated(t *testing.T) {
	path := writeTar(t, []entry{{name: "zarf.yaml", body: strings.Repeat("z", 4096)}}, false, nil)
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:1000], 0o644)
	if _, err := walk(t, path); !errors.Is(err, zarf.ErrInvalid) {
		t.Fatalf("expected ErrInvalid, got %v", err)
	}
}

// Rewrite reads as strictly as Walk: what changed since it was checked is
// refused, not copied.
func TestRewriteIsStrict(t *testing.T) {
	path := writeTar(t, []entry{{name: "a"}, {name: "zarf.yaml", typeflag: tar.TypeSymlink, link: "/etc/passwd"}}, true, nil)
	tb, err := zarf.OpenTarball(path)
	if err != nil {
		t.Fatal(err)
	}
	err = tb.Rewrite(context.Background(), io.Discard, nil, nil, func(string, digest.Digest) error { return nil })
	if !errors.Is(err, zarf.ErrInvalid) {
		t.Fatalf("expected ErrInvalid, got %v", err)
	}
}

// Signing keeps what every document says, to Zarf's parser: a folded
// script with more-indented lines stays the script it was.
func TestMarkSignedKeepsMeaning(t *testing.T) {
	data, err := os.ReadFile("testdata/folded-action.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte("aggregateChecksum: AGG"), []byte("aggregateChecksum: "+strings.Repeat("a", 64)), 1)
	signed, err := zarf.MarkSigned(data)
	if err != nil {
		t.Fatal(err)
	}
	cmd := func(doc []byte) string {
		var v struct {
			Components []struct {
				Actions struct {
					OnDeploy struct {
						Before []struct {
							Cmd string `yaml:"cmd"`
						} `yaml:"before"`
					} `yaml:"onDeploy"`
				} `yaml:"actions"`
			} `yaml:"components"`
		}
		if err := goyaml.Unmarshal(doc, &v); err != nil {
			t.Fatal(err)
		}
		return v.Components[0].Actions.OnDeploy.Before[0].Cmd
	}
	if before, after := cmd(data), cmd(signed); before != after {
		t.Fatalf("the action changed when signed:\n%q\n%q", before, after)
	}
}

// Name and version are read as Zarf reads them (its parser turns 0x1a
// into 26, 1.10 into 1.1), and stay so once signed.
func TestDefinitionScalarsAsZarfReadsThem(t *testing.T) {
	def := "kind: ZarfPackageConfig\nmetadata:\n  name: 0x1a\n  version: 1.10\n  aggregateChecksum: " + strings.Repeat("a", 64) + "\n"
	d, err := zarf.ParseDefinition([]byte(def))
	if err != nil || d.Metadata.Name != "26" || d.Metadata.Version != "1.1" {
		t.Fatalf("%v %+v", err, d)
	}
	signed, err := zarf.MarkSigned([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	if d, err := zarf.ParseDefinition(signed); err != nil || d.Metadata.Name != "26" || d.Metadata.Version != "1.1" {
		t.Fatalf("signed: %v %+v\n%s", err, d, signed)
	}
}

// A v1beta1 package's images are entries with a name.
func TestDefinitionV1beta1Images(t *testing.T) {
	data, err := os.ReadFile("testdata/v1beta1-images.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d, err := zarf.ParseDefinition(data)
	if err != nil || d.APIVersion != zarf.APIVersionV1Beta1 || len(d.Images()) != 1 || d.Images()[0] != "ghcr.io/a/b:1" {
		t.Fatalf("%v %+v", err, d)
	}
	if _, err := zarf.ParseDefinition([]byte("kind: ZarfPackageConfig\nbase: &b {name: demo}\nmetadata:\n  <<: *b\n")); err == nil {
		t.Fatal("merge keys and aliases accepted")
	}
	if _, err := zarf.ParseDefinition([]byte("kind: ZarfPackageConfig\nmetadata:\n  <<: {name: demo}\n")); err == nil {
		t.Fatal("a merge key accepted")
	}
}

// A zstd stream cut short is a malformed package, not a clean end.
func TestTruncatedZstdFrame(t *testing.T) {
	path := writeTar(t, []entry{{name: "zarf.yaml", body: "x"}}, true, nil)
	data, _ := os.ReadFile(path)
	zw, _ := zstd.NewWriter(nil)
	frame := zw.EncodeAll(bytes.Repeat([]byte{0}, 4096), nil)
	os.WriteFile(path, append(data, frame[:len(frame)/2]...), 0o644)
	if _, err := walk(t, path); !errors.Is(err, zarf.ErrInvalid) {
		t.Fatalf("expected ErrInvalid, got %v", err)
	}
}
