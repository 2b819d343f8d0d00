#!/usr/bin/env python3
"""An agent added to a copy of kb/ alone (no change in C) appears in plans,
avoid tables, the labels and the FHIR mapping: ibandronate 3 mg intravenous
every 3 months, run through the real binary with --kb DIR. Also: a knowledge
base with more agents than the build holds is refused with a clear message.

usage: test_new_agent.py OSTEOPLAN KB_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from checks import check, failures  # noqa: E402

BIN, KB = sys.argv[1], sys.argv[2]
AS_OF = "2026-11-01"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
# Only has to be a code the default copy does not map: look the real RxNorm
# code up before adding the agent for use.
IV_IBANDRONATE_RXNORM = "999001"

AGENT = """
[agent.ibandronate_iv]
class = iv_bisphosphonate
intent = antiresorptive
route = intravenous
dose = 3 mg
frequency = every 3 months
renal_min_ml_min = 30
name = ibandronate (intravenous)
patient_name = ibandronate
patient_how = an injection into a vein every 3 months, given at a clinic
sources = LABEL
bisphosphonate = yes
drug_holiday = intravenous
jaw_and_femur_risk = yes
correct_calcium_first = 3

[avoid.ibandronate_iv]
reasons = renal_impairment, hypocalcemia, osteonecrosis_of_jaw, atypical_femoral_fracture, intolerance, treatment_failure
sources = S001, S004
"""


def copy_kb(tmp, agents_extra="", fhir_extra=None):
    d = os.path.join(tmp, "kb")
    shutil.copytree(KB, d)
    with open(os.path.join(d, "common", "agents.ini"), "a") as f:
        f.write(agents_extra)
    if fhir_extra:
        path = os.path.join(d, "common", "fhir.ini")
        with open(path) as f:
            text = f.read()
        anchor = "[fhir.rxnorm]\n"
        assert anchor in text
        with open(path, "w") as f:
            f.write(text.replace(anchor, anchor + fhir_extra + "\n", 1))
    return d


def assess(kb, rec, fmt="json", audience="clinician", extra=()):
    return subprocess.run([BIN, "assess", "--kb", kb, "--format", fmt, "--audience", audience, *extra, "-"],
                          input=json.dumps(rec), capture_output=True, text=True)


def record(**kw):
    r = {"as_of": AS_OF, "sex": "female", "birth_date": "1950-03-15", "menopause": "post",
         "bmd": [{"site": "lumbar_spine", "t_score": -2.7, "date": "2026-10-10"}]}
    r.update(kw)
    return r


def test_plans_and_avoid(kb):
    course = {"agent": "ibandronate_iv", "start": "2025-06-01", "end": None, "last_dose": "2026-09-01"}
    r = assess(kb, record(therapies=[course]))
    check(r.returncode == 0, "a record with the new agent is read (%s)" % r.stderr.strip())
    plan = json.loads(r.stdout) if r.returncode == 0 else {}
    phases = plan.get("treatment", {}).get("phases", [])
    first = phases[0]["options"][0] if phases and phases[0].get("options") else {}
    check(first.get("agent") == "ibandronate_iv" and first.get("route") == "intravenous" and
          first.get("dose") == "3 mg" and first.get("frequency") == "every 3 months",
          "the plan continues the new agent with its dose and route (%s)" % first)
    rule = plan.get("treatment", {}).get("rule")
    check(rule == "bisphosphonate_continue", "a bisphosphonate course follows rule 5 (%s)" % rule)
    text = assess(kb, record(therapies=[course]), fmt="text", audience="patient")
    check(text.returncode == 0 and "an injection into a vein every 3 months" in text.stdout,
          "the patient's plan says how it is given")
    clin = assess(kb, record(therapies=[course]), fmt="text")
    check(clin.returncode == 0 and "Ask the patient to report thigh, groin or jaw pain." in clin.stdout,
          "its safety reminders (jaw_and_femur_risk) reach the clinician")
    reminders = {x["code"]: x["audiences"] for x in plan.get("reminders", [])}
    check(set(reminders.get("report_thigh_groin_jaw_pain", [])) == {"clinician", "patient"} and
          "dentist_before_dental_surgery" in reminders and "never_stop_without_followon" not in reminders,
          "the plan JSON carries the reminders the engine decided from its flags (%s)" % reminders)
    # the renal cut-off of the new agent: avoided below 30 mL/min
    r = assess(kb, record(labs={"egfr_ml_min": 25}))
    plan = json.loads(r.stdout) if r.returncode == 0 else {}
    avoid = {a["agent"]: a["reasons"] for a in plan.get("avoid", [])}
    check("renal_impairment" in avoid.get("ibandronate_iv", []),
          "the new agent is avoided below its renal cut-off (%s)" % sorted(avoid))
    r = assess(kb, record(labs={"egfr_ml_min": 50}))
    plan = json.loads(r.stdout) if r.returncode == 0 else {}
    check("ibandronate_iv" not in {a["agent"] for a in plan.get("avoid", [])},
          "and not above it")
    # the default knowledge base does not know the code
    r = subprocess.run([BIN, "assess", "-"], input=json.dumps(record(therapies=[course])),
                       capture_output=True, text=True)
    check(r.returncode == 2 and "therapies[0].agent" in r.stderr and "ibandronate_iv" in r.stderr,
          "without the copy the code is refused, naming the field (%s)" % r.stderr.strip())


def test_fhir(kb):
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-03-15"}
    order = {"resourceType": "MedicationRequest", "id": "m1", "status": "active", "intent": "order",
             "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-06-01",
             "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": IV_IBANDRONATE_RXNORM}]}}
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": patient}, {"resource": order}]}
    r = subprocess.run([BIN, "assess", "--kb", kb, "--input", "fhir", "--format", "record", "--as-of", AS_OF, "-"],
                       input=json.dumps(bundle), capture_output=True, text=True)
    rec = json.loads(r.stdout) if r.returncode == 0 else {}
    agents = [t["agent"] for t in rec.get("therapies", [])]
    check(agents == ["ibandronate_iv"], "a MedicationRequest with the new code maps to the new agent (%s %s)"
          % (agents, r.stderr.strip()))


def test_capacity(tmp):
    extra = "".join(AGENT.replace("ibandronate_iv", "ibandronate_iv%d" % i) for i in range(10))
    kb = copy_kb(tmp, extra)
    r = assess(kb, record())
    check(r.returncode != 0 and "more than 16 agents" in r.stderr and "agents.ini:" in r.stderr,
          "a knowledge base with too many agents is refused with file:line (%s)" % r.stderr.strip())


def main():
    with tempfile.TemporaryDirectory() as tmp:
        kb = copy_kb(tmp, AGENT, "%s = agent ibandronate_iv | ibandronate 3 MG in 3 ML Injection | codes"
                     % IV_IBANDRONATE_RXNORM)
        test_plans_and_avoid(kb)
        test_fhir(kb)
    with tempfile.TemporaryDirectory() as tmp:
        test_capacity(tmp)
    print("%d failed" % len(failures) if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
