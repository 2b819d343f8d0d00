#!/usr/bin/env python3
"""FHIR R4 input through the real binary: every row of kb/common/fhir.ini, units,
courses from orders, one fracture coded twice, death, bad input, and the
Synthea Bulk Data export kept under tests/data.

usage: test_fhir.py OSTEOPLAN
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fhir_fixtures  # noqa: E402
from checks import check, failures  # noqa: E402

BIN = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
SYNTHEA = os.path.join(ROOT, "tests", "data", "fhir", "synthea-bulk-10")
VIGNETTES = os.path.join(ROOT, "tests", "vignettes")
AS_OF = "2026-11-01"


def run(args, data=None):
    return subprocess.run([BIN, *args], input=data, capture_output=True, text=True)


def record_of(resources, as_of=AS_OF):
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}
    r = run(["assess", "--input", "fhir", "--format", "record", "--as-of", as_of, "-"], json.dumps(bundle))
    return (json.loads(r.stdout) if r.returncode == 0 else None), r


PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-01-01"}
SUBJ = {"reference": "Patient/p1"}
SYS = {"fhir.loinc": "http://loinc.org", "fhir.icd10cm": "http://hl7.org/fhir/sid/icd-10-cm",
       "fhir.snomed": "http://snomed.info/sct", "fhir.rxnorm": "http://www.nlm.nih.gov/research/umls/rxnorm",
       "fhir.atc": "http://www.whocc.no/atc"}
UNIT = {"t_score": ("{T-score}", -2.0), "bmd": ("g/cm2", 0.8), "frax": ("%", 12.0)}
LAB_UNIT = {"vitamin_d": ("ng/mL", 25, "vitamin_d_ng_ml"), "egfr": ("mL/min/{1.73_m2}", 60, "egfr_ml_min"),
            "calcium": ("mg/dL", 9.5, "calcium_mg_dl")}


def kb_rows():
    """(section, key, value) of kb/common/fhir.ini."""
    sec, out = None, []
    for line in open(os.path.join(ROOT, "kb", "common", "fhir.ini")):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("["):
            sec = s[1:-1]
        elif "=" in s:
            k, v = s.split("=", 1)
            out.append((sec, k.strip(), v.strip()))
    return out


def resource_for(sec, code, target):
    kind, arg = target.split()[0], target.split()[1]
    cc = {"coding": [{"system": SYS[sec], "code": code}]} if sec != "fhir.names" else {"text": "Generic %s 5 MG" % code}
    if kind in ("t_score", "bmd", "frax", "lab"):
        unit, value = UNIT[kind] if kind != "lab" else LAB_UNIT[arg][:2]
        obs = [{"resourceType": "Observation", "id": "o1", "status": "final", "subject": SUBJ, "code": cc,
                "effectiveDateTime": "2026-01-10", "valueQuantity": {"value": value, "code": unit}}]
        if kind == "bmd":  # a BMD needs the T-score of its site and date
            obs.append({"resourceType": "Observation", "id": "o2", "status": "final", "subject": SUBJ,
                        "code": {"coding": [{"system": SYS["fhir.loinc"], "code": {
                            "lumbar_spine": "38267-1", "total_hip": "38264-8", "femoral_neck": "38263-0"}[arg]}]},
                        "effectiveDateTime": "2026-01-10", "valueQuantity": {"value": -1.0, "code": "{T-score}"}})
        return obs
    if kind in ("fracture", "condition"):
        if sec == "fhir.icd10cm":  # a full code under the prefix
            code = code + ("1XA" if len(code) <= 5 else "")
            cc = {"coding": [{"system": SYS[sec], "code": code}]}
        return [{"resourceType": "Condition", "id": "c1", "subject": SUBJ, "code": cc,
                 "onsetDateTime": "2025-03-01"}]
    return [{"resourceType": "MedicationStatement", "id": "m1", "status": "active", "subject": SUBJ,
             "medicationCodeableConcept": cc, "effectivePeriod": {"start": "2024-01-01"}}]


def expect_row(sec, code, target, rec):
    kind, arg = target.split()[0], target.split()[1]
    if kind == "t_score":
        return any(b["site"] == arg and b["t_score"] == -2.0 for b in rec["bmd"])
    if kind == "bmd":
        return any(b["site"] == arg and b.get("bmd_g_cm2") == 0.8 for b in rec["bmd"])
    if kind == "frax":
        return rec.get("frax", {}).get("major_osteoporotic_pct" if arg == "major" else "hip_pct") == 12.0
    if kind == "lab":
        return rec.get("labs", {}).get(LAB_UNIT[arg][2]) == {"value": LAB_UNIT[arg][1], "date": "2026-01-10"}
    if kind == "fracture":
        if arg == "by_5th_character":
            return len(rec["fractures"]) == 1
        return len(rec["fractures"]) == 1 and rec["fractures"][0]["site"] == (arg if arg != "unspecified" else "other")
    if kind == "condition":
        return any(c["code"] == arg for c in rec["conditions"])
    if kind == "agent":
        return [t["agent"] for t in rec["therapies"]] == [arg]
    if kind == "medication":
        return [m["class"] for m in rec["medications"]] == [arg]
    return False


def test_rows():
    n = 0
    for sec, code, value in kb_rows():
        if sec not in SYS and sec != "fhir.names":
            continue
        targets = value.split("|")[0].strip()
        rec, r = record_of([PATIENT] + resource_for(sec, code, targets.split(",")[0].strip()))
        ok = rec is not None and all(expect_row(sec, code, t.strip(), rec) for t in targets.split(","))
        check(ok, "kb row [%s] %s -> %s (%s)" % (sec, code, targets, (r.stderr or r.stdout)[:200]))
        n += 1
    check(n >= 80, "every code row tested (%d)" % n)
    # M80 fifth characters
    for ch, site in (("1", "humerus"), ("3", "forearm"), ("5", "hip"), ("8", "vertebral"), ("A", "other")):
        cond = {"resourceType": "Condition", "id": "c1", "subject": SUBJ, "onsetDateTime": "2025-03-01",
                "code": {"coding": [{"system": SYS["fhir.icd10cm"], "code": "M80.0%s%sA" % (ch, "X" if ch in "8A" else "1")}]}}
        rec, _ = record_of([PATIENT, cond])
        check(rec and rec["fractures"][0]["site"] == site and {"code": "osteoporosis", "date": "2025-03-01"} in
              rec["conditions"], "M80.0 5th character %s -> %s" % (ch, site))


def obs(code, value, unit, date="2026-01-10", status="final", oid="o1"):
    return {"resourceType": "Observation", "id": oid, "status": status, "subject": SUBJ, "effectiveDateTime": date,
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {"value": value, "code": unit}}


def test_units_and_skips():
    rec, r = record_of([PATIENT, obs("62292-8", 50, "nmol/L"), obs("17861-6", 2.5, "mmol/L", oid="o2")])
    check(rec and rec["labs"] == {"vitamin_d_ng_ml": {"value": 20.03, "date": "2026-01-10"},
                                  "calcium_mg_dl": {"value": 10.02, "date": "2026-01-10"}}, "nmol/L and mmol/L converted")
    rec, r = record_of([PATIENT, obs("62292-8", 50, "ug/dL"), obs("38267-1", -2.6, "{T-score}", "2027-01-01", oid="o2"),
                        obs("38264-8", -2.6, "{T-score}", status="preliminary", oid="o3")])
    notes = " ".join(rec["extensions"]["input_notes"]) if rec else ""
    check(rec and "labs" not in rec and rec["bmd"] == [], "unknown unit, future date, preliminary: skipped")
    check("a unit osteoplan does not convert" in notes and "dated after as_of" in notes and "not final" in notes,
          "skips are explained in input_notes")
    # the reader's range check drops the one bad value, not the patient
    rec, r = record_of([PATIENT, obs("38267-1", -12, "{T-score}"), obs("38264-8", -2.6, "{T-score}", oid="o2")])
    check(rec and [b["site"] for b in rec["bmd"]] == ["total_hip"] and
          any("Observation/o1 not used: bmd[0].t_score" in n for n in rec["extensions"]["input_notes"]),
          "an out-of-range T-score is dropped with a note")


def test_lab_dates():
    """[2026.12] a lab value keeps its Observation's date; the latest value wins, with its own date."""
    egfr = "62238-1"
    rec, r = record_of([PATIENT, obs(egfr, 41, "mL/min/{1.73_m2}", "2025-02-03T08:30:00Z"),
                        obs(egfr, 55, "mL/min/{1.73_m2}", "2024-06-01", oid="o2")])
    check(rec and rec["labs"] == {"egfr_ml_min": {"value": 41, "date": "2025-02-03"}},
          "the latest eGFR with its effectiveDateTime (%s)" % (r.stderr or r.stdout)[:200])
    notes = " ".join(rec["extensions"]["input_notes"]) if rec else ""
    check("an older value of the same test (e.g. Observation/o2)" in notes, "the older eGFR is noted as not used")
    period = dict(obs("62292-8", 31, "ng/mL"), effectivePeriod={"start": "2023-09-14T07:00:00Z"})
    issued = dict(obs("17861-6", 9.1, "mg/dL", oid="o2"), issued="2026-10-30T12:00:00Z")
    del period["effectiveDateTime"], issued["effectiveDateTime"]
    rec, r = record_of([PATIENT, period, issued])
    check(rec and rec["labs"] == {"vitamin_d_ng_ml": {"value": 31, "date": "2023-09-14"},
                                  "calcium_mg_dl": {"value": 9.1, "date": "2026-10-30"}},
          "effectivePeriod.start and issued date the lab (%s)" % (r.stderr or r.stdout)[:200])
    undated = obs("62292-8", 31, "ng/mL")
    del undated["effectiveDateTime"]
    rec, r = record_of([PATIENT, undated])
    notes = " ".join(rec["extensions"]["input_notes"]) if rec else ""
    check(rec and "labs" not in rec and "no full effective date (e.g. Observation/o1)" in notes,
          "an Observation without a date is not used, and noted")
    # the mapped record is read like any other: the plan is made from it
    r = run(["assess", "--input", "fhir", "--format", "json", "--as-of", AS_OF, "-"],
            json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
                {"resource": x} for x in (PATIENT, obs(egfr, 41, "mL/min/{1.73_m2}", "2025-02-03"))]}))
    check(r.returncode == 0 and json.loads(r.stdout).get("patient_id") == "p1",
          "a plan from FHIR with a dated lab (%s)" % r.stderr[:200])


