#!/usr/bin/env bash
# Fails when the committed Dagger bindings differ from what ci/generate.sh
# produces: generated code is never edited by hand and never stale.
# Generated paths: dagger.gen.go, internal/ (only codegen writes there),
# go.mod and go.sum (codegen tidies them).
set -euo pipefail

ci_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ci_dir"
generated=(dagger.gen.go internal go.mod go.sum)
"$ci_dir/generate.sh"
status=0
if ! git diff --exit-code --stat -- "${generated[@]}"; then
  echo "check-generated: the bindings above differ from the committed ones; run ci/generate.sh and commit" >&2
  status=1
fi
untracked=$(git ls-files --others --exclude-standard -- "${generated[@]}")
if [ -n "$untracked" ]; then
  printf 'check-generated: generated but not committed:\n%s\n' "$untracked" >&2
  status=1
fi
exit "$status"
