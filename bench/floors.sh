#!/usr/bin/env bash
# The floors we do not control, side by side with `osteoplan screen`, on the
# same synthetic file (osteoplan synth) and the same FHIR export:
#   simdjson's DOM parser, parse only, one thread (bench/floors/simdjson_floor.cpp,
#     built here from Debian's libsimdjson-dev; skipped when it is missing)
#   cJSON parse only (bench/floors/cjson_floor.c, from Debian's libcjson-dev; the same)
#   Python's json.loads per line; our own reader parse only (screen --parse-only)
#   screen on 1 and 2 threads; the json-rules-engine peer (bench/peer)
#   screen --input fhir on 1 and 2 threads, on a Synthea export copied COPIES
#     times (bench/fhir_export.py), and the MB/s of both inputs
#   and last the peak RSS of screen over BIG records streamed through a pipe.
# Medians of RUNS runs, printed with every ratio the performance issue names
# and the machine's load; figures go to the terminal only.
# Environment: N (records, default 1000000), RUNS (default 5), COPIES
# (default 100), PEER_LIMIT (records the peer reads, default 100000),
# PEER_RUNS (default 1; 0 skips the peer), BIG (default 10000000, 0 skips).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
RUNS=${RUNS:-5}
COPIES=${COPIES:-100}
PEER_LIMIT=${PEER_LIMIT:-100000}
PEER_RUNS=${PEER_RUNS:-1}
BIG=${BIG:-10000000}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOSTEOPLAN_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target osteoplan >/dev/null
bin=build-bench/osteoplan
out=build-bench/floors
mkdir -p "$out"
# The floors are built only here, only when their Debian packages are there.
if [ -f /usr/include/simdjson.h ] && command -v c++ >/dev/null; then
  c++ -O3 -std=c++17 -Wall -Wextra bench/floors/simdjson_floor.cpp -o "$out/simdjson_floor" -lsimdjson
else
  rm -f "$out/simdjson_floor"
  echo "simdjson floor skipped: install Debian's libsimdjson-dev (and a C++ compiler)" >&2
fi
if [ -f /usr/include/cjson/cJSON.h ]; then
  cc -O3 -std=c17 -Wall -Wextra bench/floors/cjson_floor.c -o "$out/cjson_floor" -lcjson
else
  rm -f "$out/cjson_floor"
  echo "cJSON floor skipped: install Debian's libcjson-dev" >&2
fi
if command -v node >/dev/null && command -v npm >/dev/null && [ ! -d bench/peer/node_modules ]; then
  (cd bench/peer && npm ci --no-audit --no-fund >/dev/null 2>&1) || echo "peer skipped: npm ci failed" >&2
fi
data=build-bench/synth-$N.ndjson
[ -s "$data" ] || "$bin" synth --count "$N" --seed 1 > "$data"
work=$(mktemp -d "${TMPDIR:-/tmp}/osteoplan-floors.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 bench/fhir_export.py tests/data/fhir/synthea-bulk-10 "$COPIES" "$work/export"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "NDJSON: $N records, $(( $(stat -c %s "$data") / N )) bytes each on average; FHIR: $(du -sb "$work/export" | cut -f1) bytes, $(wc -l < "$work/export/Patient.000.ndjson") patients"
echo "load before: $(uptime | sed 's/.*load average/load average/')"
python3 bench/floors/floors.py "$bin" "$data" "$work/export" "$out" "$RUNS" "$PEER_LIMIT" "$PEER_RUNS"
if [ "$BIG" -gt 0 ]; then
  "$bin" synth --count "$BIG" --seed 2 | /usr/bin/time -o "$work/rss" -f '%M' "$bin" screen --threads 2 >/dev/null 2>&1
  echo "peak RSS, $BIG records through a pipe, 2 threads: $(( $(tail -1 "$work/rss") / 1024 )) MB (target < 64 MB)"
fi
echo "load after: $(uptime | sed 's/.*load average/load average/')"
