// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package attest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/attest"
)

func build(env map[string]string) attest.Build {
	return attest.Build{
		Name: "hello", Version: "1.0.0", Root: digest.FromString("root"), Definition: []byte("def"),
		Dependencies: []attest.Dependency{{Kind: "image", Name: "registry.example.com/team/app:1.2", Component: "app", Digest: digest.FromString("img")}},
		Started:      time.Unix(0, 0), Finished: time.Unix(1, 0),
		Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
	}
}

func TestProvenanceBuilders(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"local", nil, []string{`"id":"https://airlock.dev/builders/local"`}},
		{"GitLab CI", map[string]string{"GITLAB_CI": "true", "CI_SERVER_URL": "https://gitlab.example.com", "CI_PROJECT_PATH": "team/app",
			"CI_RUNNER_ID": "7", "CI_JOB_URL": "https://gitlab.example.com/team/app/-/jobs/99", "CI_COMMIT_SHA": strings.Repeat("a", 40),
			"CI_PROJECT_URL": "https://gitlab.example.com/team/app", "CI_COMMIT_REF_NAME": "main"},
			[]string{`"id":"https://gitlab.example.com/team/app/-/runners/7"`, `"invocationId":"https://gitlab.example.com/team/app/-/jobs/99"`, `"uri":"git+https://gitlab.example.com/team/app@main"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := attest.Provenance(build(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range append(tt.want, `"uri":"oci://registry.example.com/team/app:1.2"`, `"buildType":"https://airlock.dev/create/v1"`) {
				if !strings.Contains(string(st), w) {
					t.Errorf("provenance lacks %s:\n%s", w, st)
				}
			}
		})
	}
}

func TestStatementRefusesBadPredicates(t *testing.T) {
	for _, p := range []string{`[1]`, `"x"`, `{`} {
		if _, err := attest.Statement(digest.FromString("x"), "https://example.com/t", []byte(p)); err == nil {
			t.Errorf("accepted predicate %s", p)
		}
	}
	if _, err := attest.Statement(digest.FromString("x"), "", nil); err == nil {
		t.Error("accepted a statement without a predicate type")
	}
}
