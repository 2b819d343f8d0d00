#!/usr/bin/env bash
# Benchmark of `osteoplan worklist` against `osteoplan screen` (issue 17: the
# worklist adds no more than 20% to screening time), on one synthetic file:
#   screen (NDJSON lines)      vs   worklist --format csv
# both reading the same records with the same threads and writing to
# /dev/null; then the worklist as XLSX and HTML into files, and with --db
# (the SQLite history) when this osteoplan has it. Each figure is the median
# wall time of RUNS runs (the machine is shared: a median is not thrown by
# one slow run), the runs of screen and worklist interleaved.
# Environment: N (records, default 1000000), RUNS (default 5), THREADS
# (default: the number of cores), OTHERS (default 1; 0: screen and the CSV
# worklist only).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
RUNS=${RUNS:-5}
THREADS=${THREADS:-$(nproc)}
OTHERS=${OTHERS:-1}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOSTEOPLAN_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target osteoplan >/dev/null
bin=build-bench/osteoplan
data=build-bench/synth-$N.ndjson
[ -s "$data" ] || "$bin" synth --count "$N" --seed 1 > "$data"
out=build-bench/worklist-out
mkdir -p "$out"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "input: $N records ($(( $(stat -L -c %s "$data") / 1048576 )) MiB), $THREADS threads, median of $RUNS runs"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

secs() { # wall seconds of one run of the command; its CPU seconds (user + system) appended to $cpu_log
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -o "$out/time" -f '%U %S' "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
  t1=$(date +%s.%N)
  awk '{print $1 + $2}' "$out/time" >> "$cpu_log"
  echo "$t1 - $t0" | bc -l
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

s=() w=() x=() h=() d=()
has_db=0
"$bin" worklist --db "$out/probe.db" -o "$out/probe.csv" /dev/null >/dev/null 2>&1 && has_db=1 || true
rm -f "$out/probe.db" "$out/probe.csv"
rm -f "$out"/cpu-*
for _ in $(seq "$RUNS"); do
  cpu_log=$out/cpu-screen; s+=("$(secs "$bin" screen --threads "$THREADS" "$data")")
  cpu_log=$out/cpu-worklist; w+=("$(secs "$bin" worklist --threads "$THREADS" "$data")")
  cpu_log=$out/cpu-other
  [ "$OTHERS" = 1 ] || continue
  x+=("$(secs "$bin" worklist --threads "$THREADS" --format xlsx -o "$out/w.xlsx" "$data")")
  h+=("$(secs "$bin" worklist --threads "$THREADS" --format html -o "$out/w.html" "$data")")
  if [ "$has_db" = 1 ]; then
    rm -f "$out/w.db"
    d+=("$(secs "$bin" worklist --threads "$THREADS" --db "$out/w.db" -o "$out/w.csv" "$data")")
  fi
done
ms=$(median "${s[@]}") mw=$(median "${w[@]}")
rows=$("$bin" worklist --threads "$THREADS" "$data" 2>/dev/null | tail -n +2 | wc -l)
printf 'screen            %7.2f s   (runs: %s)\n' "$ms" "${s[*]}"
printf 'worklist csv      %7.2f s   (runs: %s)   %s rows\n' "$mw" "${w[*]}" "$rows"
[ "$OTHERS" = 1 ] && printf 'worklist xlsx     %7.2f s\n' "$(median "${x[@]}")"
[ "$OTHERS" = 1 ] && printf 'worklist html     %7.2f s\n' "$(median "${h[@]}")"
[ "$OTHERS" = 1 ] && [ "$has_db" = 1 ] && printf 'worklist csv --db %7.2f s   (a new history each run)\n' "$(median "${d[@]}")"
cs=$(median $(cat "$out/cpu-screen")) cw=$(median $(cat "$out/cpu-worklist"))
printf 'CPU (user + system): screen %.2f s, worklist csv %.2f s: ratio %.3f (load average now: %s)\n' "$cs" "$cw" \
  "$(echo "$cw / $cs" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"
ratio=$(echo "$mw / $ms" | bc -l)
printf 'worklist / screen = %.3f (target: at most 1.20) -> %s\n' "$ratio" \
  "$(echo "$ratio <= 1.20" | bc -l | sed 's/1/met/;s/0/NOT met/')"
