#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The airlock Authors.
#
# Compares, in one run on the same package (1 GiB by default) and the same
# loopback registry (CNCF Distribution), airlock against oras:
#   push: airlock push FILE oci://...        vs  oras cp -r --from-oci-layout FILE:TAG REF
#   pull: airlock pull oci://... -o FILE     vs  oras cp -r REF --to-oci-layout DIR:TAG
# airlock's pull verifies the signature and every digest; oras only copies.
# Targets (issue [registry]): <= 1.2 x oras for both; peak RSS <= 100 MiB.
# Each figure is the best of three runs (the least disturbed by other load).
#
# Usage: bench/registry.sh [SIZE_MIB]   (default 1024); needs scripts/tools.sh's peers.
set -euo pipefail
export GOTOOLCHAIN=local
size_mib=${1:-1024}
repo=$(cd "$(dirname "$0")/.." && pwd)
tools=$("$repo/scripts/tools.sh")
work=$(mktemp -d "${TMPDIR:-/tmp}/airlock-bench-XXXXXX")
regpid=
cleanup() { [ -z "$regpid" ] || kill "$regpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

(cd "$repo" && go build -o "$work/airlock" ./cmd/airlock)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
host=127.0.0.1:$port
cat > "$work/registry.yml" <<YAML
version: 0.1
log: {level: error}
storage:
  filesystem: {rootdirectory: $work/registry}
  delete: {enabled: true}
http: {addr: $host}
YAML
"$tools/distribution" serve "$work/registry.yml" >/dev/null 2>&1 &
regpid=$!
for _ in $(seq 50); do curl -fs "http://$host/v2/" >/dev/null && break; sleep 0.1; done

mkdir -p "$work/pkg/files"
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/pkg/files/big.bin"
printf 'apiVersion: airlock.dev/v1alpha1\nkind: Package\nmetadata: {name: bench, version: 1.0.0}\ncomponents:\n  - name: data\n    files:\n      - path: files/big.bin\n' > "$work/pkg/airlock.yaml"
cd "$work"
export AIRLOCK_PASSWORD=bench
./airlock create pkg -o bench.tar >/dev/null
./airlock key generate --output-key-prefix bench >/dev/null
./airlock sign bench.tar --key bench.key >/dev/null
rm -rf pkg

# run NAME CMD...: best wall time of three and the peak RSS of the last run.
# The command may use $i (1..3) to name fresh destinations.
run() {
  local name=$1; shift
  local best= rss
  for i in 1 2 3; do
    local cmd=("${@//\{i\}/$i}")
    /usr/bin/time -f '%e %M' -o time.out "${cmd[@]}" >/dev/null 2>err.out || { cat err.out >&2; exit 1; }
    read -r secs rss < time.out
    best=$(awk -v a="$secs" -v b="$best" 'BEGIN { if (b == "" || a < b) print a; else print b }')
  done
  echo "$name $best $((rss / 1024))"
}

{
  run airlock-push ./airlock push bench.tar "oci://$host/airlock/push{i}:1.0.0"
  run oras-push "$tools/oras" cp -r --to-plain-http --from-oci-layout bench.tar:1.0.0 "$host/oras/push{i}:1.0.0"
  run airlock-pull ./airlock pull "oci://$host/airlock/push1:1.0.0" -o "pull{i}.tar" --key bench.pub --insecure-ignore-tlog
  run oras-pull "$tools/oras" cp -r --from-plain-http "$host/airlock/push1:1.0.0" --to-oci-layout "pull{i}:1.0.0"
} > figures.txt

awk -v mib="$size_mib" '
  { t[$1] = $2; r[$1] = $3 }
  END {
    printf "package %d MiB, loopback CNCF Distribution registry; best of 3\n", mib
    split("push pull", ops, " ")
    bad = 0
    for (k = 1; k <= 2; k++) {
      op = ops[k]; x = t["airlock-" op]; o = t["oras-" op]
      printf "%-5s airlock %6.2f s (RSS %4d MiB)   oras %6.2f s (RSS %4d MiB)   ratio %.2f (target <= 1.2)\n", op, x, r["airlock-" op], o, r["oras-" op], x / o
      if (x / o > 1.2 || r["airlock-" op] > 100) bad = 1
    }
    if (bad) { print "TARGET MISSED"; exit 1 }
  }' figures.txt
