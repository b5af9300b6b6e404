#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The airlock Authors.
#
# Installs the real peers the tests run against, pinned, from the Go module
# proxy and Debian's packages, into a cache outside the repository
# (~/.cache/airlock/bin, or $AIRLOCK_TOOLS). A binary already there at the
# pinned version is reused: cold builds take minutes on two cores.
set -euo pipefail
export GOTOOLCHAIN=local
tools=${AIRLOCK_TOOLS:-$HOME/.cache/airlock/bin}
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$tools"

COSIGN_VERSION=v3.1.3
ORAS_VERSION=v1.3.0
DISTRIBUTION_VERSION=v3.1.2
# A real Sigstore for the keyless tests (../shared/sigstore-stack.md): the
# newest versions that build with go1.26.
FULCIO_VERSION=v1.8.8
TESSERACT_VERSION=v0.1.1
TSA_VERSION=v2.1.3
REKOR_TILES_VERSION=v2.3.0
SKOPEO_VERSION=1.9.3+ds1-1+b10
# Clients that read from `airlock serve` and pull mirrored charts.
CRANE_VERSION=v0.22.1
HELM_VERSION=v3.22.0
# sigstore policy-controller's tester: admission decisions for the evidence
# tests. Its module has replace directives, so it is built inside the
# downloaded module rather than with go install.
POLICY_CONTROLLER_VERSION=v0.13.1
# Zarf: packages made, signed and verified by the real Zarf for the Zarf
# tests (also built inside its module: it has replace directives).
ZARF_VERSION=v0.84.0

install_go() { # NAME MODULE/CMD VERSION: build the command and install it as NAME
  local name=$1 pkg=$2 version=$3 stamp="$tools/.$1.version" bin
  if [ -x "$tools/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
    return
  fi
  echo "tools: building $name $version (takes a few minutes the first time)" >&2
  bin=$(mktemp -d)
  GOBIN="$bin" go install "$pkg@$version"
  mv "$bin/$(basename "$pkg")" "$tools/$name"
  rm -rf "$bin"
  echo "$version" > "$stamp"
}

install_go cosign github.com/sigstore/cosign/v3/cmd/cosign "$COSIGN_VERSION"
install_go oras oras.land/oras/cmd/oras "$ORAS_VERSION"
# CNCF Distribution: a real registry without the OCI referrers API, so the
# referrers tag schema is exercised against a real server.
install_go distribution github.com/distribution/distribution/v3/cmd/registry "$DISTRIBUTION_VERSION"
install_go fulcio github.com/sigstore/fulcio "$FULCIO_VERSION"
install_go tesseract github.com/transparency-dev/tesseract/cmd/tesseract/posix "$TESSERACT_VERSION"
install_go timestamp-server github.com/sigstore/timestamp-authority/v2/cmd/timestamp-server "$TSA_VERSION"
install_go rekor-server github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix "$REKOR_TILES_VERSION"
install_go crane github.com/google/go-containerregistry/cmd/crane "$CRANE_VERSION"
install_go helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"

install_in_module() { # NAME MODULE VERSION ./CMD: build a command inside its own module
  local name=$1 module=$2 version=$3 cmd=$4 stamp="$tools/.$1.version" dir
  if [ -x "$tools/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
    return
  fi
  echo "tools: building $name $version (takes a few minutes the first time)" >&2
  dir=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  (cd "$dir" && GOFLAGS=-mod=mod go build -o "$tools/$name" "$cmd")
  echo "$version" > "$stamp"
}
install_in_module policy-tester github.com/sigstore/policy-controller "$POLICY_CONTROLLER_VERSION" ./cmd/tester
install_in_module zarf github.com/zarf-dev/zarf "$ZARF_VERSION" .

# A real Kubernetes API server and its etcd (k8s.io/kubernetes v1.34.4, etcd
# v3.6.5: the pins are the go.mod files under scripts/kube), for the deploy
# tests. Neither can be go installed (replace directives), so each is built
# from a tiny module of our own, kept out of airlock's go.mod.
install_local_module() { # NAME DIR: build the module in DIR as NAME
  local name=$1 dir=$2 stamp="$tools/.$1.version" version
  version=$(cat "$dir/go.mod" "$dir/go.sum" "$dir/main.go" | sha256sum | cut -c1-16)
  if [ -x "$tools/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
    return
  fi
  echo "tools: building $name (takes a few minutes the first time)" >&2
  (cd "$dir" && go build -o "$tools/$name" .)
  echo "$version" > "$stamp"
}
install_local_module kube-apiserver "$repo/scripts/kube/apiserver"
install_local_module etcd "$repo/scripts/kube/etcd"

apt_updated=
apt_install() { # PACKAGE [VERSION]: the pinned version, or the candidate if Debian no longer has it
  [ -n "$apt_updated" ] || { apt-get update -qq >/dev/null; apt_updated=1; }
  if [ -n "${2:-}" ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1=$2" >/dev/null 2>&1; then
    return
  fi
  [ -z "${2:-}" ] || echo "tools: $1 $2 is no longer in Debian's archive; installing its candidate" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}
command -v skopeo >/dev/null || apt_install skopeo "$SKOPEO_VERSION"
ln -sf "$(command -v skopeo)" "$tools/skopeo"

command -v openssl >/dev/null || apt_install openssl
[ -x /usr/bin/time ] || apt_install time
echo "$tools"
