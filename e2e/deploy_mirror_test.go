// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/cluster"
)

// onMirror is the deploy of the sample package with one kind of registry
// as the mirror, step by step.
type onMirror struct {
	t        *testing.T
	k        *airlocktest.Kube
	c        *cluster.Cluster
	dir, ns  string
	mirror   string
	imageRef string
	// want is the image's mirrored reference, once mirrored.
	want   string
	deploy []string
	helm   func(args ...string) string
}

// kube runs airlock against the test cluster.
func (m *onMirror) kube(want int, args ...string) result {
	m.t.Helper()
	return airlock(m.t, m.dir, want, append(args, "--kubeconfig", m.k.Kubeconfig)...)
}

// nothingApplied fails when the deploy namespace or the Deployment exists.
func (m *onMirror) nothingApplied(when string) {
	m.t.Helper()
	if get(m.t, m.c, "v1", "Namespace", "", m.ns) != nil || get(m.t, m.c, "apps/v1", "Deployment", m.ns, "web") != nil {
		m.t.Fatalf("%s: something was applied", when)
	}
}

// refusedFirst: before the images are mirrored (exit 1, naming them), with
// a wrong key (exit 3), and in a dry run, nothing is applied. It mirrors.
func (m *onMirror) refusedFirst() {
	t := m.t
	r := m.kube(1, m.deploy...)
	if !strings.Contains(r.stderr, "team/web:1.0") || !strings.Contains(r.stderr, "airlock mirror") {
		t.Fatalf("expected the missing image named and `airlock mirror` suggested:\n%s", r.stderr)
	}
	m.nothingApplied("missing image")
	r = airlock(t, m.dir, 0, "mirror", "app.tar", m.mirror, "--key", "team.pub", "--insecure-ignore-tlog", "--format", "json")
	var mirrored struct{ Images []struct{ Digest string } }
	if err := json.Unmarshal([]byte(r.stdout), &mirrored); err != nil || len(mirrored.Images) != 1 {
		t.Fatalf("mirror: %v\n%s", err, r.stdout)
	}
	m.want = strings.TrimPrefix(m.mirror, "oci://") + "/team/web:1.0@" + mirrored.Images[0].Digest
	m.kube(3, "deploy", "app.tar", "--registry", m.mirror, "--key", "other.pub", "--insecure-ignore-tlog", "-n", m.ns)
	m.nothingApplied("wrong key")
	r = m.kube(0, append(m.deploy, "--dry-run")...)
	if !strings.Contains(r.stdout, "Dry run:") || !strings.Contains(r.stdout, "Deployment/web") {
		t.Fatalf("dry run output:\n%s", r.stdout)
	}
	m.nothingApplied("dry run")
}

// deployed: the deploy (verification offline, recorded by the gate) points
// every image at the mirror by digest, in manifests, chart and hook.
func (m *onMirror) deployed() {
	t, c, ns := m.t, m.c, m.ns
	r := m.kube(0, append(m.deploy, "--offline", "--record-key", "gate.key")...)
	if !strings.Contains(r.stderr, "extract --install-targets") {
		t.Fatalf("expected the file with a target pointed to extract --install-targets:\n%s", r.stderr)
	}
	for _, name := range []string{"web", "hello-app", "hello-hook"} {
		obj := get(t, c, "apps/v1", "Deployment", ns, name)
		if obj == nil || podImage(t, obj) != m.want {
			t.Fatalf("Deployment %s: expected image %s, found %v", name, m.want, obj)
		}
	}
	if got := get(t, c, "v1", "Namespace", "", ns).GetLabels()[cluster.LabelManagedBy]; got != "airlock" {
		t.Fatalf("the namespace is not labelled as airlock's: %q", got)
	}
	if web := get(t, c, "apps/v1", "Deployment", ns, "web"); !managedBy(web, "airlock") {
		t.Fatalf("Deployment web is not applied by field manager airlock: %v", web.GetManagedFields())
	}
	var releases []struct{ Name, Revision, Status, Chart string }
	if err := json.Unmarshal([]byte(m.helm("list", "-n", ns, "-o", "json")), &releases); err != nil || len(releases) != 1 ||
		releases[0].Name != "hello" || releases[0].Revision != "1" || releases[0].Status != "deployed" {
		t.Fatalf("helm list: %v %+v", err, releases)
	}
	if out := m.helm("get", "manifest", "hello", "-n", ns); !strings.Contains(out, m.want) || strings.Contains(out, m.imageRef) {
		t.Fatalf("the release's manifest does not name the mirror:\n%s", out)
	}
}

