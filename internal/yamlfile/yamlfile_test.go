// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package yamlfile_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/airlock-dev/airlock/internal/yamlfile"
)

var errBad = errors.New("bad file")

func TestDecodeAndLocate(t *testing.T) {
	var v struct {
		A struct {
			B []string `yaml:"b"`
		} `yaml:"a"`
	}
	data := []byte("a:\n  b: [x, y]\n")
	if err := yamlfile.Decode("f.yaml", data, &v, errBad); err != nil || len(v.A.B) != 2 {
		t.Fatalf("decode: %v %+v", err, v)
	}
	err := yamlfile.Decode("f.yaml", []byte("a:\n  c: 1\n"), &v, errBad)
	if !errors.Is(err, errBad) || !strings.HasPrefix(err.Error(), "f.yaml:2:3:") {
		t.Fatalf("unknown field: expected f.yaml:2:3, got %v", err)
	}
	err = yamlfile.Locate("f.yaml", data, yamlfile.Field("$.a.b[1]", "expected z"), errBad)
	if !errors.Is(err, errBad) || !strings.Contains(err.Error(), "f.yaml:2:") || !strings.Contains(err.Error(), "a.b[1]: expected z") {
		t.Fatalf("locate: %v", err)
	}
}

func TestCheckShape(t *testing.T) {
	deep := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(strings.Repeat("  ", i) + "k:\n")
		}
		return b.String()
	}
	laughs := "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
	for _, c := range []struct {
		name string
		data string
		s    yamlfile.Shape
		ok   bool
	}{
		{"manifest", "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  spec:\n    containers: [{name: a, image: b}]\n", yamlfile.Shape{MaxDepth: 8}, true},
		{"block within", deep(10), yamlfile.Shape{MaxDepth: 10}, true},
		{"block too deep", deep(11), yamlfile.Shape{MaxDepth: 10}, false},
		{"flow within", "a: " + strings.Repeat("[", 9) + strings.Repeat("]", 9) + "\n", yamlfile.Shape{MaxDepth: 10}, true},
		{"flow too deep", "a: " + strings.Repeat("[", 10) + strings.Repeat("]", 10) + "\n", yamlfile.Shape{MaxDepth: 10}, false},
		{"entries on one line", "a:\n" + strings.Repeat("- ", 12) + "x\n", yamlfile.Shape{MaxDepth: 10}, false},
		{"documents each start again", strings.Repeat(deep(6)+"---\n", 5), yamlfile.Shape{MaxDepth: 6}, true},
		{"block scalar text is not structure", "a: |\n" + strings.Repeat("  [[[[[[[[[[[[\n", 3), yamlfile.Shape{MaxDepth: 3}, true},
		{"comments close nothing", commented(50), yamlfile.Shape{MaxDepth: 10}, false},
		{"aliases allowed", laughs, yamlfile.Shape{MaxDepth: 10}, true},
		{"aliases refused", laughs, yamlfile.Shape{MaxDepth: 10, NoAliases: true}, false},
	} {
		if err := yamlfile.CheckShape([]byte(c.data), c.s); (err == nil) != c.ok {
			t.Errorf("%s: CheckShape = %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

// FuzzCheckShape: whatever the input, CheckShape answers without panicking,
// and what it accepts at depth 20 parses in bounded time.
func FuzzCheckShape(f *testing.F) {
	f.Add([]byte("a:\n  b: [1, {c: d}]\n- x\n"))
	f.Add([]byte("a: &a [x]\nb: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if yamlfile.CheckShape(data, yamlfile.Shape{MaxDepth: 20, NoAliases: true}) == nil {
			var v any
			yamlfile.Decode("fuzz.yaml", data, &v, errors.New("invalid"))
		}
	})
}

// commented is a block mapping nested n deep with a comment at column 1
// between every two levels.
func commented(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(strings.Repeat(" ", i) + "k:\n#\n")
	}
	return b.String() + strings.Repeat(" ", n) + "x\n"
}
