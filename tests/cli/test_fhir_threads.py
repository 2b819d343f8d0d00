#!/usr/bin/env python3
"""screen --input fhir on 1, 2 and 3 threads gives the same output and the
same reports on the errors stream, byte for byte: on the Synthea export of
tests/data, on a larger export generated from it (bench/fhir_export.py,
shuffled Patient lines), and on an export with everything that takes
another path (bad lines, a Medication file with a repeated id referenced by
patients of different buckets, resources of no known patient, a patient over
the per-patient limit, several Patient resources for one patient), and on
one with many patients reported (not mapped, too much data) in every
bucket, each with the default memory target and with small ones (buckets
split again, differently on each number of threads).

usage: test_fhir_threads.py OSTEOPLAN
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from checks import check, failures  # noqa: E402

BIN = sys.argv[1]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SYNTHEA = os.path.join(ROOT, "tests", "data", "fhir", "synthea-bulk-10")
AS_OF = "2026-11-01"
TMP = tempfile.mkdtemp(prefix="osteoplan-test-fhir-threads-")


def screen(export, threads, env):
    """(exit status, stdout, the errors file) of one run."""
    errs = os.path.join(TMP, "errors-%d.txt" % threads)
    p = subprocess.run([BIN, "screen", "--input", "fhir", "--as-of", AS_OF, "--threads", str(threads),
                        "--errors", errs, export], capture_output=True, env=dict(os.environ, **env), timeout=600)
    return p.returncode, p.stdout, open(errs, "rb").read(), p.stderr.decode()


def generated(copies):
    d = os.path.join(TMP, "copies-%d" % copies)
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "fhir_export.py"), SYNTHEA, str(copies), d], check=True)
    path = os.path.join(d, "Patient.000.ndjson")
    lines = open(path, "rb").read().splitlines(keepends=True)
    random.Random(7).shuffle(lines)  # the output follows the export's order, whatever it is
    open(path, "wb").write(b"".join(lines))
    return d


def line(**res):
    return json.dumps(res) + "\n"


def damaged():
    """An export with every side path of the grouping."""
    d = os.path.join(TMP, "damaged")
    shutil.copytree(SYNTHEA, d)
    pats, obs, meds, orders = [], [], [], []
    for k in range(40):
        pid = "p-%02d" % k
        pats.append(line(resourceType="Patient", id=pid, gender="female", birthDate="19%02d-03-01" % (30 + k)))
        obs.append(line(resourceType="Observation", id="o%d" % k, status="final", subject={"reference": "Patient/" + pid},
                        code={"coding": [{"system": "http://loinc.org", "code": "38267-1"}]},
                        valueQuantity={"value": -1.5 - k / 20, "unit": "{T-score}"}, effectiveDateTime="2026-06-01"))
        orders.append(line(resourceType="MedicationRequest", id="mr%d" % k, status="active", intent="order",
                           subject={"reference": "Patient/" + pid}, authoredOn="2025-06-01",
                           medicationReference={"reference": "Medication/med-%d" % (k % 3)}))
        if k % 7 == 0:
            pats.append("not json at all\n")
            obs.append(line(resourceType="Observation", id="x%d" % k, subject={"reference": "Patient/nobody-%d" % k}))
            orders.append(line(id="no-type-%d" % k))
    # p-03 again, more than a batch of lines later (another worker may read
    # it): the last one read is the one mapped, whatever thread read it
    pats += [line(resourceType="Patient", id="p-fill-%04d" % k, gender="male", birthDate="1990-01-01")
             for k in range(1100)]
    pats.append(line(resourceType="Patient", id="p-03", gender="female", birthDate="1933-03-01",
                     name=[{"family": "Later", "given": ["Second"]}]))
    pats.append(line(resourceType="Patient", gender="female"))  # no id
    for k, code in enumerate(("46041", "1000126", "46041", "73056")):  # med-0 twice: the first counts
        meds.append(line(resourceType="Medication", id="med-%d" % (k % 3),
                         code={"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": code}]}))
    big = "p-big"
    pats.append(line(resourceType="Patient", id=big, gender="female", birthDate="1950-01-01"))
    for k in range(300):
        obs.append(line(resourceType="Observation", id="b%d" % k, status="final", subject={"reference": "Patient/" + big},
                        code={"coding": [{"system": "http://loinc.org", "code": "38267-1"}]},
                        valueQuantity={"value": -2.0, "unit": "{T-score}"}, effectiveDateTime="2026-06-01", pad="x" * 300))
    for name, ls in (("Patient.001", pats), ("Observation.000", obs), ("Medication.000", meds),
                     ("MedicationRequest.001", orders)):
        open(os.path.join(d, name + ".ndjson"), "w").write("".join(ls))
    open(os.path.join(d, "notes.txt"), "w").write("not an export file\n")
    return d


def reporting():
    """Many patients not mapped (no gender) and three over the per-patient
    limit, in every bucket: their reports come in one order whether a bucket
    is grouped whole or split again, which can differ with the threads."""
    d = os.path.join(TMP, "reporting")
    os.makedirs(d)
    rnd = random.Random(3)
    pats, obs = [], []
    for k in range(1500):
        pid = "r-%05d" % k
        pats.append(line(resourceType="Patient", id=pid, birthDate="1950-01-01", **({"gender": "female"} if k % 3 else {})))
        obs += [line(resourceType="Observation", id="o%d-%d" % (k, j), status="final", subject={"reference": "Patient/" + pid},
                     code={"coding": [{"system": "http://loinc.org", "code": "38267-1"}]}, pad="y" * rnd.randint(10, 1000),
                     valueQuantity={"value": -2.6, "unit": "{T-score}"}, effectiveDateTime="2026-06-01")
                for j in range(rnd.randint(1, 6))]
    for big in ("big-1", "big-2", "big-3"):
        pats.append(line(resourceType="Patient", id=big, gender="female", birthDate="1950-01-01"))
        obs += [line(resourceType="Observation", id="%s-%d" % (big, j), status="final", subject={"reference": "Patient/" + big},
                     code={"coding": [{"system": "http://loinc.org", "code": "38267-1"}]}, pad="z" * 400) for j in range(400)]
    rnd.shuffle(obs)
    open(os.path.join(d, "Observation.000.ndjson"), "w").write("".join(obs))
    open(os.path.join(d, "Patient.000.ndjson"), "w").write("".join(pats))
    return d


def main():
    exports = [("synthea", SYNTHEA, [{}, {"OSTEOPLAN_FHIR_BUCKET_BYTES": "2000"}]),
               ("generated", generated(12), [{}, {"OSTEOPLAN_FHIR_BUCKET_BYTES": "65536"}]),
               ("damaged", damaged(), [{"OSTEOPLAN_FHIR_PATIENT_BYTES": "100000"},
                                       {"OSTEOPLAN_FHIR_PATIENT_BYTES": "100000", "OSTEOPLAN_FHIR_BUCKET_BYTES": "1"}]),
               ("reporting", reporting(), [{"OSTEOPLAN_FHIR_PATIENT_BYTES": "150000"},
                                           {"OSTEOPLAN_FHIR_PATIENT_BYTES": "150000", "OSTEOPLAN_FHIR_BUCKET_BYTES": "200000"}])]
    for name, export, envs in exports:
        for env in envs:
            runs = {t: screen(export, t, env) for t in (1, 2, 3)}
            rc1, out1, err1, summary = runs[1]
            check(out1.count(b"\n") >= 10 and (rc1 == 0 or (name in ("damaged", "reporting") and rc1 == 1)),
                  "%s %s: screened on one thread (rc=%d, %d lines, %s)" % (name, env, rc1, out1.count(b"\n"), summary[-300:]))
            if name == "damaged":
                check(b'"patient_id":"p-03","name":"Second Later"' in out1,
                      "%s %s: a patient's last Patient resource is the one mapped" % (name, env))
                check(b"not JSON" in err1 and b"not screened (too much data)" in err1 and b"without id" in err1,
                      "%s %s: the side paths were taken (%s)" % (name, env, err1[-400:]))
            if name == "reporting":
                check(err1.count(b"not mapped") == 500 and err1.count(b"too much data") == 3,
                      "%s %s: every report (%d bytes)" % (name, env, len(err1)))
            for t in (2, 3):
                rc, out, err, summary = runs[t]
                check(rc == rc1 and out == out1, "%s %s: %d threads, the same output as one (rc %d/%d)"
                      % (name, env, t, rc, rc1))
                check(err == err1, "%s %s: %d threads, the same reports as one" % (name, env, t))
    shutil.rmtree(TMP, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
