// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package registry_test

import (
	"context"
	"fmt"

	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/registry"
)

// Discover lists what is attached to an image: here, nothing yet.
func ExampleDiscover() {
	ctx := context.Background()
	host, stop := airlocktest.StartRegistry()
	defer stop()
	img := airlocktest.PushImage(panicT{}, host, "library/app", "1.0")

	ref, _ := registry.ParseTarget("oci://" + host + "/library/app:1.0")
	repo, _ := registry.Repository(ref, registry.Options{})
	supported, _ := registry.ProbeReferrers(ctx, repo)
	referrers, err := registry.Discover(ctx, repo, img)
	fmt.Println(supported, len(referrers), err)
	fmt.Println(registry.LegacyTag(img.Digest, registry.LegacySignatureSuffix) == "sha256-"+img.Digest.Encoded()+".sig")
	// Output:
	// true 0 <nil>
	// true
}