def req(rid, date, status="stopped", validity_end=None, code="904419"):
    r = {"resourceType": "MedicationRequest", "id": rid, "status": status, "intent": "order", "subject": SUBJ,
         "authoredOn": date + "T10:00:00-05:00",
         "medicationCodeableConcept": {"coding": [{"system": SYS["fhir.rxnorm"], "code": code}]}}
    if validity_end:
        r["dispenseRequest"] = {"validityPeriod": {"start": date, "end": validity_end}}
    return r


def test_courses_and_fractures():
    yearly = [req("r%d" % y, "%d-03-01" % y) for y in range(2015, 2020)]
    rec, _ = record_of([PATIENT] + yearly + [req("r2020", "2020-03-01", "active")])
    check(rec and rec["therapies"] == [{"agent": "alendronate", "start": "2015-03-01", "end": None}],
          "yearly renewals, the last active: one current course")
    rec, _ = record_of([PATIENT, req("a", "2015-03-01"), req("b", "2016-04-01", validity_end="2016-10-01"),
                        req("c", "2017-06-01", validity_end="2017-12-01")])
    check(rec and rec["therapies"] == [{"agent": "alendronate", "start": "2015-03-01", "end": "2016-10-01"},
                                       {"agent": "alendronate", "start": "2017-06-01", "end": "2017-12-01"}],
          "13 months between orders: one course; 14 months: a new course; ends at the last validity end")
    rec, _ = record_of([PATIENT, req("a", "2020-03-01", "entered-in-error"), req("b", "2021-03-01", "cancelled")])
    check(rec and rec["therapies"] == [], "entered-in-error and cancelled requests are ignored")

    def fx(cid, code, date, system="http://snomed.info/sct"):
        return {"resourceType": "Condition", "id": cid, "subject": SUBJ, "onsetDateTime": date,
                "code": {"coding": [{"system": system, "code": code}]}}
    rec, _ = record_of([PATIENT, fx("a", "65966004", "2018-10-18"), fx("b", "443165006", "2018-10-20")])
    check(rec and rec["fractures"] == [{"site": "forearm", "date": "2018-10-18"}] and
          any(c["code"] == "osteoporosis" for c in rec["conditions"]), "a fracture coded twice is one event")
    rec, _ = record_of([PATIENT, fx("a", "5913000", "2020-01-01"), fx("b", "5913000", "2020-01-31")])
    check(rec and len(rec["fractures"]) == 1, "same site within 30 days: one fracture")
    rec, _ = record_of([PATIENT, fx("a", "5913000", "2020-01-01"), fx("b", "5913000", "2020-02-01")])
    check(rec and len(rec["fractures"]) == 2, "same site 31 days apart: two fractures")
    bad = fx("c", "5913000", "2021-01-01")
    bad["verificationStatus"] = {"coding": [{"code": "entered-in-error"}]}
    rec, _ = record_of([PATIENT, bad])
    check(rec and rec["fractures"] == [], "entered-in-error Condition ignored")
    gc = {"resourceType": "MedicationRequest", "id": "g", "status": "active", "intent": "order", "subject": SUBJ,
          "authoredOn": "2026-01-01", "medicationCodeableConcept": {"coding": [{"system": SYS["fhir.rxnorm"],
                                                                                "code": "312617"}]},
          "dosageInstruction": [{"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                                 "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet", "code": "{tbl}"}}]}]}
    rec, _ = record_of([PATIENT, gc])
    check(rec and rec["medications"] == [{"class": "glucocorticoid", "dose_mg_per_day": 10, "start": "2026-01-01",
                                          "end": None, "name": "prednisone"}],
          "prednisone 5 mg tablet twice a day: 10 mg/day prednisone")


def test_patients():
    dead = dict(PATIENT, deceasedDateTime="2020-05-01T10:00:00Z")
    r = run(["assess", "--input", "fhir", "--as-of", AS_OF, "-"], json.dumps(dead))
    check(r.returncode == 3 and "deceased" in r.stderr and not r.stdout, "deceased: exit 3, no plan")
    r = run(["assess", "--input", "fhir", "--as-of", AS_OF, "-"], json.dumps(dict(PATIENT, gender="unknown")))
    check(r.returncode == 2 and "female or male" in r.stderr and not r.stdout, "gender unknown: an error naming why")
    for what, data in (("not JSON", "{"), ("no Patient", json.dumps(obs("38267-1", -2, "{T-score}"))),
                       ("an array", "[]"), ("no birthDate", json.dumps({"resourceType": "Patient", "gender": "male"}))):
        r = run(["assess", "--input", "fhir", "--as-of", AS_OF, "-"], data)
        check(r.returncode == 2 and r.stderr and not r.stdout, "bad FHIR input (%s): exit 2" % what)


def test_synthea():
    r = run(["screen", "--input", "fhir", "--as-of", AS_OF, SYNTHEA])
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    check(r.returncode == 0 and len(lines) == 10, "Synthea export: 10 living patients planned (got %d)" % len(lines))
    check("13 patients, 3 deceased" in r.stderr, "Synthea export: 3 deceased counted and skipped")
    woman = [x for x in lines if x["patient_id"].startswith("a5cb8ce9")]
    check(woman and "bisphosphonate_holiday_review" in woman[0]["gaps"], "the 1927 woman: holiday review gap")
    # her record: osteoporosis recorded, one forearm fracture in 2018, one alendronate course since 2007
    pid = "a5cb8ce9-cec6-6b23-0990-cbaf753578a4"
    res = []
    for f in ("Patient.000.ndjson", "Condition.000.ndjson", "MedicationRequest.000.ndjson"):
        for line in open(os.path.join(SYNTHEA, f)):
            x = json.loads(line)
            if x.get("id") == pid or x.get("subject", {}).get("reference") == "Patient/" + pid:
                res.append(x)
    rec, _ = record_of(res)
    check(rec and [f["site"] for f in rec["fractures"]] == ["forearm"] and rec["fractures"][0]["date"][:4] == "2018",
          "Synthea: the forearm fracture coded twice counted once")
    check(rec and any(c["code"] == "osteoporosis" for c in rec["conditions"]), "Synthea: osteoporosis recorded")
    check(rec and [(t["agent"], t["start"][:4], t["end"]) for t in rec["therapies"]] == [("alendronate", "2007", None)],
          "Synthea: yearly alendronate renewals since 2007 are one current course")
    # gzip Bulk Data of the vignettes gives the same plans as the records
    tmp = tempfile.mkdtemp()
    recs, by_type = [], {}
    for name in sorted(n for n in os.listdir(VIGNETTES) if n.endswith(".json")):
        rec = json.load(open(os.path.join(VIGNETTES, name)))["patient"]
        res = fhir_fixtures.to_fhir(rec)
        if res is None:
            continue
        recs.append(dict(rec, id=res[0]["id"]))
        for x in res:
            if x["resourceType"] != "Patient":
                x["id"] = res[0]["id"] + "-" + x["id"]
            by_type.setdefault(x["resourceType"], []).append(x)
    for t, xs in by_type.items():
        with gzip.open(os.path.join(tmp, t + ".000.ndjson.gz"), "wt") as f:
            f.write("".join(json.dumps(x) + "\n" for x in xs))
    a = run(["screen", "--input", "fhir", "--as-of", AS_OF, "--threads", "2", tmp])
    b = run(["screen", "--as-of", AS_OF, "-"], "".join(json.dumps(x) + "\n" for x in recs))
    key = lambda out: sorted((x["patient_id"], x["risk"], x["action"], x["first_agent"], tuple(x["alerts"]))
                             for x in map(json.loads, out.splitlines()))
    check(a.returncode == 0 and len(recs) >= 12 and key(a.stdout) == key(b.stdout),
          "screen --input fhir (gzip Bulk Data) equals screen of the records (%d patients)" % len(recs))


def main():
    test_rows()
    test_units_and_skips()
    test_lab_dates()
    test_courses_and_fractures()
    test_patients()
    test_synthea()
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
