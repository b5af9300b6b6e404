// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlocktest

import (
	"archive/tar"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// ZarfFiles are the files of a Zarf package as Zarf v0.84 lays them out
// (zarf.yaml, checksums.txt, components/*.tar), for tests that build and
// tamper with Zarf packages without the zarf binary.
type ZarfFiles map[string][]byte

// NewZarfFiles makes an unsigned Zarf package named name: one component
// with random content, checksums.txt listing it, and a zarf.yaml whose
// metadata.aggregateChecksum names checksums.txt.
func NewZarfFiles(t testing.TB, name string) ZarfFiles {
	t.Helper()
	component := make([]byte, 64<<10)
	rand.Read(component)
	files := ZarfFiles{"components/app.tar": component, "sboms.tar": []byte("sboms\n")}
	files.Seal(name)
	return files
}

// Seal writes checksums.txt for every file but zarf.yaml and the
// signatures, and zarf.yaml naming it, as Zarf's create does.
func (f ZarfFiles) Seal(name string) {
	var lines []string
	for path, data := range f {
		switch path {
		case "zarf.yaml", "checksums.txt", "zarf.bundle.sig", "zarf.yaml.sig":
			continue
		}
		sum := sha256.Sum256(data)
		lines = append(lines, hex.EncodeToString(sum[:])+" "+path)
	}
	sort.Strings(lines)
	checksums := []byte(strings.Join(lines, "\n") + "\n")
	sum := sha256.Sum256(checksums)
	f["checksums.txt"] = checksums
	f["zarf.yaml"] = []byte(fmt.Sprintf(`kind: ZarfPackageConfig
metadata:
  name: %s
  version: 1.0.0
  aggregateChecksum: %s
build:
  terminal: ""
  architecture: amd64
  timestamp: Mon, 01 Dec 2026 08:00:00 +0000
  version: v0.84.0
  signed: false
  provenanceFiles:
  - checksums.txt
components:
- name: app
  required: true
`, name, hex.EncodeToString(sum[:])))
}

// Write writes the package as a tarball in dir, zstd-compressed unless
// uncompressed, its entries sorted as Zarf sorts them, and returns its path.
func (f ZarfFiles) Write(t testing.TB, dir string, uncompressed bool) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(f))
	for n := range f {
		names = append(names, n)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	for _, n := range names {
		if d := filepath.Dir(n); d != "." && !dirs[d] {
			dirs[d] = true
			tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o700, ModTime: time.Unix(0, 0)})
		}
		tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(f[n])), ModTime: time.Unix(0, 0)})
		tw.Write(f[n])
	}
	tw.Close()
	name := "zarf-package-demo-amd64-1.0.0.tar.zst"
	data := buf.Bytes()
	if uncompressed {
		name = "zarf-package-demo-amd64-1.0.0.tar"
	} else {
		zw, _ := zstd.NewWriter(nil)
		data = zw.EncodeAll(data, nil)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// ReadZarfFiles reads a Zarf tarball written by [ZarfFiles.Write] (or
// rewritten by a signer) back into files.
func ReadZarfFiles(path string) (ZarfFiles, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(data, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		zr, err := zstd.NewReader(nil)
		if err != nil {
			return nil, err
		}
		if data, err = zr.DecodeAll(data, nil); err != nil {
			return nil, err
		}
	}
	out := ZarfFiles{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err != nil {
			return out, nil
		}
		if hdr.Typeflag == tar.TypeReg {
			var b bytes.Buffer
			b.ReadFrom(tr)
			out[hdr.Name] = b.Bytes()
		}
	}
}
