#!/usr/bin/env bash
# Benchmark of one assessment (the core issue's bar: under 50 us, parsing
# included), with the floor (parsing alone, same JSON reader) and a peer
# (Python's json.loads of the same records, parse only) measured in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOSTEOPLAN_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target bench_assess >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
files=(tests/vignettes/[0-9]*.json examples/patient.json)
./build-bench/bench_assess --iterations "${ITERATIONS:-20000}" "${files[@]}"
python3 - "${files[@]}" <<'PY'
import json, sys, time
recs = []
for f in sys.argv[1:]:
    d = json.load(open(f))
    recs.append(json.dumps(d.get("patient", d)))
n = 20000
t0 = time.perf_counter()
for _ in range(n):
    for r in recs:
        json.loads(r)
dt = (time.perf_counter() - t0) / (n * len(recs))
print("peer    (python json.loads only)     %8.2f us/record  %10.0f records/s" % (dt * 1e6, 1 / dt))
PY
