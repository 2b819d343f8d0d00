#!/usr/bin/env python3
"""Real-shaped records: drugs and procedures coded as EHR exports code them.

tests/data/realshaped/*.json are FHIR R4 Bundles (searchset entries with
fullUrls, MRNs, dosage instructions, supply durations, local codes) whose
drugs are product-level RxNorm clinical drugs, ATC codes or free text, and
omop-transplant/ is an OMOP CDM 5.4 directory with a transplant procedure.
Each case runs the real binary (`assess --input fhir`, `screen --input
omop`) and asserts what osteoplan recognised (the record it read) and what
follows in the plan (criterion, avoid reason, alert, monitoring, first
agent), and the input note for drugs known by name only.

Then each case runs again with its kb row(s) removed from a copy of kb/:
its checks must fail there, so every case rests on the rows it names.

usage: test_realshaped.py OSTEOPLAN
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "tests", "data", "realshaped")
BIN = sys.argv[1]
AS_OF = "2026-11-01"
BY_NAME = "recognised by ingredient name, not by a known code"
NO_DOSE = "without a dose osteoplan can convert to prednisone mg/day"
LOCAL = "in a local form (eye, skin, inhaled): not a systemic drug"


def run(args):
    return subprocess.run([BIN, *args], capture_output=True, text=True)


def assess(name, fmt, kb=None):
    args = ["assess", "--input", "fhir", "--format", fmt, "--as-of", AS_OF]
    if kb:
        args += ["--kb", kb]
    r = run(args + [os.path.join(DATA, name + ".json")])
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)


def meds(rec):
    return [(m["class"], m.get("name"), m.get("dose_mg_per_day")) for m in rec["medications"]]


def agents(rec):
    return [(t["agent"], t["end"]) for t in rec["therapies"]]


def notes(x):
    return " | ".join(x["extensions"]["input_notes"] if "extensions" in x else x["input_notes"])


def avoid(plan, agent):
    return [r for a in plan["avoid"] if a["agent"] == agent for r in a["reasons"]]


def first_agents(plan):
    return [o["agent"] for ph in plan["treatment"].get("phases", []) for o in ph.get("options", [])][:1]


def monitoring(plan):
    return [(m["code"], m["due"]) for m in plan["monitoring"]]


def codes(plan, key):
    return [c["code"] for c in plan[key]] if key != "criteria" else [c["code"] for c in plan["risk"]["criteria"]]


# A product code the kb lists is recognised by its code: no note says "by name"
# (the display names the ingredient too, so without the code row the drug is
# still found, by name, with that note).
BY_CODE = ("recognised by its code, not by name", lambda r, p: BY_NAME not in notes(p) and BY_NAME not in notes(r))

# (case, kb rows it rests on (line starts in kb/common/fhir.ini), [(what, check(record, plan))])
CASES = [
    ("prednisone_scd", ["312617 = "], [
        BY_CODE,
        ("prednisone 5 MG tablets x2 daily read as 10 mg/day", lambda r, p: meds(r) == [("glucocorticoid", "prednisone", 10)]),
        ("criterion glucocorticoid_high_dose", lambda r, p: codes(p, "criteria") == ["glucocorticoid_high_dose"]),
        ("alert glucocorticoid_induced_osteoporosis", lambda r, p: "glucocorticoid_induced_osteoporosis" in codes(p, "alerts")),
        ("treatment starts", lambda r, p: p["treatment"]["action"] == "start"),
    ]),
    ("letrozole_scd", ["200064 = "], [
        BY_CODE,
        ("letrozole SCD -> aromatase_inhibitor", lambda r, p: meds(r) == [("aromatase_inhibitor", "letrozole", None)]),
        ("a current aromatase inhibitor: DXA now", lambda r, p: p["treatment"]["action"] == "assess"
         and ("dxa", AS_OF) in monitoring(p)),
    ]),
    ("anastrozole_text", ["anastrozole = "], [
        ("local code, display names anastrozole", lambda r, p: meds(r) == [("aromatase_inhibitor", "anastrozole", None)]),
        ("input note: by name", lambda r, p: BY_NAME in notes(p) and "MedicationStatement/ms1" in notes(p)),
        ("DXA now", lambda r, p: p["treatment"]["action"] == "assess" and ("dxa", AS_OF) in monitoring(p)),
    ]),
    ("leuprolide_scd", ["752899 = "], [
        BY_CODE,
        ("leuprolide syringe -> androgen_deprivation", lambda r, p: meds(r) == [("androgen_deprivation", "leuprolide", None)]),
        ("a man of 63 on ADT: DXA now", lambda r, p: p["treatment"]["action"] == "assess" and ("dxa", AS_OF) in monitoring(p)),
    ]),
    ("degarelix_bicalutamide_text", ["degarelix = ", "bicalutamide = "], [
        ("degarelix (current) and bicalutamide (ended) by name",
         lambda r, p: sorted(meds(r)) == [("androgen_deprivation", "bicalutamide", None), ("androgen_deprivation", "degarelix", None)]
         and sorted(m["end"] or "" for m in r["medications"]) == ["", "2026-04-15"]),
        ("input note: 2 by name", lambda r, p: "2 drug order(s) " + BY_NAME in notes(p)),
        ("a man of 66 on ADT: DXA now", lambda r, p: p["treatment"]["action"] == "assess" and ("dxa", AS_OF) in monitoring(p)),
    ]),
    ("alendronate_scd", ["904431 = "], [
        BY_CODE,
        ("yearly renewals of alendronate 70 MG: one current course", lambda r, p: agents(r) == [("alendronate", None)]),
        ("continue the current alendronate", lambda r, p: p["treatment"]["action"] == "continue"
         and first_agents(p) == ["alendronate"]),
    ]),
    ("risedronate_scd", ["905028 = "], [
        BY_CODE,
        ("risedronate 150 MG -> a current risedronate course", lambda r, p: agents(r) == [("risedronate", None)]),
        ("continue risedronate", lambda r, p: p["treatment"]["action"] == "continue" and first_agents(p) == ["risedronate"]),
    ]),
    ("denosumab_syringe", ["993452 = "], [
        BY_CODE,
        ("denosumab syringe orders -> one course ended 2025-03-03", lambda r, p: agents(r) == [("denosumab", "2025-03-03")]),
        ("alert denosumab_stopped_without_followup", lambda r, p: "denosumab_stopped_without_followup" in codes(p, "alerts")),
        ("transition to a bisphosphonate", lambda r, p: p["treatment"]["action"] == "transition"),
    ]),
    ("teriparatide_atc", ["H05AA02 = "], [
        BY_CODE,
        ("ATC H05AA02 only -> teriparatide", lambda r, p: agents(r) == [("teriparatide", None)]),
        ("continue teriparatide, follow-on required", lambda r, p: first_agents(p) == ["teriparatide"]
         and "anabolic_followup_required" in codes(p, "alerts")),
    ]),
    ("kidney_transplant_procedure", ["70536003 = "], [
        ("Procedure 70536003 -> organ_transplant dated 2018-11-20",
         lambda r, p: {"code": "organ_transplant", "date": "2018-11-20"} in r["conditions"]),
        ("denosumab avoided: immunosuppression", lambda r, p: avoid(p, "denosumab") == ["immunosuppression"]),
        ("no bisphosphonate, no denosumab: teriparatide (S002)", lambda r, p: first_agents(p) == ["teriparatide"]),
    ]),
    ("immunosuppressants_scd", ["1664463 = ", "360110 = "], [
        BY_CODE,
        ("tacrolimus ER and sirolimus by product code",
         lambda r, p: sorted(meds(r)) == [("immunosuppressant", "sirolimus", None), ("immunosuppressant", "tacrolimus", None)]),
        ("two immunosuppressants: denosumab avoided", lambda r, p: avoid(p, "denosumab") == ["immunosuppression"]),
    ]),
    ("local_form_text", ["topical = ", "cream = "], [
        ("hydrocortisone cream not a systemic glucocorticoid", lambda r, p: meds(r) == [("immunosuppressant", "tacrolimus", None)]),
        ("input note: local form", lambda r, p: LOCAL in notes(p)),
        ("one immunosuppressant: denosumab allowed", lambda r, p: avoid(p, "denosumab") == []),
    ]),
    ("methylprednisolone_text", ["methylprednisolone = "], [
        ("methylprednisolone by name, no prednisone factor: no dose",
         lambda r, p: meds(r) == [("glucocorticoid", "methylprednisolone", None)]),
        ("input notes: by name, dose unknown", lambda r, p: BY_NAME in notes(p) and NO_DOSE in notes(p)),
        # not prednisolone inside methylprednisolone (whole words only)
        ("not read as prednisolone", lambda r, p: "prednisolone" not in [m[1] for m in meds(r)]),
    ]),
]


def results(name, checks, kb=None):
    rec, plan = assess(name, "record", kb), assess(name, "json", kb)
    out = []
    for what, f in checks:
        try:
            ok = rec is not None and plan is not None and bool(f(rec, plan))
        except (KeyError, IndexError, TypeError):
            ok = False
        out.append((what, ok))
    return out


def omop(kb=None):
    args = ["screen", "--input", "omop", "--threads", "1", "--as-of", AS_OF]
    if kb:
        args += ["--kb", kb]
    r = run(args + [os.path.join(DATA, "omop-transplant")])
    lines = {d["patient_id"]: d for d in map(json.loads, r.stdout.splitlines())} if r.returncode == 0 else {}
    one, two = lines.get("1", {}), lines.get("2", {})
    # person 1: a heart transplant (procedure_occurrence, SNOMED CT 32413006); person 2 the same
    # record with renal dialysis instead: denosumab is her first agent, teriparatide his
    return [("OMOP heart transplant procedure: teriparatide first (denosumab avoided)",
             one.get("first_agent") == "teriparatide" and "no_safe_followon" in one.get("gaps", [])),
            ("OMOP control without a transplant: denosumab first", two.get("first_agent") == "denosumab")]


def kb_without(tmp, rows):
    """A copy of kb/ without the lines of kb/common/fhir.ini starting with rows."""
    kb = os.path.join(tmp, "kb")
    shutil.rmtree(kb, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "kb"), kb)
    path = os.path.join(kb, "common", "fhir.ini")
    with open(path) as f:
        lines = f.readlines()
    kept = [ln for ln in lines if not any(ln.startswith(r) for r in rows)]
    if len(lines) - len(kept) != len(rows):
        return None
    with open(path, "w") as f:
        f.writelines(kept)
    return kb


def main():
    failed = []
    for name, rows, checks in CASES:
        for what, ok in results(name, checks):
            if not ok:
                failed.append("%s: %s" % (name, what))
    for what, ok in omop():
        if not ok:
            failed.append(what)
    # each case must fail without its rows: the assertions rest on the kb
    with tempfile.TemporaryDirectory() as tmp:
        for name, rows, checks in CASES:
            kb = kb_without(tmp, rows)
            if kb is None:
                failed.append("%s: kb rows %s not found in fhir.ini" % (name, rows))
            elif all(ok for _, ok in results(name, checks, kb)):
                failed.append("%s: still passes without kb rows %s" % (name, rows))
        # ATC rows are prefixes: a group row (here a test one, H05AA for the
        # substance H05AA02) covers the substance's code
        kb = kb_without(tmp, ["H05AA02 = "])
        path = os.path.join(kb, "common", "fhir.ini")
        with open(path) as f:
            text = f.read().replace("[fhir.atc]\n", "[fhir.atc]\nH05AA = agent teriparatide | test group row | codes\n", 1)
        with open(path, "w") as f:
            f.write(text)
        checks = dict((c[0], c[2]) for c in CASES)["teriparatide_atc"]
        if not all(ok for _, ok in results("teriparatide_atc", checks, kb)):
            failed.append("an ATC group row does not cover its substance's code")
        kb = kb_without(tmp, ["32413006 = "])
        if kb is None or omop(kb)[0][1]:
            failed.append("OMOP heart transplant: still passes without kb row 32413006")
    for f in failed:
        print("FAIL:", f)
    n = sum(len(c) for _, _, c in CASES) + 2
    print("test_realshaped: %d cases, %d checks, %d failures" % (len(CASES) + 1, n, len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