// recorded: the record Secret, its signed summary, and status.
func (m *onMirror) recorded() *unstructured.Unstructured {
	t, ns := m.t, m.ns
	secret := get(t, m.c, "v1", "Secret", ns, "airlock-hello")
	if secret == nil || secret.Object["type"] != "airlock.dev/deployment" {
		t.Fatalf("no record secret: %v", secret)
	}
	bundle, err := base64.StdEncoding.DecodeString(secretData(t, secret, "vsa.sigstore.json"))
	if err != nil || len(bundle) == 0 {
		t.Fatalf("no signed summary in the record: %v", err)
	}
	os.WriteFile(filepath.Join(m.dir, ns+".vsa.json"), bundle, 0o644)
	r := m.kube(0, "status", "-n", ns, "--format", "json")
	var status struct {
		Packages []struct {
			Name, Version, Digest, Signer, Namespace, DeployedAt string
			Images                                               []struct{ Mirrored string }
			Charts                                               []struct{ Revision int }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &status); err != nil || len(status.Packages) != 1 {
		t.Fatalf("status: %v\n%s", err, r.stdout)
	}
	p := status.Packages[0]
	if p.Name != "hello" || p.Version != "1.0.0" || !strings.HasPrefix(p.Digest, "sha256:") || p.Signer == "" || p.Namespace != ns ||
		p.DeployedAt == "" || len(p.Images) != 1 || p.Images[0].Mirrored != m.want || len(p.Charts) != 1 || p.Charts[0].Revision != 1 {
		t.Fatalf("status: %+v", p)
	}
	// The gate's summary verifies, about the package's root.
	airlock(t, m.dir, 0, "verify", "--bundle", ns+".vsa.json", p.Digest, "--key", "gate.pub", "--insecure-ignore-tlog",
		"--predicate-type", "https://slsa.dev/verification_summary/v1")
	return secret
}

// redeployed: deploying again changes nothing.
func (m *onMirror) redeployed() {
	before := get(m.t, m.c, "apps/v1", "Deployment", m.ns, "web").GetResourceVersion()
	r := m.kube(0, append(m.deploy, "--record-key", "gate.key")...)
	if strings.Contains(r.stderr, " created (") || strings.Contains(r.stderr, " configured (") || !strings.Contains(r.stdout, "revision 1, unchanged") {
		m.t.Fatalf("a redeploy changed something:\n%s\n%s", r.stdout, r.stderr)
	}
	if after := get(m.t, m.c, "apps/v1", "Deployment", m.ns, "web").GetResourceVersion(); after != before {
		m.t.Fatalf("a redeploy changed Deployment web (%s -> %s)", before, after)
	}
}

// verifiedDeployed: verify --deployed passes until an object changes
// behind airlock's back; with the gate's key, a record the gate did not
// sign, or edited since, is refused.
func (m *onMirror) verifiedDeployed(secret *unstructured.Unstructured) {
	t, ns := m.t, m.ns
	m.kube(0, "verify", "--deployed", "hello", "-n", ns)
	r := m.kube(0, "verify", "--deployed", "hello", "-n", ns, "--key", "gate.pub", "--insecure-ignore-tlog")
	if !strings.Contains(r.stdout, "the record is signed by gate.pub") {
		t.Fatalf("expected the record's signature checked:\n%s", r.stdout)
	}
	m.kube(3, "verify", "--deployed", "hello", "-n", ns, "--key", "other.pub", "--insecure-ignore-tlog")
	forged := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret", "type": "airlock.dev/deployment",
		"metadata": map[string]any{"name": "airlock-forged", "namespace": ns},
		"data":     map[string]any{"record.json": secretData(t, secret, "record.json")}}}
	m.apply(forged)
	if r := m.kube(3, "verify", "--deployed", "forged", "-n", ns, "--key", "gate.pub", "--insecure-ignore-tlog"); !strings.Contains(r.stderr, "NO_SIGNATURE") {
		t.Fatalf("expected an unsigned record refused:\n%s", r.stderr)
	}
	// The gate's signed record of hello, under another name: refused.
	unstructured.SetNestedField(forged.Object, secretData(t, secret, "record.sigstore.json"), "data", "record.sigstore.json")
	m.apply(forged)
	if r := m.kube(3, "verify", "--deployed", "forged", "-n", ns, "--key", "gate.pub", "--insecure-ignore-tlog"); !strings.Contains(r.stderr, "NAME_MISMATCH") {
		t.Fatalf("expected a record replayed under another name refused:\n%s", r.stderr)
	}
	rec, _ := base64.StdEncoding.DecodeString(secretData(t, secret, "record.json"))
	edited := strings.ReplaceAll(string(rec), m.want, m.imageRef)
	unstructured.SetNestedField(forged.Object, base64.StdEncoding.EncodeToString([]byte(edited)), "data", "record.json")
	unstructured.SetNestedField(forged.Object, secretData(t, secret, "record.sigstore.json"), "data", "record.sigstore.json")
	m.apply(forged)
	if r := m.kube(3, "verify", "--deployed", "forged", "-n", ns, "--key", "gate.pub", "--insecure-ignore-tlog"); !strings.Contains(r.stderr, "SUBJECT_MISMATCH") {
		t.Fatalf("expected an edited record refused:\n%s", r.stderr)
	}
	web := get(t, m.c, "apps/v1", "Deployment", ns, "web")
	unstructured.SetNestedSlice(web.Object, []any{map[string]any{"name": "web", "image": m.imageRef}}, "spec", "template", "spec", "containers")
	web.SetManagedFields(nil)
	m.apply(web)
	r = m.kube(3, "verify", "--deployed", "hello", "-n", ns)
	if !strings.Contains(r.stderr, "DEPLOYMENT_CHANGED") {
		t.Fatalf("expected the change found:\n%s\n%s", r.stdout, r.stderr)
	}
}

