// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// A root-owned link whose text is "x/../y", x itself a link into a folder
// another user owns: trustedFolder cleans the text lexically and checks
// <dir>/y, but the kernel resolves x first, then "..", and writes into the
// other user's folder.
func TestTrustedFolderResolvesDotDotAfterALink(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("making a folder another user owns needs root")
	}
	d := t.TempDir()
	evil := filepath.Join(d, "evil")
	for _, p := range []string{evil, filepath.Join(evil, "sub"), filepath.Join(evil, "y")} {
		if err := os.Mkdir(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(evil, "sub"), filepath.Join(d, "x")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("x/../y", filepath.Join(d, "l")); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(d, "l", "file")
	real, _ := filepath.EvalSymlinks(filepath.Dir(target))
	if real != filepath.Join(evil, "y") {
		t.Fatalf("setup: the kernel's folder is %s", real)
	}
	if err := trustedFolder(filepath.Dir(target)); err == nil {
		t.Fatalf("trustedFolder accepted %s, which the kernel resolves to %s, owned by uid 65534", filepath.Dir(target), real)
	}
}

// A failed install removes, as "a folder it made", a dangling link that was
// there before: makeParents takes any path os.Stat cannot see as missing.
func TestFailedInstallKeepsADanglingLink(t *testing.T) {
	d := t.TempDir()
	link := filepath.Join(d, "dl")
	if err := os.Symlink(filepath.Join(d, "nowhere"), link); err != nil {
		t.Fatal(err)
	}
	if err := trustedFolder(filepath.Join(link, "sub")); err != nil {
		t.Fatalf("setup: trustedFolder refused: %v", err)
	}
	tmp := filepath.Join(d, "tmp")
	if err := os.MkdirAll(filepath.Join(tmp, "f"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "f", "x"), []byte("hi"), 0o644); err != nil {
		t.Fatal(err)
	}
	tg := &target{it: item{rel: "f/x", target: filepath.Join(link, "sub", "x"),
		layer: ocispec.Descriptor{Digest: digest.FromString("hi")}}, path: filepath.Join(link, "sub", "x")}
	err := commit(tmp, filepath.Join(d, "out"), false, []*target{tg}, &ExtractResult{})
	if err == nil {
		t.Fatal("expected the install to fail")
	}
	if _, lerr := os.Lstat(link); lerr != nil {
		t.Fatalf("the failed install (%v) removed the link %s that was there before: %v", err, link, lerr)
	}
}
