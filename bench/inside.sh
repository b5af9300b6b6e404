#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The airlock Authors.
#
# The inside of the gap, in one run on the same data (1 GiB by default):
#   serve:   crane pull --format oci of a 1 GiB image from `airlock serve`
#            (the archive as signed, every blob hashed as it streams) against
#            the same from olareg serving the same content as a plain layout
#   extract: `airlock extract` of a package holding a 1 GiB file (verified,
#            every byte checked as it is written) against `tar -x` of the
#            same archive
# Best of three; page cache warmed alike. Targets (issue [inside]): <= 1.2x.
#
# Usage: bench/inside.sh [SIZE_MIB]   (default 1024)
set -euo pipefail
export GOTOOLCHAIN=local
size_mib=${1:-1024}
repo=$(cd "$(dirname "$0")/.." && pwd)
tools=$("$repo/scripts/tools.sh")
work=$(mktemp -d "${TMPDIR:-/tmp}/airlock-inside-XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
up() { for _ in $(seq 100); do curl -fs "http://$1/v2/" >/dev/null && return; sleep 0.1; done; echo "bench: $1 did not start" >&2; exit 1; }

(cd "$repo" && go build -o "$work/airlock" ./cmd/airlock)
(cd "$repo" && go build -o "$work/pushimage" ./bench/cmd/pushimage)
(cd "$repo" && go build -o "$work/olaregserve" ./bench/cmd/olaregserve)
cd "$work"
export AIRLOCK_PASSWORD=bench
./airlock key generate --output-key-prefix bench >/dev/null

# An upstream registry with a 1 GiB image, and a package carrying it.
upstream=127.0.0.1:$(freeport)
printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: %s}\n' "$work/upstream" "$upstream" > registry.yml
"$tools/distribution" serve registry.yml >/dev/null 2>&1 & pids+=($!)
up "$upstream"
image=$(./pushimage "$upstream/bench/app:1" "$size_mib")
mkdir -p image-pkg
printf 'apiVersion: airlock.dev/v1alpha1\nkind: Package\nmetadata: {name: bench, version: 1.0.0}\ncomponents:\n  - name: app\n    images:\n      - ref: %s/bench/app:1\n' "$upstream" > image-pkg/airlock.yaml
./airlock create image-pkg -o image.tar --key bench.key --no-sbom --no-provenance >/dev/null

# A package holding one file of the same size.
mkdir -p file-pkg/files
head -c $((size_mib * 1024 * 1024)) /dev/urandom > file-pkg/files/big.bin
printf 'apiVersion: airlock.dev/v1alpha1\nkind: Package\nmetadata: {name: data, version: 1.0.0}\ncomponents:\n  - name: data\n    files:\n      - path: files/big.bin\n' > file-pkg/airlock.yaml
./airlock create file-pkg -o file.tar --key bench.key --no-sbom --no-provenance >/dev/null
rm -rf file-pkg/files

# airlock serve, and olareg on the same content as a plain layout.
served=127.0.0.1:$(freeport)
./airlock serve image.tar --addr "$served" --key bench.pub --insecure-ignore-tlog >/dev/null 2>&1 & pids+=($!)
servepid=$!
mkdir -p layouts/bench/app && tar -xf image.tar -C layouts/bench/app
plain=127.0.0.1:$(freeport)
./olaregserve layouts "$plain" >/dev/null 2>&1 & pids+=($!)
up "$served"; up "$plain"

best() { # best wall time of three runs of a command, each after PREP (a command) runs
  local prep=$1; shift; local best=
  for _ in 1 2 3; do
    eval "$prep"
    local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    best=$(echo "$s $e $best" | awk '{d=$2-$1; if ($3=="" || d<$3) print d; else print $3}')
  done
  echo "$best"
}
cat image.tar file.tar > /dev/null
serve=$(best 'rm -rf pulled' "$tools/crane" pull --insecure --format oci "$served/bench/app@$image" pulled)
olareg=$(best 'rm -rf pulled' "$tools/crane" pull --insecure --format oci "$plain/bench/app@$image" pulled)
serve_rss=$(( $(awk '/VmHWM/ {print $2}' /proc/$servepid/status) / 1024 ))
extract=$(best 'rm -rf out; sync' ./airlock extract file.tar -o out --key bench.pub --insecure-ignore-tlog)
untar=$(best 'rm -rf out && mkdir out; sync' tar -xf file.tar -C out)

awk -v s="$serve" -v o="$olareg" -v x="$extract" -v t="$untar" -v r="$serve_rss" -v m="$size_mib" 'BEGIN {
  printf "inside the gap, %d MiB, best of 3\n", m
  printf "serve    airlock serve %6.2f s (RSS %3d MiB)   olareg %6.2f s   ratio %.2f (target <= 1.2)\n", s, r, o, s / o
  printf "extract  airlock extract %6.2f s                 tar -x %6.2f s   ratio %.2f (target <= 1.2)\n", x, t, x / t
  if (s / o > 1.2 || x / t > 1.2) { print "TARGET MISSED"; exit 1 }
}'
