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
