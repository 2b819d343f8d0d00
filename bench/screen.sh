#!/usr/bin/env bash
# Benchmark of `osteoplan screen` (issue targets in the README), in one run
# on one synthetic file:
#   (a) screen with 1 and 2 threads
#   (b) parse-only with the same JSON reader (the floor)
#   (c) Python's json.loads line by line (parse only), and the peer: risk and
#       main care gaps as json-rules-engine rules under node (bench/peer)
#   (d) peak RSS of screen over 10 million records streamed through a pipe
# Each figure but the peer's is the best of 3 runs (the machine is shared).
# Environment: N (records, default 1000000), BIG (RSS run, default 10000000,
# 0 to skip), PEER_LIMIT (records the peer reads, default 100000).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
BIG=${BIG:-10000000}
PEER_LIMIT=${PEER_LIMIT:-100000}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOSTEOPLAN_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target osteoplan >/dev/null
bin=build-bench/osteoplan
data=build-bench/synth-$N.ndjson
[ -s "$data" ] || "$bin" synth --count "$N" --seed 1 > "$data"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "input: $N records, $(( $(stat -c %s "$data") / N )) bytes each on average"

rate() { # best records/s of 3 runs of: osteoplan screen ARGS
  local best=0 r
  for _ in 1 2 3; do
    r=$("$bin" screen "$@" "$data" 2>&1 >/dev/null | sed -n 's/.* \([0-9]*\) records\/s$/\1/p' | head -1)
    [ "${r:-0}" -gt "$best" ] && best=$r
  done
  echo "$best"
}
t1=$(rate --threads 1)
t2=$(rate --threads 2)
floor=$(rate --threads 1 --parse-only)
py=$(python3 - "$data" <<'PY'
import json, sys, time
best = 0
for _ in range(3):  # best of 3, as for osteoplan
    t = time.perf_counter(); n = 0
    with open(sys.argv[1]) as f:
        for line in f:
            json.loads(line); n += 1
    best = max(best, n / (time.perf_counter() - t))
print(int(best))
PY
)
peer=0
if command -v node >/dev/null && command -v npm >/dev/null; then
  [ -d bench/peer/node_modules ] || (cd bench/peer && npm ci --no-audit --no-fund >/dev/null 2>&1) || true
  if [ -d bench/peer/node_modules ]; then
    peer=$(node bench/peer/peer.js "$data" "$PEER_LIMIT" | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["records_per_s"]))')
  fi
fi
rss=0
if [ "$BIG" -gt 0 ]; then
  "$bin" synth --count "$BIG" --seed 2 | /usr/bin/time -o build-bench/rss.txt -f '%M' "$bin" screen --threads 2 >/dev/null 2>&1
  rss=$(tail -1 build-bench/rss.txt)
fi
python3 - "$t1" "$t2" "$floor" "$py" "$peer" "$rss" "$BIG" <<'PY'
import sys
t1, t2, floor, py, peer, rss, big = (int(x or 0) for x in sys.argv[1:])
print("%-46s %12s" % ("", "records/s"))
print("%-46s %12d" % ("(a) screen, 1 thread", t1))
print("%-46s %12d" % ("(a) screen, 2 threads", t2))
print("%-46s %12d" % ("(b) parse only, same reader (floor)", floor))
print("%-46s %12d" % ("(c) python json.loads, parse only", py))
print("%-46s %12d" % ("(c) peer: json-rules-engine (node)", peer))
def target(name, value, want, fmt="%.2f"):
    print("%-46s %8s  (target %s) %s" % (name, fmt % value, fmt % want, "met" if value >= want else "NOT met"))
print()
target("2 threads / python json.loads", t2 / py, 5.0)
target("1 thread / parse-only floor", t1 / floor, 0.60)
if peer: target("2 threads / json-rules-engine peer", t2 / peer, 50.0, "%.0f")
target("2 threads / 1 thread", t2 / t1, 1.6)
if rss:
    mb = rss / 1024
    print("%-46s %8.1f  (target < 64 MB) %s" % ("peak RSS, %d records through a pipe (MB)" % big, mb, "met" if mb < 64 else "NOT met"))
PY
