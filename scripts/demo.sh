#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The airlock Authors.
#
# airlock's main job end to end on the example package, with no services:
# key generate, create (which signs the package, its provenance and its SBOM
# in one step), verify (bound to the expected name and version), extract it
# and serve it as a registry (pulling from it), tamper, verify and extract
# again (which must fail with exit 3, writing nothing). Everything happens in a
# temporary folder.
set -euo pipefail
export GOTOOLCHAIN=local
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/airlock-demo-XXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$repo" && go build -o "$work/airlock" ./cmd/airlock)
cd "$work"
export AIRLOCK_PASSWORD=demo-password
step() { printf '\n$ %s\n' "$*"; "$@"; }

step ./airlock key generate --output-key-prefix team
step ./airlock create "$repo/examples/hello" -o hello.tar --key team.key
step ./airlock verify hello.tar --key team.pub --insecure-ignore-tlog --expect-name hello --min-version 1.0.0 \
  --predicate-type https://slsa.dev/provenance/v1 --predicate-type https://spdx.dev/Document
step ./airlock inspect hello.tar

printf '\n# Inside the gap: extract what verified, and serve the archive as a read-only registry.\n'
step ./airlock extract hello.tar -o hello --key team.pub --insecure-ignore-tlog --expect-name hello
./airlock serve hello.tar --addr 127.0.0.1:0 --key team.pub --insecure-ignore-tlog >serve.out 2>serve.log &
serve=$!
for _ in $(seq 100); do grep -q '^Serving' serve.out && break; sleep 0.1; done
addr=$(sed -n 's|^Serving .* at http://\([^ ]*\) .*|\1|p' serve.out)
if [ -z "$addr" ]; then
  echo "demo: airlock serve did not start" >&2; cat serve.out serve.log >&2; exit 1
fi
step ./airlock pull "oci://$addr/hello:1.0.0" -o pulled.tar --key team.pub --insecure-ignore-tlog --expect-name hello
kill -TERM "$serve"; wait "$serve"

printf '\n# Tamper: change one byte of files/hello.txt inside the archive.\n'
python3 - <<'PY' 2>/dev/null || perl -0pi -e 's/Hello from/Jello from/' hello.tar
data = open("hello.tar", "rb").read()
i = data.index(b"Hello from")
open("hello.tar", "wb").write(data[:i] + b"J" + data[i + 1:])
PY
set +e
step ./airlock verify hello.tar --key team.pub --insecure-ignore-tlog \
  --predicate-type https://slsa.dev/provenance/v1 --predicate-type https://spdx.dev/Document
code=$?
set -e
if [ "$code" -ne 3 ]; then
  echo "demo: expected the tampered package to fail verification with exit 3, got $code" >&2
  exit 1
fi
set +e
step ./airlock extract hello.tar -o tampered --key team.pub --insecure-ignore-tlog
code=$?
set -e
if [ "$code" -ne 3 ] || [ -e tampered ]; then
  echo "demo: expected extract of the tampered package to fail with exit 3 and write nothing, got $code" >&2
  exit 1
fi
printf '\nThe tampered package was refused (exit 3) and nothing was extracted, as it must be.\n'
