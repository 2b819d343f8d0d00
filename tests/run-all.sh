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
# The FHIR R4 JSON schema (4.0.1) and its validator, for fhir_plan.
if [ ! -f tests/fhir/node_modules/ajv/package.json ]; then
  echo "== npm ci (tests/fhir) =="
  (cd tests/fhir && npm ci --no-audit --no-fund --loglevel=error)
fi

# The database tests need PostgreSQL 15 and its server headers. They are
# installed here when missing (as root), so that the suite never passes by
# leaving them out; the release build below insists on them (OSTEOPLAN_PG=ON).
if ! dpkg -s postgresql-15 postgresql-server-dev-15 >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "tests/run-all.sh: PostgreSQL 15 is missing: apt-get install postgresql-15 postgresql-server-dev-15" >&2
    exit 1
  fi
  echo "== installing PostgreSQL 15 (no default cluster: the tests start their own) =="
  mkdir -p /etc/postgresql-common
  grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf ||
    echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 postgresql-server-dev-15 >/dev/null
fi

echo "== release build =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOSTEOPLAN_BROWSER_TESTS=ON -DOSTEOPLAN_PG=ON >/dev/null
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
