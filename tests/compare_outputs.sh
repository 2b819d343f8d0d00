#!/usr/bin/env bash
# Byte-for-byte comparison of two osteoplan binaries (see compare_outputs.py).
#   tests/compare_outputs.sh OLD_BIN NEW_BIN [--synth N] [--seed S] [--cds N]
exec python3 "$(dirname "$0")/compare_outputs.py" "$@"
