// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	airlockapi "github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/cluster"
	"github.com/airlock-dev/airlock/policy"
)

// deployManifest is a component's manifest: a Deployment naming IMAGE, and
// a Service.
const deployManifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: IMAGE
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`

// chartTemplate is a chart's Deployment, and a hook naming the same image
// (Helm post-renders hooks too).
const chartTemplate = `apiVersion: apps/v1
kind: Deployment
metadata: {name: "{{ .Release.Name }}-app"}
spec:
  replicas: {{ .Values.replicas | default 1 }}
  selector: {matchLabels: {app: chart}}
  template:
    metadata: {labels: {app: chart}}
    spec:
      containers:
        - name: app
          image: "{{ .Values.image }}"
`

// chartJob is a hook Job, rendered only when asked for: no controller
// runs in the test cluster, so it never completes and Helm's wait for it
// fails the install or upgrade.
const chartJob = `{{ if .Values.failingHook }}
apiVersion: batch/v1
kind: Job
metadata:
  name: "{{ .Release.Name }}-job"
  annotations: {"helm.sh/hook": "pre-install,pre-upgrade", "helm.sh/hook-delete-policy": before-hook-creation}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: job
          image: "{{ .Values.image }}"
{{ end }}
`

const chartHook = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: "{{ .Release.Name }}-hook"
  annotations: {"helm.sh/hook": post-install}
spec:
  selector: {matchLabels: {app: hook}}
  template:
    metadata: {labels: {app: hook}}
    spec:
      containers:
        - name: hook
          image: "{{ .Values.image }}"
`

