#!/usr/bin/env bash
# The whole test suite: a release build with every test (unit, end-to-end,
# valgrind), then the same suite built with AddressSanitizer and
# UndefinedBehaviorSanitizer, and once more with clang's UBSan alone. Needs
# the packages .ci/run installs.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

# The browser test's one npm package (playwright-core; it drives Debian's
# chromium and downloads no browser).
if [ ! -f tests/web/node_modules/playwright-core/package.json ]; then
  echo "== npm ci (tests/web) =="
  (cd tests/web && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== release build =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOSTEOPLAN_BROWSER_TESTS=ON >/dev/null
cmake --build build -j"$jobs"

echo "== static analysis (cppcheck, clang-tidy) =="
tools/lint.sh build

echo "== sanitizer build (ASan + UBSan) =="
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DOSTEOPLAN_SANITIZE=ON -DOSTEOPLAN_BROWSER_TESTS=ON >/dev/null
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
   OSTEOPLAN_CONSISTENCY_N=400 ctest --output-on-failure -j"$jobs")

# clang's UBSan alone (float-cast-overflow included, which GCC's lacks):
# every test but valgrind's and the browser's, which add nothing here.
echo "== clang UBSan build =="
CC=clang cmake -S . -B build-ubsan -DCMAKE_BUILD_TYPE=Debug -DOSTEOPLAN_UBSAN_CLANG=ON -DOSTEOPLAN_BROWSER_TESTS=OFF >/dev/null
cmake --build build-ubsan -j"$jobs"
(cd build-ubsan && UBSAN_OPTIONS=print_stacktrace=1 OSTEOPLAN_CONSISTENCY_N=400 \
   ctest --output-on-failure -j"$jobs" -E '^(cli_valgrind|web_page)$')

if [ -x ../shared/tools/check-vignettes ] && [ -d ../shared/vignettes-2026.12 ]; then
  echo "== public vignettes (shared) =="
  ../shared/tools/check-vignettes ../shared/vignettes-2026.12
fi

echo "== release suite =="
(cd build && ctest --output-on-failure -j"$jobs")

# The whole suite again under valgrind memcheck (about 8 minutes here), when
# asked: VALGRIND_SUITE=1 tests/run-all.sh
if [ "${VALGRIND_SUITE:-0}" = 1 ]; then
  echo "== the whole suite under valgrind =="
  cmake -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOSTEOPLAN_VALGRIND=ON \
    -DOSTEOPLAN_BROWSER_TESTS=ON >/dev/null
  cmake --build build-valgrind -j"$jobs"
  rm -rf build-valgrind/tests/valgrind-logs
  (cd build-valgrind && ctest --output-on-failure -j"$jobs" --timeout 1200)
fi

# Each libFuzzer harness for a short bounded time (the long runs are
# `RUNS=10000000 fuzz/run.sh`); a crash here fails the suite.
if command -v "${CC_FUZZ:-clang}" >/dev/null 2>&1; then
  echo "== fuzzing, ${FUZZ_SECONDS:-20} s per harness =="
  fuzz/run.sh "${FUZZ_SECONDS:-20}"
else
  echo "== fuzzing skipped: no clang (apt-get install clang libclang-rt-14-dev) =="
fi
