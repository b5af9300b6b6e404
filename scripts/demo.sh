#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The airlock Authors.
#
# airlock's main job end to end on the example package, with no services:
# key generate, create (which signs the package, its provenance and its SBOM
# in one step), verify (bound to the expected name and version), tamper,
# verify again (which must fail with exit 3). Everything happens in a
# temporary folder.
set -euo pipefail
export GOTOOLCHAIN=local
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/airlock-demo-XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/airlock" "$repo/cmd/airlock"
cd "$work"
export AIRLOCK_PASSWORD=demo-password
step() { printf '\n$ %s\n' "$*"; "$@"; }

step ./airlock key generate --output-key-prefix team
step ./airlock create "$repo/examples/hello" -o hello.tar --key team.key
step ./airlock verify hello.tar --key team.pub --insecure-ignore-tlog --expect-name hello --min-version 1.0.0 \
  --predicate-type https://slsa.dev/provenance/v1 --predicate-type https://spdx.dev/Document
step ./airlock inspect hello.tar

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
printf '\nThe tampered package was refused (exit 3), as it must be.\n'
