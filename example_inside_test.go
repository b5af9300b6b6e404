// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/verify"
)

// insideExample writes, signed, a package with an image and a Deployment
// naming it; it returns the archive, the policy and the image reference.
func insideExample(dir, upstream string) (string, policy.Policy, string) {
	img := upstream + "/team/app:1.0"
	airlocktest.PushImage(nopT{}, upstream, "team/app", "1.0")
	os.MkdirAll(filepath.Join(dir, "pkg", "manifests"), 0o755)
	os.WriteFile(filepath.Join(dir, "pkg", "airlock.yaml"), []byte("apiVersion: airlock.dev/v1alpha1\nkind: Package\n"+
		"metadata: {name: app, version: 1.0.0}\ncomponents:\n  - name: web\n    manifests:\n      - path: manifests/web.yaml\n"+
		"    images:\n      - ref: "+img+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "pkg", "manifests", "web.yaml"), []byte("apiVersion: apps/v1\nkind: Deployment\n"+
		"metadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: "+img+"\n"), 0o644)
	key, pair := exampleKey()
	archive := filepath.Join(dir, "app.tar")
	if _, err := airlock.Create(context.Background(), filepath.Join(dir, "pkg"), archive, airlock.CreateOptions{Key: key}); err != nil {
		panic(err)
	}
	team, _ := policy.KeySigner("team.pub", pair.PublicKey)
	return archive, policy.Policy{Signers: []policy.Signer{team}, InsecureIgnoreTlog: true}, img
}

// Extract verifies a package, then writes its files and manifests into a
// folder; with Mirror, the manifests name the images where `airlock
// mirror` put them, pinned by digest.
func ExampleExtract() {
	upstream, stop := airlocktest.StartRegistry()
	defer stop()
	dir, _ := os.MkdirTemp("", "example-extract-*")
	defer os.RemoveAll(dir)
	archive, p, _ := insideExample(dir, upstream)

	res, err := airlock.Extract(context.Background(), archive, filepath.Join(dir, "out"), airlock.ExtractOptions{
		VerifyOptions: airlock.VerifyOptions{Policy: p},
		FilesOptions:  airlock.FilesOptions{Mirror: "oci://registry.internal:5000/mirror"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range res.Files {
		fmt.Println(f.Kind, strings.TrimPrefix(f.Path, dir))
		for _, r := range f.Rewritten {
			to, _, _ := strings.Cut(r.To, "@")
			fmt.Println("  image ->", to)
		}
	}
	// Output:
	// manifest /out/web/manifests/web.yaml
	//   image -> registry.internal:5000/mirror/team/app:1.0
	// images /out/web/images.yaml
}

// Serve verifies a package, then serves it read-only as an OCI registry
// until its context is done: registry clients, airlock's own pull among
// them, read the images, signatures and charts from it.
func ExampleServe() {
	upstream, stop := airlocktest.StartRegistry()
	defer stop()
	dir, _ := os.MkdirTemp("", "example-serve-*")
	defer os.RemoveAll(dir)
	archive, p, _ := insideExample(dir, upstream)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel() // stops the server
	ready := make(chan string)
	go airlock.Serve(ctx, archive, airlock.ServeOptions{
		VerifyOptions: airlock.VerifyOptions{Policy: p},
		Addr:          "127.0.0.1:0",
		Ready:         func(addr net.Addr, _ verify.PackageInfo) { ready <- addr.String() },
	})
	addr := <-ready
	resp, err := http.Get("http://" + addr + "/v2/team/app/tags/list")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	res, err := airlock.Pull(ctx, "oci://"+addr+"/app:1.0.0", filepath.Join(dir, "pulled.tar"), airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	fmt.Println(err, res.Verified)
	// Output:
	// {"name":"team/app","tags":["1.0"]}
	// <nil> true
}
