#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The airlock Authors.
#
# The test suite: installs the pinned peers (scripts/tools.sh), then runs every
# Go test, the end-to-end suite with the real cosign binary required, and a
# short run of each fuzz target.
set -euo pipefail
export GOTOOLCHAIN=local
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
go mod download
tools=$("$repo/scripts/tools.sh")
export AIRLOCK_COSIGN="$tools/cosign" AIRLOCK_ORAS="$tools/oras" AIRLOCK_SKOPEO="$tools/skopeo" AIRLOCK_DISTRIBUTION="$tools/distribution"
export AIRLOCK_E2E_REQUIRE=1

go vet ./...
go test -count=1 ./...

fuzztime=${AIRLOCK_FUZZTIME:-10s}
for target in "FuzzParse ./definition" "FuzzOpen ./archive" "FuzzChildren ./spec" "FuzzSignatures ./verify"; do
  set -- $target
  # Minimizing each new input of a multi-KiB archive takes seconds; a bounded
  # minimization keeps the run fuzzing instead of shrinking.
  go test -run '^$' -fuzz "^$1\$" -fuzztime "$fuzztime" -fuzzminimizetime 20x "$2"
done
