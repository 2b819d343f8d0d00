#!/usr/bin/env bash
# Peak memory of `osteoplan screen --input fhir` on a large Bulk Data export
# (the README's bound): the Synthea export of tests/data copied COPIES times
# under new ids (bench/fhir_export.py; 100 copies: 1,300 patients, about
# 268 MB), generated into a temporary directory and removed at the end.
# Measures peak RSS and wall time (/usr/bin/time -v) of this tree's binary
# and of the one at BASE (the whole-export-in-memory grouping it replaced),
# both Release builds, same export, same options: on each number of THREADS
# and each memory TARGET (OSTEOPLAN_FHIR_BUCKET_BYTES; "default": unset).
# Environment: COPIES (default 100), BASE (a git revision, default 2258add;
# "none" skips it), THREADS (default "2"; e.g. "1 2"), TARGETS (default
# "default"; e.g. "default 1048576").
set -euo pipefail
cd "$(dirname "$0")/.."
COPIES=${COPIES:-100}
BASE=${BASE:-2258add}
THREADS=${THREADS:-2}
TARGETS=${TARGETS:-default}
work=$(mktemp -d "${TMPDIR:-/tmp}/osteoplan-fhir-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOSTEOPLAN_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target osteoplan >/dev/null
bins=("new:build-bench/osteoplan")
if [ "$BASE" != none ]; then
  mkdir "$work/base-src"
  git archive "$BASE" | tar -x -C "$work/base-src"
  cmake -S "$work/base-src" -B "$work/base-build" -DCMAKE_BUILD_TYPE=Release -DOSTEOPLAN_TESTS=OFF >/dev/null
  cmake --build "$work/base-build" -j2 --target osteoplan >/dev/null
  bins=("base ($BASE):$work/base-build/osteoplan" "${bins[@]}")
fi
python3 bench/fhir_export.py tests/data/fhir/synthea-bulk-10 "$COPIES" "$work/export"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "export: $(du -sb "$work/export" | cut -f1) bytes, $(wc -l < "$work/export/Patient.000.ndjson") Patient resources"
for entry in "${bins[@]}"; do
  label=${entry%%:*}
  bin=${entry#*:}
  for threads in $THREADS; do
    for target in $TARGETS; do
      if [ "$target" = default ]; then unset OSTEOPLAN_FHIR_BUCKET_BYTES; else export OSTEOPLAN_FHIR_BUCKET_BYTES=$target; fi
      /usr/bin/time -v "$bin" screen --input fhir --as-of 2026-11-01 --threads "$threads" "$work/export" \
        > "$work/out" 2> "$work/err"
      rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/err")
      wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/err")
      echo "$label, $threads threads, target $target: peak RSS $((rss / 1024)) MB ($rss KiB), wall $wall," \
        "$(wc -l < "$work/out") lines out, sha256 $(sha256sum < "$work/out" | cut -c1-16)"
      grep -E '^osteoplan screen: FHIR|^  memory' "$work/err" | sed 's/^/    /'
    done
  done
done
