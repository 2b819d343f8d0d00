#!/usr/bin/env python3
"""FHIR input the mapper skips or reads in its less common forms, end to end.

usage: test_fhir_paths.py BINARY

Each case is one Bundle (a Patient plus the resources of the case) through
`assess --input fhir --format json`; the plan's input_notes must name why a
resource was skipped, or the mapped record (--format record) must hold what the resource carried
(a weekly supply, a year-only fracture, a dose every 12 hours); a deceased
patient gets no plan.
"""
import json
import os
import subprocess
import sys
import tempfile

BIN = sys.argv[1]
PID = "p1"
SUBJ = {"reference": "Patient/" + PID}
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
FRAX = {"value": 25, "unit": "%", "system": "http://unitsofmeasure.org", "code": "%"}
PATIENT = {"resourceType": "Patient", "id": PID, "gender": "female", "birthDate": "1950-01-01"}


def obs(i, code="38267-1", **kw):
    r = {"resourceType": "Observation", "id": "o%d" % i, "status": "final", "subject": SUBJ,
         "code": {"coding": [{"system": LOINC, "code": code}]}, "effectiveDateTime": "2026-04-01",
         "valueQuantity": {"value": -2.8, "unit": "{T-score}", "system": "http://unitsofmeasure.org", "code": "{T-score}"}}
    r.update(kw)
    return {k: v for k, v in r.items() if v is not None}


def cond(i, code="S32.000A", **kw):
    r = {"resourceType": "Condition", "id": "c%d" % i, "subject": SUBJ,
         "code": {"coding": [{"system": ICD, "code": code}]}, "onsetDateTime": "2024-03-10"}
    r.update(kw)
    return {k: v for k, v in r.items() if v is not None}


