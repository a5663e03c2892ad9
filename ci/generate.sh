#!/usr/bin/env bash
# Regenerates the Dagger module's bindings (dagger.gen.go, internal/dagger,
# go.mod, go.sum) with Dagger's own codegen at the engine version the module
# pins, fed with the engine's API schema kept in schema/introspection.json.
# This is what `dagger develop` does, without an engine: no generated file is
# ever written by hand.
#
# The codegen binary is built once from the Go module proxy, in a throwaway
# module, and cached under $XDG_CACHE_HOME (default ~/.cache).
set -euo pipefail

version=v0.21.8
ci_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
schema="$ci_dir/schema/introspection.json"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/market-data-contracts/codegen-$version"
codegen="$cache/codegen"

build_codegen() {
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  echo "generate: building github.com/dagger/dagger/cmd/codegen@$version" >&2
  (
    cd "$tmp"
    export GOSUMDB=off GOFLAGS=-mod=mod GOWORK=off
    go mod init codegen-build >/dev/null 2>&1
    go get "github.com/dagger/dagger@$version" >/dev/null
    go build -o "$tmp/codegen" github.com/dagger/dagger/cmd/codegen
  )
  mkdir -p "$cache"
  mv "$tmp/codegen" "$codegen"
}

[ -x "$codegen" ] || build_codegen

# A first pass over a module may stop at "needs another pass" (it writes the
# client, then the module's own types); run until nothing changes, at most 3.
digest() { cat go.mod go.sum dagger.gen.go internal/dagger/*.go 2>/dev/null | sha256sum || true; }
cd "$ci_dir"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for pass in 1 2 3; do
  before=$(digest)
  if ! GOSUMDB=off GOFLAGS=-mod=mod "$codegen" generate-module \
    --module-source-path . \
    --module-name market-data-contracts \
    --lib-version "$version" \
    --introspection-json-path "$schema" \
    -o . >"$log" 2>&1; then
    cat "$log" >&2
    echo "generate: codegen failed (pass $pass)" >&2
    exit 1
  fi
  [ "$before" != "$(digest)" ] || break
done
echo "generate: ok (codegen $version, $pass pass(es))" >&2
