#!/usr/bin/env bash
# Benchmark of screening in PostgreSQL 15 (issue 16), in one run on one
# synthetic file (bench/pg_bench.py measures; it explains each figure):
#   (a) osteoplan screen --threads 2 on the NDJSON, output to /dev/null
#   (b) the SQL screen on one instance (LATERAL osteoplan_screen), 2
#       parallel workers and none; count(*) and rows rendered to text
#   (c) a coordinator and two shards (postgres_fdw) on this machine against (b)
# Medians of RUNS runs. Not a test: never in ctest (timings on a shared
# machine are not pass/fail); N=20000 checks that the script works.
# Environment: N (records, default 1000000), RUNS (default 3).
# Run as root or as an ordinary user: PostgreSQL runs as the postgres
# user when started as root (tests/pg/pgtmp.py).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
RUNS=${RUNS:-3}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOSTEOPLAN_TESTS=OFF -DOSTEOPLAN_PG=ON >/dev/null
cmake --build build-bench -j"$(nproc)" --target osteoplan osteoplan_pg >build-bench/build.log 2>&1 || { tail -40 build-bench/build.log; exit 1; }
data=build-bench/synth-$N.ndjson
[ -s "$data" ] || build-bench/osteoplan synth --count "$N" --seed 1 > "$data"
# the server (the postgres user when run as root) reads the file itself
chmod a+r "$data"
echo "input: $N records, $(( $(stat -c %s "$data") / N )) bytes each on average"
python3 bench/pg_bench.py build-bench "$data" "$RUNS"
