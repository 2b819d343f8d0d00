#!/usr/bin/env bash
# Line coverage of src/ by the test suite, per directory.
#
#   tools/coverage.sh [--files] [--keep] [CTEST ARGS...]
#
# Builds build-cov (Debug, -DOSTEOPLAN_COVERAGE=ON: gcc --coverage), runs
# ctest there (all tests, or those CTEST ARGS select, e.g. -R cli_), then
# reads the counts with gcov alone (gcc's own tool: nothing to install) and
# prints lines, lines run and the share per directory of src/ (--files: per
# file too). The lines never run are listed in build-cov/uncovered.txt
# (file:line), the place to look for what a new test should reach.
# --keep adds this run's counts to the last one's (e.g. the suite without a
# new test, then the new test alone: the figures before and after it).
# A source compiled into several targets counts once: a line is run when
# any of them ran it. The exit status is ctest's.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build-cov
FILES=0
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --files) FILES=1 ;;
    --keep) KEEP=1 ;;
    *) break ;;
  esac
  shift
done
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DOSTEOPLAN_COVERAGE=ON >/dev/null || exit 2
cmake --build "$BUILD" -j2 >/dev/null || exit 2
[ $KEEP = 1 ] || find "$BUILD" -name '*.gcda' -delete
(cd "$BUILD" && ctest -j2 --output-on-failure "$@")
rc=$?
OUT=$BUILD/gcov-json
rm -rf "$OUT"
mkdir -p "$OUT"
# one folder per object: two objects of one source would write the same name
i=0
while IFS= read -r gcno; do
  i=$((i + 1))
  mkdir -p "$OUT/$i"
  (cd "$OUT/$i" && gcov -j -o "$(dirname "$gcno")" "$gcno" >/dev/null 2>&1)
done < <(find "$BUILD" -name '*.gcno' -not -path "$OUT/*")
python3 - "$ROOT" "$OUT" "$FILES" "$BUILD/uncovered.txt" <<'EOF'
import gzip, json, os, sys
root, out, files, uncovered = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
src = os.path.join(root, "src") + os.sep
lines = {}  # file -> {line: ran}
for d, _, names in os.walk(out):
    for n in names:
        if not n.endswith(".gcov.json.gz"):
            continue
        with gzip.open(os.path.join(d, n)) as f:
            data = json.load(f)
        cwd = data.get("current_working_directory", "")
        for fe in data["files"]:
            path = os.path.normpath(os.path.join(cwd, fe["file"]))
            if not path.startswith(src):
                continue
            m = lines.setdefault(path, {})
            for ln in fe["lines"]:
                m[ln["line_number"]] = m.get(ln["line_number"], False) or ln["count"] > 0
by_dir = {}
with open(uncovered, "w") as u:
    for path in sorted(lines):
        rel = path[len(src):]
        d = "src/" + (os.path.dirname(rel) or ".")
        t = by_dir.setdefault(d, [0, 0, []])
        n, ran = len(lines[path]), sum(lines[path].values())
        t[0] += n
        t[1] += ran
        t[2].append((rel, n, ran))
        for ln in sorted(k for k, v in lines[path].items() if not v):
            u.write("src/%s:%d\n" % (rel, ln))
print("%-22s %7s %7s %7s" % ("directory", "lines", "run", "share"))
tot = [0, 0]
for d in sorted(by_dir):
    n, ran, fl = by_dir[d]
    tot[0] += n
    tot[1] += ran
    print("%-22s %7d %7d %6.1f%%" % (d, n, ran, 100.0 * ran / n if n else 100.0))
    if files:
        for rel, fn, fr in fl:
            print("  %-20s %7d %7d %6.1f%%" % (os.path.basename(rel), fn, fr, 100.0 * fr / fn if fn else 100.0))
print("%-22s %7d %7d %6.1f%%" % ("src (all)", tot[0], tot[1], 100.0 * tot[1] / tot[0] if tot[0] else 100.0))
print("lines never run: %s" % uncovered)
EOF
exit $rc