def med(i, kind="MedicationRequest", **kw):
    r = {"resourceType": kind, "id": "m%d" % i, "subject": SUBJ, "status": "active",
         "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "46041"}]}}
    if kind == "MedicationRequest":
        r["intent"] = "order"
        r["authoredOn"] = "2025-01-01"
    else:
        r["effectivePeriod"] = {"start": "2025-01-01"}
    r.update(kw)
    return {k: v for k, v in r.items() if v is not None}


def supply(n, unit):
    return {"expectedSupplyDuration": {"value": n, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}}


# (name, resources, exit status, words in input_notes or the error, check of the plan or None)
CASES = [
    ("observation without a date", [obs(1, effectiveDateTime=None)], 0, "no full effective date", None),
    ("observation without a number", [obs(1, valueQuantity=None, valueString="low")], 0, "no numeric valueQuantity", None),
    ("an older FRAX", [obs(1, "90265-0", valueQuantity=FRAX), obs(2, "90265-0", valueQuantity=FRAX,
                                                             effectiveDateTime="2025-01-01")], 0,
     "an older value of the same test", None),
    ("observation of a code not mapped", [obs(1, code="99999-9")], 0, "no mapping for its code", None),
    ("condition dated after as_of", [cond(1, onsetDateTime="2027-01-01")], 0, "dated after as_of", None),
    ("fracture without a date", [cond(1, onsetDateTime=None)], 0, "a fracture without onset or recorded date", None),
    ("request without a drug", [med(1, medicationCodeableConcept=None)], 0,
     "no medicationCodeableConcept or medicationReference", None),
    ("request without authoredOn", [med(1, authoredOn=None)], 0, "no authoredOn date", None),
    ("statement without a date", [med(1, "MedicationStatement", effectivePeriod=None)], 0, "no effective date", None),
    ("statement started after as_of", [med(1, "MedicationStatement", effectivePeriod={"start": "2027-01-01"})], 0,
     "started after as_of", None),
]

GC = {"coding": [{"system": RXNORM, "code": "312617"}]}  # prednisone 5 mg tablets


def gc_dose(n, period, unit, qty):
    return [{"timing": {"repeat": {"frequency": 1, "period": period, "periodUnit": unit}},
             "doseAndRate": [{"doseQuantity": qty}]}]


# (name, resources, the part of the mapped record (--format record) they must give)
RECORD_CASES = [
    ("fracture known by its year", [cond(1, onsetDateTime="2024")], {"fractures": [{"site": "vertebral", "year": 2024}]}),
    ("a finished request with a supply in weeks", [med(1, status="completed", dispenseRequest=supply(12, "wk"))],
     {"therapies": [{"agent": "alendronate", "start": "2025-01-01", "end": "2025-03-26"}]}),
    ("a finished request with a supply in hours", [med(1, status="completed", dispenseRequest=supply(2400, "h"))],
     {"therapies": [{"agent": "alendronate", "start": "2025-01-01", "end": "2025-04-11"}]}),
    ("a finished request with a supply in months (no fixed length: ends where it starts)",
     [med(1, status="completed", dispenseRequest=supply(3, "mo"))],
     {"therapies": [{"agent": "alendronate", "start": "2025-01-01", "end": "2025-01-01"}]}),
    ("statement with effectiveDateTime", [med(1, "MedicationStatement", effectivePeriod=None, effectiveDateTime="2025-03-01")],
     {"therapies": [{"agent": "alendronate", "start": "2025-03-01", "end": None}]}),
    ("glucocorticoid, 2 tablets every 2 weeks", [med(1, "MedicationStatement", medicationCodeableConcept=GC,
                                                   dosage=gc_dose(1, 2, "wk", {"value": 2, "unit": "tablet", "code": "{tbl}"}))],
     {"medications": [{"class": "glucocorticoid", "dose_mg_per_day": 0.71, "start": "2025-01-01", "end": None,
                       "name": "prednisone"}]}),
    ("glucocorticoid, 5 mg every 12 hours", [med(1, "MedicationStatement", medicationCodeableConcept=GC,
                                               dosage=gc_dose(1, 12, "h", {"value": 5, "unit": "mg", "code": "mg"}))],
     {"medications": [{"class": "glucocorticoid", "dose_mg_per_day": 10, "start": "2025-01-01", "end": None,
                       "name": "prednisone"}]}),
]


def run(resources, patient=PATIENT, fmt="json"):
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for r in [patient] + resources]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(bundle, f)
    try:
        p = subprocess.run([BIN, "assess", "--input", "fhir", "--format", fmt, "--as-of", "2026-11-01", f.name],
                           capture_output=True, timeout=60)
    finally:
        os.unlink(f.name)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def bulk_export(check):
    """screen --input fhir over an export with what it must skip: a Patient
    and a Medication without id, an Observation about no patient; enough
    patients that the grouping table grows; a urn:uuid subject."""
    d = tempfile.mkdtemp(prefix="osteoplan-bulk-")
    try:
        pats = [dict(PATIENT, id="q%d" % i) for i in range(300)] + [{"resourceType": "Patient", "gender": "female"}]
        o1 = obs(1, subject={"reference": "urn:uuid:q1"})
        o2 = obs(2, subject=None)
        files = {"Patient.ndjson": pats, "Observation.ndjson": [o1, o2],
                 "Medication.ndjson": [{"resourceType": "Medication", "code": {"text": "alendronate"}}]}
        for name, rs in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write("".join(json.dumps(r) + "\n" for r in rs))
        p = subprocess.run([BIN, "screen", "--input", "fhir", "--as-of", "2026-11-01", d], capture_output=True, timeout=120)
        out, err = p.stdout.decode(), p.stderr.decode()
        ids = sorted(json.loads(line)["patient_id"] for line in out.splitlines())
        check("bulk: every patient with an id screened", p.returncode == 0 and ids == sorted("q%d" % i for i in range(300)),
              "exit %d, %d lines: %s" % (p.returncode, len(ids), err[-300:]))
        for words in ("Patient.ndjson:301: Patient without id, skipped", "Medication.ndjson:1: Medication without id, skipped",
                      "2 bad lines", "1 resources of no known patient"):
            check("bulk: " + words, words in err, err[-600:])
    finally:
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        os.rmdir(d)


def main():
    failed = passed = 0

    def check(name, ok, why):
        nonlocal failed, passed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL %s: %s" % (name, why))

    for name, res, rc_want, words, plan_ok in CASES:
        rc, out, err = run(res)
        if rc != rc_want:
            check(name, False, "exit %d: %s" % (rc, err.strip()))
            continue
        plan = json.loads(out)
        notes = " | ".join(plan.get("input_notes") or [])
        check(name, (words is None or words in notes) and (plan_ok is None or plan_ok(plan)), notes)
    for name, res, want in RECORD_CASES:
        rc, out, err = run(res, fmt="record")
        rec = json.loads(out) if rc == 0 else {}
        got = {k: rec.get(k) for k in want}
        check(name, rc == 0 and got == want, "exit %d: %s %s" % (rc, json.dumps(got), err.strip()))
    # a deceased patient (deceasedBoolean): no plan, and the message says why
    rc, out, err = run([obs(1)], dict(PATIENT, deceasedBoolean=True))
    check("deceasedBoolean", rc == 3 and "deceasedBoolean true" in err, "exit %d: %s" % (rc, err.strip()))
    bulk_export(check)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)


if __name__ == "__main__":
    main()
