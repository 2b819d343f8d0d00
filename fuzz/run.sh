#!/usr/bin/env bash
# Builds the libFuzzer harness with ASan and UBSan and runs it.
#   fuzz/run.sh [SECONDS]   (default 60; needs clang and libfuzzer-14-dev)
# The seed corpus is the project's vignettes and example; crashes land in
# build-fuzz/ and each becomes a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
cc=${CC_FUZZ:-clang}
out=build-fuzz
mkdir -p "$out/corpus"
cmake -S . -B "$out/gen" -DOSTEOPLAN_TESTS=OFF >/dev/null
cmake --build "$out/gen" --target embed_files >/dev/null
"$out/gen/embed_files" "$out/kb_embedded.c" kb.h kb_file op_kb_embedded_files kb/sources.ini kb/profile.ini kb/agents.ini kb/regimens.ini \
  kb/texts.ini kb/rules.ini kb/disagreements.ini kb/gaps.ini kb/fhir.ini
srcs=$(ls src/util/*.c src/json/*.c src/kb/*.c src/record/*.c src/engine/*.c src/render/*.c src/api.c)
$cc -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -D_POSIX_C_SOURCE=200809L \
  -Iinclude -Isrc -Isrc/kb $srcs "$out/kb_embedded.c" fuzz/fuzz_record.c -lm -o "$out/fuzz_record"
for f in tests/vignettes/*.json examples/patient.json; do
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(d.get("patient", d)))' "$f" \
    > "$out/corpus/$(basename "$f")"
done
"$out/fuzz_record" -max_total_time="$secs" -max_len=4096 -artifact_prefix="$out/" "$out/corpus"
