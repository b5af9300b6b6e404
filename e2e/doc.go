// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package e2e holds the end-to-end tests: they build the airlock binary and
// run it as a user would, on real archives, against real peers (the cosign
// binary, an OCI registry). It has no API.
//
// cosign is found through $AIRLOCK_COSIGN, then $PATH, then the cache that
// .ci/run fills (~/.cache/airlock/bin). Without it the interoperability tests
// skip, unless AIRLOCK_E2E_REQUIRE=1 (as in CI), which makes them fail.
package e2e
