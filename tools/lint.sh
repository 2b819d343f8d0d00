#!/usr/bin/env bash
# Static analysis: cppcheck and clang-tidy (.clang-tidy) over the C sources.
# Both must report nothing; a finding is fixed, or suppressed in place with
# the reason (// cppcheck-suppress ID ; why, // NOLINT(check): why).
#
#   tools/lint.sh [BUILD_DIR]     (default build; needs compile_commands.json)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[ -f "$build/compile_commands.json" ] || cmake -S . -B "$build" >/dev/null
cmake --build "$build" --target osteoplan >/dev/null  # the generated sources
status=0
echo "== cppcheck $(cppcheck --version | awk '{print $2}') =="
cppcheck -q --std=c11 --enable=style --inline-suppr --error-exitcode=1 -D_POSIX_C_SOURCE=200809L \
  -Iinclude -Isrc -Isrc/kb src tools fuzz tests/unit || status=1
echo "== clang-tidy $(clang-tidy --version | awk '/version/{print $NF}') =="
# the project's translation units from the compile database (not the generated ones)
mapfile -t units < <(python3 -c '
import json, os, sys
root = os.getcwd()
seen = set()
for e in json.load(open(sys.argv[1])):
    f = os.path.relpath(os.path.join(e["directory"], e["file"]), root)
    if f.startswith(("src/", "tools/")) and f not in seen:
        seen.add(f)
        print(f)' "$build/compile_commands.json")
out=$(printf '%s\n' "${units[@]}" | xargs -P "$(nproc)" -n 8 clang-tidy -p "$build" --quiet \
  --extra-arg=-Wno-unknown-warning-option --extra-arg=-Wno-ignored-optimization-argument 2>/dev/null || true)
if grep -qE "(warning|error):" <<<"$out"; then
  echo "$out"
  status=1
fi
[ $status -eq 0 ] && echo "lint: nothing to report"
exit $status
