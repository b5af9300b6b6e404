// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
)

// Finding (low): verify --policy FILE --key OTHER.pub --record-key: the
// record's policy.uri names FILE, but the policy enforced (and digested)
// is FILE plus OTHER.pub, a weaker one: the URI names a policy that was
// not the one applied.
func TestRecordPolicyURIIsThePolicyApplied(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	write := func(name string, kp *sign.KeyPair) {
		os.WriteFile(filepath.Join(dir, name+".key"), kp.PrivateKey, 0o600)
		os.WriteFile(filepath.Join(dir, name+".pub"), kp.PublicKey, 0o644)
	}
	team, _ := sign.GenerateKey([]byte("pw"))
	other, _ := sign.GenerateKey([]byte("pw"))
	gate, _ := sign.GenerateKey([]byte("pw"))
	write("team", team)
	write("other", other)
	write("gate", gate)
	t.Setenv("AIRLOCK_PASSWORD", "pw")
	pkg := filepath.Join(dir, "app.tar")
	if _, err := airlock.Create(ctx, airlocktest.WritePackage(t), pkg, airlock.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, dir, "sign", "app.tar", "--key", "team.key"); code != 0 {
		t.Fatal(stderr)
	}
	os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte("apiVersion: "+policy.FileAPIVersion+"\nkind: Policy\nsigners:\n  - key: team.pub\n"), 0o644)
	code, stdout, stderr := run(t, dir, "verify", "app.tar", "--policy", "policy.yaml", "--key", "other.pub", "--insecure-ignore-tlog",
		"--record-key", "gate.key", "--record-out", "rec.json")
	if code != 0 {
		t.Fatalf("%d %s %s", code, stdout, stderr)
	}
	bundle, _ := os.ReadFile(filepath.Join(dir, "rec.json"))
	var b struct {
		DSSEEnvelope struct{ Payload string } `json:"dsseEnvelope"`
	}
	json.Unmarshal(bundle, &b)
	payload, _ := base64.StdEncoding.DecodeString(b.DSSEEnvelope.Payload)
	var st struct {
		Predicate struct {
			Policy struct {
				URI    string            `json:"uri"`
				Digest map[string]string `json:"digest"`
			} `json:"policy"`
		} `json:"predicate"`
	}
	json.Unmarshal(payload, &st)
	named, err := policy.LoadFile(filepath.Join(dir, "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	named.InsecureIgnoreTlog = true
	nd, _ := named.Digest()
	if st.Predicate.Policy.URI == "file://"+filepath.Join(dir, "policy.yaml") && "sha256:"+st.Predicate.Policy.Digest["sha256"] != nd.String() {
		t.Fatalf("the record says policy %s (digest of that file's policy %s) but names digest sha256:%s: the policy applied (file + --key other.pub) is not the one named",
			st.Predicate.Policy.URI, nd, st.Predicate.Policy.Digest["sha256"])
	}
}
