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
export AIRLOCK_CRANE="$tools/crane" AIRLOCK_HELM="$tools/helm" AIRLOCK_POLICY_TESTER="$tools/policy-tester" AIRLOCK_ZARF="$tools/zarf" AIRLOCK_KUBE_APISERVER="$tools/kube-apiserver" AIRLOCK_ETCD="$tools/etcd"
export AIRLOCK_FULCIO="$tools/fulcio" AIRLOCK_TESSERACT="$tools/tesseract" AIRLOCK_TIMESTAMP_SERVER="$tools/timestamp-server" AIRLOCK_REKOR_SERVER="$tools/rekor-server"
export AIRLOCK_E2E_REQUIRE=1

go vet ./...
# The end-to-end suite starts real servers; some (Fulcio's metrics, the TSA's)
# listen on every interface. As root, run it in a network namespace with only
# loopback: listeners stay private and any attempt to reach out fails at once.
go test -count=1 $(go list ./... | grep -v /e2e$)
go test -c -o "$tools/../e2e.test" ./e2e
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v ip >/dev/null; then
  (cd e2e && unshare -n sh -c 'ip link set lo up && exec "$0" -test.count=1' "$tools/../e2e.test")
else
  (cd e2e && "$tools/../e2e.test" -test.count=1)
fi

fuzztime=${AIRLOCK_FUZZTIME:-10s}
# fuzz TARGET PACKAGE: a short fuzzing run. (The engine reports executions
# only when a worker hands back a batch, so a run may print few "execs"
# while it is fuzzing at thousands a second.) Minimizing each new input of a
# multi-KiB archive takes seconds; a bounded minimization keeps the run
# fuzzing. Go's fuzzing engine sometimes ends a run with "context deadline
# exceeded" when a worker answers late at the deadline: that is not a finding
# (a finding writes a failing input), so such a run is tried once more.
fuzz() {
  local out
  for attempt in 1 2; do
    if out=$(go test -run '^$' -fuzz "^$1\$" -fuzztime "$fuzztime" -fuzzminimizetime 20x "$2" 2>&1); then
      echo "$out" | tail -2
      return 0
    fi
    echo "$out" | tail -20
    if ! grep -q "context deadline exceeded" <<<"$out" || grep -q "Failing input written" <<<"$out"; then
      return 1
    fi
    echo "fuzz $1: the engine timed out at its deadline; running it again" >&2
  done
  return 1
}
fuzz FuzzParse ./definition
fuzz FuzzOpen ./archive
fuzz FuzzChildren ./spec
fuzz FuzzSignatures ./verify
fuzz FuzzParse ./attest
fuzz FuzzVerify .
fuzz FuzzSafePath .
fuzz FuzzRewriteImages ./kube
fuzz FuzzHandler ./serve
fuzz FuzzCheckShape ./internal/yamlfile
fuzz FuzzTarball ./zarf
fuzz FuzzDefinition ./zarf
fuzz FuzzLocalImage ./build
fuzz FuzzDecode ./cluster
