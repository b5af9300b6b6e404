// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package e2e_test

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/cluster"
)

// adminBinding is what an attacker would like a package to slip in.
const adminBinding = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: NAME}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: default, namespace: default}]
`

// rolloutCRD defines a custom kind that embeds a pod template.
const rolloutCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: rollouts.example.com}
spec:
  group: example.com
  names: {kind: Rollout, plural: rollouts}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`

// testDeployAttacks: what a package's author (under a careless signer)
// would try, each refused or neutralised before it reaches the cluster.
func testDeployAttacks(t *testing.T, k *airlocktest.Kube, c *cluster.Cluster, keyDir string) {
	ctx := context.Background()
	// A chart's crds/ holds anything but CRDs: Helm would create it
	// unchecked. Refused, nothing applied (not even in a dry run).
	d := newDeployCase(t, k, keyDir, deployManifest, map[string]string{
		"charts/hello/crds/sneaky.yaml": strings.ReplaceAll(adminBinding, "NAME", "sneaky-admin"),
	})
	for _, args := range [][]string{{"--dry-run"}, nil} {
		r := d.deploy(1, "crds", args...)
		if !strings.Contains(r.stderr, "expected only CustomResourceDefinitions in crds/") {
			t.Fatalf("crds/: expected a refusal:\n%s", r.stderr)
		}
	}
	if get(t, c, "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "", "sneaky-admin") != nil || get(t, c, "v1", "Namespace", "", "crds") != nil {
		t.Fatal("a chart's crds/ applied something")
	}

	// A template that renders more once the package's own manifest made
	// what its lookup looks for: the install renders something else than
	// what was checked, and is refused before Helm applies any of it.
	d = newDeployCase(t, k, keyDir, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: trigger}\n", map[string]string{
		"charts/hello/templates/late.yaml": "{{- if lookup \"v1\" \"ConfigMap\" .Release.Namespace \"trigger\" }}\n" +
			strings.ReplaceAll(adminBinding, "NAME", "late-admin") + "{{- end }}\n",
	})
	r := d.deploy(1, "lookup")
	if !strings.Contains(r.stderr, "rendered differently") || !strings.Contains(r.stdout, "Not applied: release hello") {
		t.Fatalf("lookup: expected the second rendering refused:\n%s\n%s", r.stdout, r.stderr)
	}
	if get(t, c, "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "", "late-admin") != nil || get(t, c, "apps/v1", "Deployment", "lookup", "hello-app") != nil {
		t.Fatal("the second rendering was applied")
	}

	// A chart that renders differently each time, or that carries a
	// deployment record of its own: refused before anything is applied.
	for file, says := range map[string]string{
		"rnd.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: rnd}\ndata: {p: {{ randAlphaNum 12 | quote }}}\n",
		"record.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: airlock-ghost}\ntype: airlock.dev/deployment\ndata: {}\n",
	} {
		d = newDeployCase(t, k, keyDir, deployManifest, map[string]string{"charts/hello/templates/" + file: says})
		r := d.deploy(1, "tricks")
		if !strings.Contains(r.stderr, "another result each time") && !strings.Contains(r.stderr, "cannot carry a deployment record") {
			t.Fatalf("%s: expected a refusal:\n%s", file, r.stderr)
		}
		if get(t, c, "apps/v1", "Deployment", "tricks", "web") != nil || get(t, c, "v1", "Secret", "tricks", "airlock-ghost") != nil {
			t.Fatalf("%s: something was applied", file)
		}
	}

	// A custom kind embedding a pod template, and an object that exists
	// and that airlock did not apply.
	crd := decodeOne(t, rolloutCRD)
	if _, err := c.Apply(ctx, crd, cluster.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	someoneElse(t, k, "taken", "attacks")
	d = newDeployCase(t, k, keyDir, "apiVersion: example.com/v1\nkind: Rollout\nmetadata: {name: ro}\nspec:\n  template:\n    spec:\n"+
		"      containers: [{name: app, image: IMAGE}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: taken}\ndata: {a: b}\n", nil)
	r = d.deploy(1, "attacks")
	if !strings.Contains(r.stderr, "airlock did not apply it") || !strings.Contains(r.stderr, "someone-else") {
		t.Fatalf("expected the other owner's ConfigMap refused:\n%s", r.stderr)
	}
	if get(t, c, "example.com/v1", "Rollout", "attacks", "ro") != nil {
		t.Fatal("a refused deploy applied something")
	}
	d.deploy(0, "attacks", "--force-conflicts")
	// Another package deploying over this one's objects and release.
	intruder := newDeployCase(t, k, keyDir, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: taken}\ndata: {a: mine}\n",
		map[string]string{"NAME": "intruder"})
	if r := intruder.deploy(1, "attacks"); !strings.Contains(r.stderr, `belongs to package "hello"`) {
		t.Fatalf("expected the other package's object refused:\n%s", r.stderr)
	}
	ro := get(t, c, "example.com/v1", "Rollout", "attacks", "ro")
	containers, _, _ := unstructured.NestedSlice(ro.Object, "spec", "template", "spec", "containers")
	if img := containers[0].(map[string]any)["image"].(string); !strings.Contains(img, "/mirror/team/web:1.0@sha256:") {
		t.Fatalf("the custom kind's image was not rewritten: %s", img)
	}
}

// decodeOne decodes a one-object manifest.
func decodeOne(t *testing.T, manifest string) *unstructured.Unstructured {
	t.Helper()
	objs, err := cluster.Decode([]byte(manifest))
	if err != nil || len(objs) != 1 {
		t.Fatalf("decode: %v", err)
	}
	return objs[0]
}

// someoneElse creates ConfigMap name in namespace ns (and the namespace)
// with another field manager, as another tool would.
func someoneElse(t *testing.T, k *airlocktest.Kube, name, ns string) {
	t.Helper()
	config, err := clientcmd.BuildConfigFromFlags("", k.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	opts := metav1.ApplyOptions{FieldManager: "someone-else"}
	nsObj := decodeOne(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: "+ns+"}\n")
	if _, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}).Apply(context.Background(), ns, nsObj, opts); err != nil {
		t.Fatal(err)
	}
	cm := decodeOne(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "+name+", namespace: "+ns+"}\ndata: {a: theirs}\n")
	if _, err := dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace(ns).Apply(context.Background(), name, cm, opts); err != nil {
		t.Fatal(err)
	}
}
