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

// allowed lists, per package, the module's packages it may import (as
// go-containerregistry's depcheck does): DESIGN.md's "Shape of the code",
// package by package, so that a tier cannot hide an import such as verify
// reaching for the registry.
var allowed = map[string][]string{
	"spec":              {},
	"internal/yamlfile": {},
	"internal/limited":  {},
	"internal/pipe":     {},
	"internal/progress": {},
	"internal/graph":    {"spec"},
	"definition":        {"internal/yamlfile", "policy"},
	"archive":           {"spec", "internal/graph", "internal/limited", "internal/pipe"},
	"kube":              {"internal/yamlfile"},
	"serve":             {},
	"zarf":              {"internal/limited", "internal/pipe", "internal/yamlfile"},
	"policy":            {"internal/limited", "internal/yamlfile"},
	"attest":            {},
	"verify":            {"policy", "spec"},
	"trust":             {"internal/limited"},
	"registry":          {"spec", "internal/limited"},
	"sign":              {"attest", "policy", "spec", "internal/limited"},
	"build":             {"definition", "registry", "spec", "internal/limited", "internal/progress"},
	"cluster":           {},
	"": {"spec", "definition", "archive", "policy", "attest", "verify", "trust", "registry", "sign", "build", "kube", "serve", "zarf", "cluster",
		"internal/graph", "internal/limited", "internal/pipe", "internal/progress", "internal/yamlfile"},
	"airlocktest":  {"sign", "spec"},
	"internal/cli": {"", "archive", "attest", "cluster", "definition", "internal/limited", "policy", "registry", "sign", "spec", "trust", "verify"},
	"cmd/airlock":  {"internal/cli"},
}

// pure packages do no I/O: they get bytes already read.
var pure = map[string]bool{"spec": true, "verify": true, "internal/graph": true, "kube": true}

var ioPackages = map[string]bool{"os": true, "net": true, "net/http": true, "os/exec": true, "io/fs": true, "path/filepath": true}

func TestDependencyDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}:{{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, ":")
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		if rel == "e2e" || strings.HasPrefix(rel, "bench") {
			continue
		}
		may, ok := allowed[rel]
		if !ok {
			t.Errorf("package %s is not in the dependency table: add it, and to DESIGN's shape of the code", pkg)
			continue
		}
		for _, imp := range strings.Fields(imports) {
			if !isCLIPackage(rel) && (imp == "github.com/spf13/cobra" || strings.HasPrefix(imp, module+"/internal/cli")) {
				t.Errorf("library package %s imports %s: the CLI must stay thin and the library free of it", pkg, imp)
			}
			if pure[rel] && ioPackages[imp] {
				t.Errorf("%s imports %s: it promises no I/O", pkg, imp)
			}
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if !contains(may, to) {
				t.Errorf("%s imports %s, which its row of the dependency table does not allow", pkg, imp)
			}
		}
	}
}

func isCLIPackage(rel string) bool { return rel == "internal/cli" || rel == "cmd/airlock" }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The library has no hidden effects: it never prints or exits.
func TestLibraryDoesNotPrintOrExit(t *testing.T) {
	effect := regexp.MustCompile(`\b(fmt\.Print|os\.Exit\(|log\.Print|log\.Fatal|os\.Stdout|os\.Stderr)`)
	filepath.WalkDir(".", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() && (strings.HasPrefix(p, "internal/cli") || strings.HasPrefix(p, "cmd") || strings.HasPrefix(p, "bench") || strings.HasPrefix(p, "scripts") || p == "examples") {
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