// deployPackage writes a signed package whose component carries an image,
// names it in a manifest and in a chart (and its hook), and has a file
// with a target.
func deployPackage(t *testing.T, dir, manifest string, extra map[string]string) (imageRef string) {
	t.Helper()
	upstream := airlocktest.NewRegistry(t)
	airlocktest.PushImage(t, upstream, "team/web", "1.0")
	imageRef = upstream + "/team/web:1.0"
	pkg := airlocktest.WritePackage(t, "- ref: "+imageRef)
	files := map[string]string{
		"manifests/deploy.yaml":            manifest,
		"charts/hello/values.yaml":         "image: " + imageRef + "\n",
		"charts/hello/templates/app.yaml":  chartTemplate,
		"charts/hello/templates/hook.yaml": chartHook,
		"charts/hello/templates/job.yaml":  chartJob,
	}
	for name, content := range extra {
		files[name] = content
	}
	if name, ok := extra["NAME"]; ok { // the package's name
		delete(files, "NAME")
		def, _ := os.ReadFile(filepath.Join(pkg, "airlock.yaml"))
		files["airlock.yaml"] = strings.Replace(string(def), "name: hello\n", "name: "+name+"\n", 1)
	}
	for name, content := range files {
		content = strings.ReplaceAll(content, "IMAGE", imageRef)
		os.MkdirAll(filepath.Dir(filepath.Join(pkg, filepath.FromSlash(name))), 0o755)
		if err := os.WriteFile(filepath.Join(pkg, filepath.FromSlash(name)), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	airlock(t, dir, 0, "create", pkg, "-o", "app.tar", "--key", "team.key")
	return imageRef
}

// get reads an object from the cluster (nil when it is not there).
func get(t *testing.T, c *cluster.Cluster, apiVersion, kind, ns, name string) *unstructured.Unstructured {
	t.Helper()
	obj, err := c.Get(context.Background(), cluster.Ref{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

// podImage is the image of a Deployment's first container.
func podImage(t *testing.T, obj *unstructured.Unstructured) string {
	t.Helper()
	containers, _, _ := unstructured.NestedSlice(obj.Object, "spec", "template", "spec", "containers")
	if len(containers) == 0 {
		t.Fatalf("%s has no containers", obj.GetName())
	}
	return containers[0].(map[string]any)["image"].(string)
}

func TestDeploy(t *testing.T) {
	helmBin := tool(t, "helm")
	k := airlocktest.StartKube(t, tool(t, "kube-apiserver"), tool(t, "etcd"))
	c, err := cluster.Connect(cluster.Options{Kubeconfig: k.Kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "team")
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "other")
	airlock(t, dir, 0, "key", "generate", "--output-key-prefix", "gate")
	imageRef := deployPackage(t, dir, deployManifest, nil)
	n := 0
	for kind, internal := range registries(t) {
		n++
		ns := fmt.Sprintf("apps-%d", n)
		t.Run(kind, func(t *testing.T) {
			m := &onMirror{t: t, k: k, c: c, dir: dir, ns: ns, mirror: "oci://" + internal + "/mirror", imageRef: imageRef, helm: helmOn(t, k, helmBin)}
			m.deploy = []string{"deploy", "app.tar", "--registry", m.mirror, "--key", "team.pub", "--insecure-ignore-tlog", "-n", ns}
			m.refusedFirst()
			m.deployed()
			secret := m.recorded()
			m.redeployed()
			m.verifiedDeployed(secret)
			m.releaseTampered()
		})
	}
	t.Run("refused", func(t *testing.T) { testDeployRefused(t, k, c, dir) })
	t.Run("releases", func(t *testing.T) { testDeployReleases(t, k, c, dir, helmOn(t, k, helmBin)) })
	t.Run("interrupted", func(t *testing.T) { testDeployInterrupted(t, k, c, dir) })
	t.Run("attacks", func(t *testing.T) { testDeployAttacks(t, k, c, dir) })
}

// testDeployInterrupted: the Go API, cancelled after the first object,
// stops before the next and says what was not applied.
func testDeployInterrupted(t *testing.T, k *airlocktest.Kube, c *cluster.Cluster, keyDir string) {
	d := newDeployCase(t, k, keyDir, deployManifest, nil)
	pub, _ := os.ReadFile(filepath.Join(keyDir, "team.pub"))
	team, err := policy.KeySigner("team.pub", pub)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var applied []string
	res, err := airlockapi.Deploy(ctx, filepath.Join(d.dir, "app.tar"), airlockapi.DeployOptions{
		VerifyOptions: airlockapi.VerifyOptions{Policy: policy.Policy{Signers: []policy.Signer{team}, InsecureIgnoreTlog: true}},
		Cluster:       cluster.Options{Kubeconfig: k.Kubeconfig, Namespace: "stopped"},
		DeployTo: airlockapi.DeployTo{Mirror: d.mirror, OnApply: func(o airlockapi.DeployedObject) {
			applied = append(applied, o.Ref.String())
			cancel()
		}},
	})
	if !errors.Is(err, airlockapi.ErrDeploy) || !errors.Is(err, context.Canceled) {
		t.Fatalf("expected an interrupted deploy, got %v", err)
	}
	if len(applied) != 1 || !slices.Equal(res.NotApplied, []string{"stopped/Service/web", "release hello"}) {
		t.Fatalf("applied %v, not applied %v", applied, res.NotApplied)
	}
	if get(t, c, "apps/v1", "Deployment", "stopped", "web") == nil || get(t, c, "v1", "Service", "stopped", "web") != nil {
		t.Fatal("expected the first object applied and the second not")
	}
	if !res.Verification.Verified {
		t.Fatalf("the verification is not reported: %+v", res.Verification)
	}
}

// deployCase is one deploy from a fresh folder holding the team's key.
type deployCase struct {
	t      *testing.T
	dir    string
	k      *airlocktest.Kube
	mirror string
	image  string
}

// newDeployCase writes and mirrors a package whose manifest is manifest.
func newDeployCase(t *testing.T, k *airlocktest.Kube, keyDir, manifest string, extra map[string]string) *deployCase {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"team.key", "team.pub"} {
		data, _ := os.ReadFile(filepath.Join(keyDir, f))
		os.WriteFile(filepath.Join(dir, f), data, 0o600)
	}
	d := &deployCase{t: t, dir: dir, k: k, mirror: "oci://" + airlocktest.NewRegistry(t) + "/mirror"}
	d.image = deployPackage(t, dir, manifest, extra)
	airlock(t, dir, 0, "mirror", "app.tar", d.mirror, "--key", "team.pub", "--insecure-ignore-tlog")
	return d
}

// deploy runs airlock deploy into ns with more arguments.
func (d *deployCase) deploy(want int, ns string, args ...string) result {
	d.t.Helper()
	return airlock(d.t, d.dir, want, append([]string{"deploy", "app.tar", "--registry", d.mirror, "--key", "team.pub",
		"--insecure-ignore-tlog", "-n", ns, "--kubeconfig", d.k.Kubeconfig}, args...)...)
}

// values writes a values file and returns hello=PATH.
func (d *deployCase) values(name, content string) string {
	p := filepath.Join(d.dir, name)
	os.WriteFile(p, []byte(content), 0o644)
	return "hello=" + p
}

// testDeployRefused: a manifest the server rejects applies nothing, in a
// new namespace (which the check made is deleted again) or not.
func testDeployRefused(t *testing.T, k *airlocktest.Kube, c *cluster.Cluster, keyDir string) {
	for i, bad := range []struct{ doc, says string }{
		{"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad}\nspec: {replicas: \"x\"}\n", "expected numeric"},
		{"apiVersion: v1\nkind: Service\nmetadata: {name: bad}\nspec:\n  ports: [{port: 70000}]\n", "70000"},
	} {
		ns := fmt.Sprintf("refused-%d", i)
		d := newDeployCase(t, k, keyDir, deployManifest+"---\n"+bad.doc, nil)
		r := d.deploy(1, ns)
		if !strings.Contains(r.stderr, "server-side dry run") || !strings.Contains(r.stderr, bad.says) || !strings.Contains(r.stderr, "nothing was applied") {
			t.Fatalf("expected the dry run's refusal (%s):\n%s", bad.says, r.stderr)
		}
		if get(t, c, "apps/v1", "Deployment", ns, "web") != nil || get(t, c, "v1", "Secret", ns, "airlock-hello") != nil {
			t.Fatalf("%s: a refused package applied something", ns)
		}
		if n := get(t, c, "v1", "Namespace", "", ns); n != nil && n.GetDeletionTimestamp() == nil {
			t.Fatalf("%s: the namespace made for the check was left", ns)
		}
	}
}

// testDeployReleases: an upgrade only when something differs, a failed
// upgrade rolled back, a failed install uninstalled.
func testDeployReleases(t *testing.T, k *airlocktest.Kube, c *cluster.Cluster, keyDir string, helm func(...string) string) {
	d := newDeployCase(t, k, keyDir, deployManifest, nil)
	d.deploy(0, "up")
	r := d.deploy(0, "up", "--values", d.values("v2.yaml", "replicas: 2\n"))
	if !strings.Contains(r.stdout, "revision 2, configured") {
		t.Fatalf("expected an upgrade to revision 2:\n%s", r.stdout)
	}
	replicas := func(ns string) int64 {
		n, _, _ := unstructured.NestedInt64(get(t, c, "apps/v1", "Deployment", ns, "hello-app").Object, "spec", "replicas")
		return n
	}
	if replicas("up") != 2 {
		t.Fatal("the upgrade did not apply the values")
	}
	failing := d.values("fail.yaml", "replicas: 3\nfailingHook: true\n")
	r = d.deploy(1, "up", "--values", failing, "--wait-timeout", "3s")
	if !strings.Contains(r.stderr, "rolled back to revision 2") || !strings.Contains(r.stdout, "Not applied: release hello") {
		t.Fatalf("expected the failed upgrade rolled back:\n%s\n%s", r.stdout, r.stderr)
	}
	if replicas("up") != 2 {
		t.Fatal("the failed upgrade was not rolled back")
	}
	if !strings.Contains(helm("status", "hello", "-n", "up"), "STATUS: deployed") {
		t.Fatal("the release is not deployed after the rollback")
	}
	r = d.deploy(1, "fresh", "--values", failing, "--wait-timeout", "3s")
	if !strings.Contains(r.stderr, "uninstalled again") {
		t.Fatalf("expected the failed install uninstalled:\n%s", r.stderr)
	}
	if out := helm("list", "-n", "fresh", "-q"); strings.TrimSpace(out) != "" {
		t.Fatalf("a failed install left a release: %s", out)
	}
	if get(t, c, "v1", "Secret", "fresh", "airlock-hello") != nil {
		t.Fatal("a failed deploy wrote its record")
	}
	d.deploy(1, "up", "--components", "nope")

	// From a registry (oci://), one component chosen by name.
	host := strings.TrimSuffix(strings.TrimPrefix(d.mirror, "oci://"), "/mirror")
	airlock(t, d.dir, 0, "push", "app.tar", "oci://"+host+"/pkgs/hello")
	r = airlock(t, d.dir, 0, "deploy", "oci://"+host+"/pkgs/hello:1.0.0", "--registry", d.mirror, "--key", "team.pub", "--insecure-ignore-tlog",
		"-n", "from-oci", "--components", "app", "--kubeconfig", k.Kubeconfig)
	if !strings.Contains(r.stdout, "Deployed app into namespace from-oci") || podImage(t, get(t, c, "apps/v1", "Deployment", "from-oci", "web")) != strings.TrimPrefix(d.mirror, "oci://")+"/team/web:1.0@"+mirroredDigest(t, d) {
		t.Fatalf("deploy from oci://:\n%s", r.stdout)
	}
}

// mirroredDigest is the digest of the case's image in its mirror.
func mirroredDigest(t *testing.T, d *deployCase) string {
	t.Helper()
	host, prefix, _ := strings.Cut(strings.TrimPrefix(d.mirror, "oci://"), "/")
	return airlocktest.Resolve(t, host, prefix+"/team/web", "1.0").Digest.String()
}

// secretData is a Secret's data value, base64 as stored.
func secretData(t *testing.T, secret *unstructured.Unstructured, key string) string {
	t.Helper()
	v, ok, _ := unstructured.NestedString(secret.Object, "data", key)
	if !ok {
		t.Fatalf("secret %s has no %s", secret.GetName(), key)
	}
	return v
}

// helmOn returns a function running the helm CLI against the cluster.
func helmOn(t *testing.T, k *airlocktest.Kube, bin string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		r := run(t, t.TempDir(), []string{"HELM_CONFIG_HOME=" + t.TempDir(), "HELM_CACHE_HOME=" + t.TempDir()}, bin, append(args, "--kubeconfig", k.Kubeconfig)...)
		if r.code != 0 {
			t.Fatalf("helm %s: %s", strings.Join(args, " "), r.stderr)
		}
		return r.stdout
	}
}

// managedBy says a field manager owns part of obj.
func managedBy(obj *unstructured.Unstructured, manager string) bool {
	for _, f := range obj.GetManagedFields() {
		if f.Manager == manager {
			return true
		}
	}
	return false
}
