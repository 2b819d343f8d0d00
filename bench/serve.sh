#!/usr/bin/env bash
# Benchmark of `osteoplan serve` (issue targets in the README): the server on
# loopback with 2 threads, driven by wrk on the same machine, with two
# patient-view requests:
#   typical: a treated osteoporosis patient as an EHR prefetches her (DXA
#     T-scores at two sites and dates, FRAX, a vertebral fracture, a
#     bisphosphonate course, eGFR, calcium, vitamin D, a dozen unrelated
#     Conditions and MedicationRequests);
#   heavy: the real Synthea patient of tests/data with her whole history
#     (33 Conditions, 62 MedicationRequests) plus a DXA and a FRAX result.
# Prints requests/s and latency percentiles at 1, 16 and 64 connections, and
# where the two cores went: CPU time per request of the server (user and
# kernel) and of wrk (user and kernel), from /proc and time(1).
# Then the typical request with JWT off and on, side by side, both through
# the same wrk script: with JWT on, each request carries its own RS384
# token (distinct jti, lifetime 290 s, within the 300 s cap), pre-signed
# (signing is the EHR's cost, not the service's); the server starts afresh
# for each run, so no token is ever replayed.
# Environment: DURATION (seconds per run, default 10), SERVER_THREADS
# (default 2), JWT_ONLY (set: only the JWT comparison), JWT_DURATION (seconds per JWT run, default 5),
# JWT_CONNECTIONS (default 16), JWT_TOKENS (tokens signed, default 40000 a
# second of JWT_DURATION; a faster server cycles through them and its
# replays show as errors).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
command -v wrk >/dev/null || { echo "bench/serve.sh needs wrk (apt-get install wrk)"; exit 2; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOSTEOPLAN_TESTS=OFF >/dev/null
cmake --build build-bench -j"$(nproc)" --target osteoplan >/dev/null
bin=build-bench/osteoplan
cc -O2 -Itests/server tests/server/jwt_sign.c tests/server/jws_sign.c -lcrypto -o build-bench/jwt_sign
work=build-bench/serve-bench
mkdir -p "$work"
python3 - "$work/heavy.json" "$work/typical.json" <<'PY'
import json, sys
sys.path.insert(0, "tests/server")
import fhir_fixtures
pid = "a5cb8ce9-cec6-6b23-0990-cbaf753578a4"
d = "tests/data/fhir/synthea-bulk-10/"
by = {"Patient": [], "Condition": [], "MedicationRequest": []}
for t in by:
    for line in open(d + t + ".000.ndjson"):
        r = json.loads(line)
        if r.get("id") == pid or r.get("subject", {}).get("reference") == "Patient/" + pid:
            by[t].append(r)
obs = [{"resourceType": "Observation", "id": "dxa-1", "status": "final", "subject": {"reference": "Patient/" + pid},
        "code": {"coding": [{"system": "http://loinc.org", "code": "38264-8"}]}, "effectiveDateTime": "2026-06-01",
        "valueQuantity": {"value": -2.7, "code": "{T-score}"}},
       {"resourceType": "Observation", "id": "frax-1", "status": "final", "subject": {"reference": "Patient/" + pid},
        "code": {"coding": [{"system": "http://loinc.org", "code": "90265-0"}]}, "effectiveDateTime": "2026-06-01",
        "valueQuantity": {"value": 24.0, "code": "%"}}]
bundle = lambda xs: {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": x} for x in xs]}
req = {"hook": "patient-view", "hookInstance": "bench-1", "context": {"userId": "Practitioner/1", "patientId": pid},
       "prefetch": {"patient": by["Patient"][0], "observations": bundle(obs), "conditions": bundle(by["Condition"]),
                    "medicationRequests": bundle(by["MedicationRequest"]), "medicationStatements": None}}
open(sys.argv[1], "w").write(json.dumps(req))
rec = {"id": "typical-1", "sex": "female", "birth_date": "1952-04-12",
       "bmd": [{"site": "lumbar_spine", "t_score": -2.4, "bmd_g_cm2": 0.84, "date": "2023-05-02"},
               {"site": "total_hip", "t_score": -2.1, "bmd_g_cm2": 0.71, "date": "2023-05-02"},
               {"site": "lumbar_spine", "t_score": -2.7, "bmd_g_cm2": 0.80, "date": "2026-05-04"},
               {"site": "total_hip", "t_score": -2.3, "bmd_g_cm2": 0.69, "date": "2026-05-04"}],
       "frax": {"major_osteoporotic_pct": 22.5, "hip_pct": 4.1, "date": "2026-05-04"},
       "fractures": [{"site": "vertebral", "date": "2025-02-11"}],
       "therapies": [{"agent": "alendronate", "start": "2021-06-01", "end": None}],
       "labs": {"egfr_ml_min": 58, "calcium_mg_dl": 9.3, "vitamin_d_ng_ml": 31}}
res = fhir_fixtures.to_fhir(rec)
others = by["Condition"][:8] + by["MedicationRequest"][:6]
for x in others:  # unrelated history, as real charts have, now this patient's
    x = json.loads(json.dumps(x))
    x["subject"] = {"reference": "Patient/typical-1"}
    res.append(x)
kind = lambda t: [x for x in res if x["resourceType"] == t]
req = {"hook": "patient-view", "hookInstance": "bench-2", "context": {"userId": "Practitioner/1", "patientId": "typical-1"},
       "prefetch": {"patient": kind("Patient")[0], "observations": bundle(kind("Observation")),
                    "conditions": bundle(kind("Condition")), "medicationRequests": bundle(kind("MedicationRequest")),
                    "medicationStatements": bundle(kind("MedicationStatement"))}}
open(sys.argv[2], "w").write(json.dumps(req))
PY
cat > "$work/post.lua" <<'LUA'
local f = io.open(os.getenv("REQ"), "r")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --listen 127.0.0.1:"$port" --threads "${SERVER_THREADS:-2}" --as-of 2026-11-01 2>"$work/server.log" &
srv=$!
trap 'kill $srv 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB"
url="http://127.0.0.1:$port/cds-services/osteoplan-patient-view"
kinds="typical heavy"
[ -n "${JWT_ONLY:-}" ] && kinds=""
for kind in $kinds; do
req="$work/$kind.json"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$req" "$url")
[ "$code" = 200 ] || { echo "the server answered $code"; exit 1; }
echo
echo "$kind patient-view request, $(stat -c %s "$req") bytes of JSON"
printf '%-12s %12s %10s %10s %10s %10s %10s %10s\n' connections requests/s p50 p90 p99 errors "server us" "wrk us"
for c in 1 16 64; do
  t=$(( c < 2 ? 1 : 2 ))
  cpu0=$(awk '{print $14 + $15}' /proc/$srv/stat)
  out=$(REQ="$req" /usr/bin/time -f 'wrkcpu %U %S' wrk -t"$t" -c"$c" -d"${DURATION}s" --latency -s "$work/post.lua" "$url" 2>&1)
  cpu1=$(awk '{print $14 + $15}' /proc/$srv/stat)
  n=$(echo "$out" | awk '/requests in/{print $1}')
  hz=$(getconf CLK_TCK)
  srv_us=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$n" -v hz="$hz" 'BEGIN{printf "%.0f", n ? (b - a) / hz / n * 1e6 : 0}')
  wrk_us=$(echo "$out" | awk -v n="$n" '/^wrkcpu/{printf "%.0f", n ? ($2 + $3) / n * 1e6 : 0}')
  rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
  p50=$(echo "$out" | awk '$1=="50%"{print $2}')
  p90=$(echo "$out" | awk '$1=="90%"{print $2}')
  p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  err=$(echo "$out" | awk '/Non-2xx|Socket errors/{e=e $0 "; "} END{print (e==""?"0":e)}')
  printf '%-12s %12s %10s %10s %10s %10s %10s %10s\n' "$c" "$rps" "$p50" "$p90" "$p99" "$err" "$srv_us" "$wrk_us"
done
done

# ---- JWT off and on, side by side ---------------------------------------
cat > "$work/tokens.lua" <<'LUA'
-- One POST per call; with TOKENS set, each request takes the next token of
-- this thread's share of the file (thread i: lines i, i + T, ...).
local n_threads = 0
function setup(thread)
  thread:set("id", n_threads)
  n_threads = n_threads + 1
end
function init(args)
  local f = io.open(os.getenv("REQ"), "r")
  body = f:read("*a")
  f:close()
  tokens, n = {}, 0
  local tf, t = os.getenv("TOKENS"), tonumber(os.getenv("WRK_THREADS"))
  if tf and tf ~= "" then
    local i = 0
    for line in io.lines(tf) do
      if i % t == id then tokens[#tokens + 1] = "Bearer " .. line end
      i = i + 1
    end
  end
end
function request()
  local h = {["Content-Type"] = "application/json"}
  if #tokens > 0 then
    n = n + 1
    h["Authorization"] = tokens[(n - 1) % #tokens + 1]
  end
  return wrk.format("POST", nil, h, body)
end
LUA
jd=${JWT_DURATION:-5}
ntok=${JWT_TOKENS:-$((40000 * jd))}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_server() { # port, then serve's options; sets srv2
  local p=$1
  shift
  "$bin" serve --listen 127.0.0.1:"$p" --threads "${SERVER_THREADS:-2}" --as-of 2026-11-01 "$@" 2>>"$work/server-jwt.log" &
  srv2=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$p/healthz" >/dev/null 2>&1 && break; sleep 0.05; done
}
sign_tokens() { # port: $ntok RS384 tokens for its patient-view URL, two signers side by side
  local now claims half s0 pid
  now=$(date +%s)
  claims="{\"iss\":\"https://ehr.bench\",\"aud\":\"http://127.0.0.1:$1/cds-services/osteoplan-patient-view\",\"exp\":$((now + 290)),\"iat\":$now}"
  half=$((ntok / 2))
  s0=$(date +%s.%N)
  build-bench/jwt_sign RS384 tests/server/keys/ehr-rs384.key b0 "$claims" "$half" >"$work/tokens.0" &
  pid=$!
  build-bench/jwt_sign RS384 tests/server/keys/ehr-rs384.key b1 "$claims" "$((ntok - half))" >"$work/tokens.1"
  wait "$pid"
  cat "$work/tokens.0" "$work/tokens.1" >"$work/tokens"
  echo "   (signing $ntok tokens took $(awk -v a="$s0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f", b - a}') s)"
}
echo
echo "typical patient-view, JWT off and on (RS384, RSA-2048 key), ${jd} s a run; $ntok tokens pre-signed"
for c in ${JWT_CONNECTIONS:-16}; do
  t=$(( c < 2 ? 1 : 2 ))
  port_on=$(free_port)
  printf '[server]\npublic_url = http://127.0.0.1:%s\n[jwt]\nrequired = true\nreplay_cache = %s\n[issuer.bench]\niss = https://ehr.bench\npublic_key_file = %s\n' \
    "$port_on" "$((ntok + 1024))" "$PWD/tests/server/keys/ehr-rs384.pem" >"$work/jwt.ini"
  sign_tokens "$port_on"  # before both runs, so that neither shares the machine with the signing
  printf '%-12s %-8s %12s %10s %10s %10s %10s %10s\n' connections jwt requests/s p50 p90 p99 errors "server us"
  for jwt in off on; do
    tokfile=""
    if [ "$jwt" = on ]; then
      port2=$port_on
      tokfile="$work/tokens"
      start_server "$port2" --config "$work/jwt.ini"
    else
      port2=$(free_port)
      start_server "$port2"
    fi
    cpu0=$(awk '{print $14 + $15}' /proc/$srv2/stat)
    out=$(REQ="$work/typical.json" TOKENS="$tokfile" WRK_THREADS="$t" wrk -t"$t" -c"$c" -d"${jd}s" --latency \
          -s "$work/tokens.lua" "http://127.0.0.1:$port2/cds-services/osteoplan-patient-view" 2>&1)
    cpu1=$(awk '{print $14 + $15}' /proc/$srv2/stat)
    kill "$srv2"; wait "$srv2" 2>/dev/null || true
    n=$(echo "$out" | awk '/requests in/{print $1}')
    srv_us=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.0f", n ? (b - a) / hz / n * 1e6 : 0}')
    rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
    p50=$(echo "$out" | awk '$1=="50%"{print $2}')
    p90=$(echo "$out" | awk '$1=="90%"{print $2}')
    p99=$(echo "$out" | awk '$1=="99%"{print $2}')
    err=$(echo "$out" | awk '/Non-2xx|Socket errors/{e=e $0 "; "} END{print (e==""?"0":e)}')
    printf '%-12s %-8s %12s %10s %10s %10s %10s %10s\n' "$c" "$jwt" "$rps" "$p50" "$p90" "$p99" "$err" "$srv_us"
  done
done
