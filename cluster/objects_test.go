// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cluster_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/airlock-dev/airlock/cluster"
)

func TestDecode(t *testing.T) {
	objs, err := cluster.Decode([]byte("---\n# nothing\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}\n---\n" +
		`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Service","metadata":{"name":"b"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, cluster.RefOf(o).String())
	}
	if strings.Join(got, " ") != "x/ConfigMap/a Service/b" {
		t.Fatalf("decoded %v", got)
	}
	for _, bad := range []string{
		"apiVersion: v1\nkind: ConfigMap\n",                                     // no name
		"kind: ConfigMap\nmetadata: {name: a}\n",                                // no apiVersion
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: a-}\n",       // apply needs a name
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: [unclosed", // not YAML
		strings.Repeat("#", cluster.MaxManifest+1),                              // too large
	} {
		if _, err := cluster.Decode([]byte(bad)); !errors.Is(err, cluster.ErrManifest) {
			t.Errorf("%.40q: expected ErrManifest, got %v", bad, err)
		}
	}
}
