// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package e2e holds the end-to-end tests: they build the airlock binary and
// run it as a user would, on real archives, against real peers (the cosign
// binary, an OCI registry). It has no API.
//
// Peers (cosign, oras, skopeo) are found through $AIRLOCK_<NAME>, then $PATH,
// then the cache scripts/tools.sh fills (~/.cache/airlock/bin). Without one
// the tests needing it skip, unless AIRLOCK_E2E_REQUIRE=1 (as in CI), which
// makes them fail.
package e2e
