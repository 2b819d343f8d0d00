#!/usr/bin/env python3
"""Writes the records test_oom runs out of memory on, one file each.

usage: oom_records.py BINARY OUTDIR [N_SYNTH]

OUTDIR/json/: every vignette's patient, the example, the invalid vignettes,
N_SYNTH synthetic records (synth --seed 1) and a tenth as many broken ones
(--bad-rate 1: the readers' error paths). OUTDIR/fhir/: the vignettes and
the example as FHIR Bundles (tests/server/fhir_fixtures.py) and one Bundle
per patient of tests/data/fhir/synthea-bulk-10.
"""
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(TESTS, "server"))
import fhir_fixtures  # noqa: E402

BIN, OUT = sys.argv[1], sys.argv[2]
N_SYNTH = int(sys.argv[3]) if len(sys.argv) > 3 else 300


def put(kind, name, data):
    with open(os.path.join(OUT, kind, name), "w") as f:
        f.write(data if isinstance(data, str) else json.dumps(data))


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(os.path.join(OUT, "json"))
    os.makedirs(os.path.join(OUT, "fhir"))
    patients = []
    vig = os.path.join(TESTS, "vignettes")
    for d in (vig, os.path.join(vig, "invalid")):
        for f in sorted(os.listdir(d)):
            if f.endswith(".json"):
                with open(os.path.join(d, f)) as fh:
                    p = json.load(fh)["patient"]
                put("json", "vignette-" + f, p)
                if d == vig:
                    patients.append((f, p))
    with open(os.path.join(ROOT, "examples", "patient.json")) as fh:
        ex = json.load(fh)
    put("json", "example.json", ex)
    patients.append(("example.json", ex))
    for seed, n, bad in ((1, N_SYNTH, "0"), (2, max(N_SYNTH // 10, 1), "1")):
        lines = subprocess.run([BIN, "synth", "--count", str(n), "--seed", str(seed), "--bad-rate", bad],
                               capture_output=True, check=True).stdout.decode().splitlines()
        for i, line in enumerate(lines):
            put("json", "synth-%d-%04d.json" % (seed, i), line)
    for f, p in patients:
        b = fhir_fixtures.to_fhir(p)
        if b is not None:
            put("fhir", "vignette-" + f, b)
    bulk = os.path.join(TESTS, "data", "fhir", "synthea-bulk-10")
    by_patient = {}
    for f in sorted(os.listdir(bulk)):
        if f.endswith(".ndjson") and f != "log.ndjson":
            with open(os.path.join(bulk, f)) as fh:
                for line in fh:
                    r = json.loads(line)
                    if r["resourceType"] == "Patient":
                        pid = r["id"]
                    else:
                        ref = (r.get("subject") or r.get("patient") or {}).get("reference", "")
                        pid = ref.split("/")[-1].split(":")[-1]
                    by_patient.setdefault(pid, []).append({"resource": r})
    for i, (pid, entries) in enumerate(sorted(by_patient.items())):
        put("fhir", "synthea-%02d.json" % i, {"resourceType": "Bundle", "type": "collection", "entry": entries})


if __name__ == "__main__":
    main()
