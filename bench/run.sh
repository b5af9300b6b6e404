#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The airlock Authors.
#
# Builds a package around one large file (1 GiB by default) and reports, in
# one run on the same data: airlock verify's time against the hashing floor
# (openssl dgst -sha256 of the same archive; never sha256sum, which is about
# five times slower here), and the peak RSS of create and verify.
# Targets (issue [format]): verify <= 1.3 x the floor; RSS <= 100 MiB for both.
#
# Usage: bench/run.sh [SIZE_MIB]   (default 1024)
set -euo pipefail
export GOTOOLCHAIN=local
size_mib=${1:-1024}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/airlock-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq openssl >/dev/null; }

(cd "$repo" && go build -o "$work/airlock" ./cmd/airlock)
mkdir -p "$work/pkg/files"
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/pkg/files/big.bin"
cat > "$work/pkg/airlock.yaml" <<YAML
apiVersion: airlock.dev/v1alpha1
kind: Package
metadata: {name: bench, version: 1.0.0}
components:
  - name: data
    files:
      - path: files/big.bin
YAML
cd "$work"
export AIRLOCK_PASSWORD=bench

rss() { # peak RSS in MiB of a command, from GNU time
  /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null
  echo $(( $(cat "$work/rss") / 1024 ))
}
seconds() { # wall time of a command, best of three (the least disturbed run)
  local best=
  for _ in 1 2 3; do
    local s e
    s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
    best=$(echo "$s $e $best" | awk '{d=$2-$1; if ($3=="" || d<$3) print d; else print $3}')
  done
  echo "$best"
}

create_rss=$(rss ./airlock create pkg -o bench.tar)
./airlock key generate --output-key-prefix bench >/dev/null
./airlock sign bench.tar --key bench.key >/dev/null
verify_rss=$(rss ./airlock verify bench.tar --key bench.pub --insecure-ignore-tlog)
cat bench.tar > /dev/null # warm the page cache for both contenders alike
floor=$(seconds openssl dgst -sha256 bench.tar)
verify=$(seconds ./airlock verify bench.tar --key bench.pub --insecure-ignore-tlog)
bytes=$(stat -c %s bench.tar)

awk -v b="$bytes" -v f="$floor" -v v="$verify" -v cr="$create_rss" -v vr="$verify_rss" 'BEGIN {
  printf "archive                  %.0f MiB\n", b/1048576
  printf "openssl dgst -sha256     %.3f s  (%.2f GB/s, the hashing floor)\n", f, b/f/1e9
  printf "airlock verify           %.3f s  (%.2f GB/s)  ratio %.2f x floor (target <= 1.3)\n", v, b/v/1e9, v/f
  printf "peak RSS create          %d MiB (target <= 100)\n", cr
  printf "peak RSS verify          %d MiB (target <= 100)\n", vr
  if (v/f > 1.3 || cr > 100 || vr > 100) { print "TARGET MISSED"; exit 1 }
}'