// apply applies obj as airlock would, taking it over.
func (m *onMirror) apply(obj *unstructured.Unstructured) {
	m.t.Helper()
	if _, err := m.c.Apply(context.Background(), obj, cluster.ApplyOptions{Force: true}); err != nil {
		m.t.Fatal(err)
	}
}

// releaseTampered: someone who may write Secrets edits Helm's stored
// release (so that the next upgrade would create what they added); the
// gate's signed record binds the release, and the deploy is refused.
func (m *onMirror) releaseTampered() {
	t := m.t
	secret := get(t, m.c, "v1", "Secret", m.ns, "sh.helm.release.v1.hello.v1")
	outer, err := base64.StdEncoding.DecodeString(secretData(t, secret, "release"))
	if err != nil {
		t.Fatal(err)
	}
	zipped, err := base64.StdEncoding.DecodeString(string(outer))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	var rel map[string]any
	if err := json.NewDecoder(zr).Decode(&rel); err != nil {
		t.Fatal(err)
	}
	rel["manifest"] = rel["manifest"].(string) + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: planted\n"
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	json.NewEncoder(zw).Encode(rel)
	zw.Close()
	inner := base64.StdEncoding.EncodeToString(buf.Bytes())
	unstructured.SetNestedField(secret.Object, base64.StdEncoding.EncodeToString([]byte(inner)), "data", "release")
	secret.SetManagedFields(nil)
	m.apply(secret)
	r := m.kube(1, append(m.deploy, "--record-key", "gate.key")...)
	if !strings.Contains(r.stderr, "changed since airlock deployed it") {
		t.Fatalf("expected the edited release refused:\n%s", r.stderr)
	}
	if get(t, m.c, "v1", "ConfigMap", m.ns, "planted") != nil {
		t.Fatal("the edited release was acted on")
	}
}
