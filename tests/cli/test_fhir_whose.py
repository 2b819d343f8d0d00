#!/usr/bin/env python3
"""`assess --input fhir`: whose data (one patient, conflicting Patients),
medications by reference, and searches not read whole (incomplete_input).

usage: test_fhir_whose.py OSTEOPLAN
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
from checks import check, failures  # noqa: E402

BIN = sys.argv[1]
AS_OF = "2026-11-01"
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-01-01"}
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ALN = {"coding": [{"system": RXNORM, "code": "46041", "display": "alendronate"}]}


def run(doc, fmt="record", extra=()):
    return subprocess.run([BIN, "assess", "--input", "fhir", "--format", fmt, "--as-of", AS_OF, *extra, "-"],
                          input=json.dumps(doc), capture_output=True, text=True)


def bundle(*resources, full_urls=None):
    entries = []
    for i, r in enumerate(resources):
        e = {"resource": r}
        if full_urls and full_urls[i]:
            e["fullUrl"] = full_urls[i]
        entries.append(e)
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def record(doc):
    r = run(doc)
    return (json.loads(r.stdout) if r.returncode == 0 else None), r


def tscore(oid, value, subject="Patient/p1"):
    o = {"resourceType": "Observation", "id": oid, "status": "final", "effectiveDateTime": "2026-01-10",
         "code": {"coding": [{"system": "http://loinc.org", "code": "38267-1"}]},
         "valueQuantity": {"value": value, "code": "{T-score}"}}
    if subject is not None:
        o["subject"] = {"reference": subject}
    return o


def notes(rec):
    return " | ".join(rec["extensions"]["input_notes"]) if rec else ""


def test_one_patient():
    # a resource of another patient: skipped with a note, counted
    rec, r = record(bundle(PATIENT, tscore("o1", -1.0), tscore("o2", -3.5, "Patient/p2")))
    check(rec and [b["t_score"] for b in rec["bmd"]] == [-1.0],
          "another patient's Observation is not used (%s)" % (rec and rec["bmd"], ))
    check("1 of 2 Observation resources not used: the subject is another patient" in notes(rec) and
          "Observation/o2 of Patient/p2" in notes(rec), "another patient's Observation is noted: %s" % notes(rec))
    # the same patient by urn:uuid fullUrl, by version, with no subject: the only Patient's
    uuid = "urn:uuid:0b6f9b7e-3c55-4c8a-9a3f-2a2f1e0d7c11"
    rec, r = record(bundle(dict(PATIENT, id="p1"),
                           dict(tscore("o2", -2.2, uuid), code={"coding": [{"system": "http://loinc.org",
                                                                             "code": "38264-8"}]}),
                           dict(tscore("o3", -2.3, None), code={"coding": [{"system": "http://loinc.org",
                                                                            "code": "38263-0"}]}),
                           dict(tscore("o4", -2.4, "Patient/p1/_history/3"), code={"coding": [{
                               "system": "http://loinc.org", "code": "38265-5"}]}),
                           full_urls=[uuid, None, None, None]))
    check(rec and sorted(b["t_score"] for b in rec["bmd"]) == [-2.4, -2.3, -2.2],
          "urn:uuid fullUrl, version and no subject: the patient's (%s; %s)" % (rec and rec["bmd"], r.stderr))
    # an absolute URL: the patient's only on the server of the Patient's own fullUrl
    base = "https://ehr.example.org/fhir/"
    rec, r = record(bundle(PATIENT, tscore("o1", -2.1, base + "Patient/p1"),
                           dict(tscore("o2", -2.2, base + "Patient/p1/_history/2"),
                                code={"coding": [{"system": "http://loinc.org", "code": "38264-8"}]}),
                           full_urls=[base + "Patient/p1", None, None]))
    check(rec and sorted(b["t_score"] for b in rec["bmd"]) == [-2.2, -2.1],
          "an absolute URL on the Patient's own server: the patient's (%s; %s)" % (rec and rec["bmd"], r.stderr))
    for what, subject, url in (
            ("another server's Patient/p1", "https://other.example/fhir/Patient/p1", base + "Patient/p1"),
            ("an absolute URL when the Patient has no absolute fullUrl", base + "Patient/p1", None),
            ("a _history/.. path back to Patient/p1", "Patient/p1/_history/../../Patient/p1", None),
            ("a _history/.. path on the Patient's server", base + "Patient/p1/_history/../../Patient/p1",
             base + "Patient/p1"),
            ("a path before Patient/p1", "x/Patient/p1", None)):
        rec, r = record(bundle(PATIENT, tscore("o1", -3.9), tscore("o2", -2.1, subject), full_urls=[url, None, None]))
        check(rec and [b["t_score"] for b in rec["bmd"]] == [-3.9] and "the subject is another patient" in notes(rec)
              and "Observation/o2 of " + subject in notes(rec),
              "%s: skipped with a note (%s; %s)" % (what, rec and rec["bmd"], notes(rec) or r.stderr))
    # a urn:uuid that is not the Patient's entry
    rec, r = record(bundle(PATIENT, tscore("o1", -2.1, "urn:uuid:not-the-patient"), full_urls=["urn:uuid:p1", None]))
    check(rec and rec["bmd"] == [] and "another patient" in notes(rec), "a foreign urn:uuid is not the patient's")
    # two Patients with different ids: an error naming both
    r = run(bundle(PATIENT, dict(PATIENT, id="p2"), tscore("o1", -2.5)), "json")
    check(r.returncode == 2 and "p1" in r.stderr and "p2" in r.stderr and not r.stdout,
          "two patients in one input: exit 2 naming both (%d, %s)" % (r.returncode, r.stderr.strip()))
    # one id, two copies that disagree: an error; that agree: one patient
    for field, value in (("gender", "male"), ("birthDate", "1951-01-01"), ("deceasedBoolean", True)):
        alive = dict(PATIENT, deceasedBoolean=False) if field == "deceasedBoolean" else PATIENT
        r = run(bundle(alive, dict(PATIENT, **{field: value})), "json")
        check(r.returncode == 2 and "disagree" in r.stderr and field.replace("Boolean", "") in r.stderr
              and not r.stdout, "two Patients p1 differing in %s: an error (%d, %s)" % (
                  field, r.returncode, r.stderr.strip()))
    rec, r = record(bundle(PATIENT, dict(PATIENT), tscore("o1", -2.5)))
    check(rec and rec["sex"] == "female" and len(rec["bmd"]) == 1, "two identical copies of a Patient: one patient")
    r = run(bundle(dict(PATIENT, deceasedBoolean=False), dict(PATIENT, deceasedDateTime="2020-01-01")), "json")
    check(r.returncode == 2 and "disagree on deceased" in r.stderr, "alive in one copy, a death date in the other")
    r = run(bundle(PATIENT, dict(PATIENT, deceasedDateTime="2020-01-01")), "json")
    check(r.returncode == 3 and "deceased" in r.stderr, "a death date one copy leaves out is taken from the other")
    # a CDS Hooks prefetch: the Patient after the searches that name it
    rec, r = record({"observations": bundle(tscore("o1", -2.6)), "patient": PATIENT})
    check(rec and len(rec["bmd"]) == 1, "a prefetch with the Patient after its searches")


def order(rid, **med):
    r = {"resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
         "subject": {"reference": "Patient/p1"}, "authoredOn": "2025-01-01"}
    r.update(med)
    return r


def test_medication_reference():
    med = {"resourceType": "Medication", "id": "aln", "code": ALN}
    cases = (
        ("contained", bundle(PATIENT, order("r1", medicationReference={"reference": "#m"},
                                            contained=[dict(med, id="m")]))),
        ("Medication/<id> in the Bundle", bundle(PATIENT, med, order("r1", medicationReference={
            "reference": "Medication/aln"}))),
        ("absolute URL", bundle(PATIENT, order("r1", medicationReference={
            "reference": "https://ehr.example.org/fhir/Medication/aln"}), med,
            full_urls=[None, None, "https://ehr.example.org/fhir/Medication/aln"])),
        ("absolute URL on the Medication's server", bundle(PATIENT, order("r1", medicationReference={
            "reference": "https://ehr.example.org/fhir/Medication/aln/_history/1"}), med,
            full_urls=[None, None, "https://ehr.example.org/fhir/Medication/aln"])),
        ("identical duplicates", bundle(PATIENT, med, dict(med), order("r1", medicationReference={
            "reference": "Medication/aln"}))),
        ("urn:uuid fullUrl", bundle(PATIENT, order("r1", medicationReference={"reference": "urn:uuid:m-1"}),
                                    dict(med, id="other"), full_urls=[None, None, "urn:uuid:m-1"])),
        ("prefetch", {"patient": PATIENT, "medicationRequests": bundle(order("r1", medicationReference={
            "reference": "Medication/aln"}), med)}),
        ("R5 medication.reference", bundle(PATIENT, med, order("r1", medication={"reference": {
            "reference": "Medication/aln"}}))),
    )
    for what, doc in cases:
        rec, r = record(doc)
        check(rec and [t["agent"] for t in rec["therapies"]] == ["alendronate"],
              "medicationReference (%s): mapped like a code (%s)" % (what, rec and rec["therapies"] or r.stderr))
    # another server's Medication of the same id, or a path: not this one
    for ref in ("https://other.example/fhir/Medication/aln", "Medication/x/_history/../../Medication/aln"):
        rec, r = record(bundle(PATIENT, med, order("r1", medicationReference={"reference": ref}),
                               full_urls=["https://ehr.example.org/fhir/Patient/p1",
                                          "https://ehr.example.org/fhir/Medication/aln", None]))
        check(rec and rec["therapies"] == [] and "Medication not in the input" in notes(rec),
              "medicationReference %s: not followed, noted (%s)" % (ref, notes(rec) or r.stderr))
    # two Medications with one id and different codes: which is meant cannot be told
    zol = {"coding": [{"system": RXNORM, "code": "77655", "display": "zoledronic acid"}]}
    for order_first in (False, True):
        res = [med, dict(med, code=zol)]
        doc = bundle(PATIENT, *(res[::-1] if order_first else res), order("r1", medicationReference={
            "reference": "Medication/aln", "display": "alendronate"}))
        rec, r = record(doc)
        check(rec and rec["therapies"] == [] and "two Medications with one id and different codes" in notes(rec),
              "duplicate Medication ids with different codes: the order skipped, noted (%s)" % (
                  rec and rec["therapies"] or r.stderr, ))
    rec, r = record(bundle(PATIENT, order("r1", medicationReference={"reference": "Medication/nowhere"})))
    check(rec and rec["therapies"] == [] and "Medication not in the input" in notes(rec) and
          "Medication/nowhere" in notes(rec), "an unresolvable medicationReference is noted: %s" % notes(rec))
    rec, r = record(bundle(PATIENT, order("r1", medicationReference={"reference": "Medication/nowhere",
                                                                     "display": "Alendronate Sodium 70 MG"})))
    check(rec and [t["agent"] for t in rec["therapies"]] == ["alendronate"] and "ingredient name" in notes(rec),
          "an unresolvable medicationReference with a display: read by ingredient name, noted")
    rec, r = record(bundle(PATIENT, order("r1", medicationReference={"reference": "Medication/nowhere",
                                                                     "display": "lisinopril 10 MG"})))
    check(rec and rec["therapies"] == [] and "not a drug osteoplan uses (e.g. Medication/nowhere 'lisinopril 10 MG')"
          in notes(rec), "an unresolvable reference naming another drug: noted as such: %s" % notes(rec))


def test_incomplete():
    paged = bundle(PATIENT, tscore("o1", -2.6))
    paged["type"] = "searchset"
    paged["link"] = [{"relation": "self", "url": "https://ehr.example.org/fhir/Observation?patient=p1"},
                     {"relation": "next", "url": "https://ehr.example.org/fhir/Observation?patient=p1&page=2"}]
    failed = {"patient": PATIENT, "observations": bundle(tscore("o1", -2.6)),
              "conditions": {"resourceType": "OperationOutcome", "issue": [
                  {"severity": "error", "code": "timeout", "diagnostics": "search timed out"}]}}
    outcome_entry = bundle(PATIENT, tscore("o1", -2.6), {"resourceType": "OperationOutcome", "issue": [
        {"severity": "fatal", "code": "exception", "diagnostics": "too costly"}]})
    for what, doc, words in (("a Bundle with link next", paged, "the Observation search was not complete"),
                             ("a prefetch answered by an OperationOutcome", failed,
                              "the conditions search was not complete"),
                             ("an OperationOutcome entry with a fatal issue", outcome_entry,
                              "search was not complete")):
        r = run(doc, "json")
        plan = json.loads(r.stdout) if r.returncode == 0 else {}
        check(plan.get("incomplete_input") is True and any(words in n for n in plan.get("input_notes", [])),
              "%s: incomplete_input and a note (%s)" % (what, plan.get("input_notes") or r.stderr))
        for fmt, mark in (("text", "INCOMPLETE INPUT"), ("markdown", "INCOMPLETE INPUT"),
                          ("html", "INCOMPLETE INPUT")):
            out = run(doc, fmt).stdout
            head = out[:out.find("Decision") if "Decision" in out else 0]
            check(mark in head, "%s: the %s rendering says so before the decision" % (what, fmt))
        rec, _ = record(doc)
        check(rec and rec["extensions"].get("incomplete_input") is True, "%s: --format record marks it" % what)
    # a search nested deeper than the reader looks: the input is not known to be whole
    deep = dict(paged)
    for _ in range(10):
        deep = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": deep}]}
    r = run(deep, "json")
    plan = json.loads(r.stdout) if r.returncode == 0 else {}
    check(plan.get("incomplete_input") is True and any("not read whole" in n for n in plan.get("input_notes", [])),
          "10 nested Bundles around a paged search: incomplete_input and a note (%s)" % (
              plan.get("input_notes") or r.stderr))
    # complete input: false, and no line
    r = run(bundle(PATIENT, tscore("o1", -2.6)), "json")
    plan = json.loads(r.stdout) if r.returncode == 0 else {}
    check(plan.get("incomplete_input") is False, "complete input: incomplete_input false")
    check("INCOMPLETE" not in run(bundle(PATIENT, tscore("o1", -2.6)), "text").stdout, "complete input: no line")
    # an information issue beside a good search is not a failure
    info = bundle(PATIENT, tscore("o1", -2.6), {"resourceType": "OperationOutcome", "issue": [
        {"severity": "information", "code": "informational", "diagnostics": "searched 1 server"}]})
    r = run(info, "json")
    check(r.returncode == 0 and json.loads(r.stdout).get("incomplete_input") is False,
          "an informational OperationOutcome entry: complete")
    # the record form of a plan also has the key (always present)
    rr = subprocess.run([BIN, "assess", "--format", "json", "-"], capture_output=True, text=True,
                        input=json.dumps({"sex": "female", "age": 70, "as_of": AS_OF}))
    check(rr.returncode == 0 and json.loads(rr.stdout).get("incomplete_input") is False,
          "a plan from a record: incomplete_input false")
    # a failed Patient search explains the missing Patient
    r = run({"patient": {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "forbidden"}]},
             "observations": bundle(tscore("o1", -2.6))}, "json")
    check(r.returncode == 2 and "patient search was not complete" in r.stderr,
          "a Patient search answered by an error: said in the error (%s)" % r.stderr.strip())


def main():
    test_one_patient()
    test_medication_reference()
    test_incomplete()
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
