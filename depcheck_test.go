// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const module = "github.com/airlock-dev/airlock"

// tier orders the packages: a package may import its own tier and lower ones
// only (DESIGN.md, "Shape of the code"). Library packages are tiers 0 to 3.
var tier = map[string]int{
	"spec": 0, "internal/yamlfile": 0, "internal/limited": 0, "internal/graph": 0,
	"definition": 1, "archive": 1, "policy": 1,
	"build": 2, "sign": 2, "attest": 2, "trust": 2, "registry": 2, "verify": 2,
	"": 3, "airlocktest": 3,
	"internal/cli": 4,
	"cmd/airlock":  5,
	"e2e":          6,
}

func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		own, ok := tier[rel]
		if !ok {
			if strings.HasPrefix(rel, "bench") {
				continue
			}
			t.Errorf("package %s has no tier: add it to the table and to DESIGN's dependency order", pkg)
			continue
		}
		for _, imp := range strings.Fields(imports) {
			if own <= 3 && (imp == "github.com/spf13/cobra" || strings.HasPrefix(imp, module+"/internal/cli")) {
				t.Errorf("library package %s imports %s: the CLI must stay thin and the library free of it", pkg, imp)
			}
			if !strings.HasPrefix(imp, module) {
				continue
			}
			if to := tier[strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")]; to > own {
				t.Errorf("%s (tier %d) imports %s (tier %d): dependencies run one way", pkg, own, imp, to)
			}
		}
	}
}

// The library has no hidden effects: it never prints or exits.
func TestLibraryDoesNotPrintOrExit(t *testing.T) {
	effect := regexp.MustCompile(`\b(fmt\.Print|os\.Exit\(|log\.Print|log\.Fatal|os\.Stdout|os\.Stderr)`)
	filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() && (strings.HasPrefix(p, "internal") || strings.HasPrefix(p, "cmd") || strings.HasPrefix(p, "bench") || p == "examples") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		data, _ := os.ReadFile(p)
		if loc := effect.FindIndex(data); loc != nil {
			t.Errorf("%s: library code must not print or exit: %q", p, data[loc[0]:loc[1]])
		}
		return nil
	})
}
