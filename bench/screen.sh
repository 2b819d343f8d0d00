#!/usr/bin/env bash
# The screening benchmark is bench/floors.sh (screen on 1 and 2 threads, its
# parse-only floor, simdjson, cJSON, Python's json.loads and the
# json-rules-engine peer on one file, FHIR on 1 and 2 threads, and the peak
# RSS over 10 million records); this name is kept for the habit.
exec "$(dirname "$0")/floors.sh" "$@"
