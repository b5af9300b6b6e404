#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The airlock Authors.
#
# Zarf packages, in one run on the same data (1 GiB by default): `airlock
# verify` (signature, aggregateChecksum, every file hashed as the tarball
# streams, nothing extracted) against `zarf package verify --key` (which
# extracts the package to a temporary folder and hashes every file), on a
# package Zarf created and signed, zstd-compressed (Zarf's default) and
# uncompressed. Best of three, page cache warmed alike; peak RSS of each.
#
# Usage: bench/zarf.sh [SIZE_MIB]   (default 1024)
set -euo pipefail
export GOTOOLCHAIN=local
size_mib=${1:-1024}
repo=$(cd "$(dirname "$0")/.." && pwd)
tools=$("$repo/scripts/tools.sh")
work=$(mktemp -d "${TMPDIR:-/tmp}/airlock-zarf-XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$repo" && go build -o "$work/airlock" ./cmd/airlock)
cd "$work"
export AIRLOCK_PASSWORD=bench COSIGN_PASSWORD=bench HOME="$work"
./airlock key generate --output-key-prefix bench >/dev/null
mkdir -p src
head -c $((size_mib * 1024 * 1024)) /dev/urandom > src/big.bin

best() { # best wall time of three runs
  local best=
  for _ in 1 2 3; do
    local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    best=$(echo "$s $e $best" | awk '{d=$2-$1; if ($3=="" || d<$3) print d; else print $3}')
  done
  echo "$best"
}
rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%d", $1 / 1024}'; }

echo "zarf packages, $size_mib MiB, best of 3"
for form in zst tar; do
  uncompressed=false
  [ "$form" = tar ] && uncompressed=true
  printf 'kind: ZarfPackageConfig\nmetadata:\n  name: bench\n  version: 1.0.0\n  uncompressed: %s\ncomponents:\n- name: data\n  required: true\n  files:\n  - source: big.bin\n    target: /tmp/big.bin\n' "$uncompressed" > src/zarf.yaml
  rm -f zarf-package-bench-*
  "$tools/zarf" package create src -o . --confirm --skip-sbom -a amd64 --signing-key bench.key >/dev/null 2>&1
  pkg=$(ls zarf-package-bench-amd64-1.0.0.tar*)
  cat "$pkg" >/dev/null
  a=$(best ./airlock verify "$pkg" --key bench.pub --insecure-ignore-tlog)
  z=$(best "$tools/zarf" package verify "$pkg" --key bench.pub)
  ar=$(rss ./airlock verify "$pkg" --key bench.pub --insecure-ignore-tlog)
  zr=$(rss "$tools/zarf" package verify "$pkg" --key bench.pub)
  awk -v f="$pkg" -v a="$a" -v z="$z" -v ar="$ar" -v zr="$zr" 'BEGIN {
    printf "%-42s airlock verify %6.2f s (RSS %4d MiB)   zarf package verify %6.2f s (RSS %4d MiB)   ratio %.2f\n", f, a, ar, z, zr, a / z
  }'
done
