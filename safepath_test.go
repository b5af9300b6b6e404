// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzSafePath holds safePath to its promise: every path it accepts stays
// within the folder it is joined to, on this system's rules.
func FuzzSafePath(f *testing.F) {
	for _, seed := range []string{"a/b.yaml", "../x", "/etc/passwd", "a/../../b", "a\\..\\b", "a/./b", "x\x00y", ".", "a//b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if safePath(p) != nil {
			return
		}
		root := filepath.FromSlash("/extract/root")
		joined := filepath.Join(root, p)
		if !filepath.IsLocal(p) || !strings.HasPrefix(joined, root+string(filepath.Separator)) {
			t.Fatalf("safePath accepted %q, which leaves the folder (%s)", p, joined)
		}
		if strings.IndexFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			t.Fatalf("safePath accepted %q, which holds a control character", p)
		}
	})
}
