#!/usr/bin/env python3
"""Who the patient is, and where it must never go: records with a
recognisable name ("Zyxwv Qutsr") and MRN ("MRN-7777777") through assess
(every format and audience), screen (NDJSON and CSV, good and bad lines),
the FHIR path (assess --input fhir, screen --input fhir), OMOP (screen
--input omop) and serve (/api/assess and a CDS Hooks call). Standard output
carries them where it should; standard error, the server's log and every
error message never do, whatever is wrong with the record.

OSTEOPLAN_IDENTITY_WRONG=1 turns every check around: each must then fail
(the proof that none of them passes by construction).

usage: test_identity.py OSTEOPLAN
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
import serving  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
AS_OF = "2026-11-01"
NAME, MRN = "Zyxwv Qutsr", "MRN-7777777"
# any of these in a log or an error is a leak (the name's halves, the MRN's digits, the system)
SECRETS = ["Zyxwv", "Qutsr", "7777777", "urn:secret-hospital"]
WRONG = os.environ.get("OSTEOPLAN_IDENTITY_WRONG") == "1"
FAILS = []
MR = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]}


def check(ok, what):
    if WRONG:
        ok = not ok
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


def leaks(text):
    return [s for s in SECRETS if s in text]


def run(args, data=None):
    p = subprocess.run([BIN, *args], input=data, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def record(**extra):
    r = {"id": "p-1", "name": NAME, "as_of": AS_OF, "sex": "female", "age": 72,
         "identifiers": [{"system": "urn:other", "value": "X-1"},
                         {"system": "urn:secret-hospital", "value": MRN, "type": "MR"}],
         "bmd": [{"site": "total_hip", "t_score": -2.7, "date": "2026-10-01"}]}
    r.update(extra)
    return r


# records whose name or identifiers are wrong in every way the reader refuses,
# and records whose other fields are wrong while name and MRN are fine
BAD = {
    "name with ESC": record(name="Zyxwv\u001bQutsr"),
    "name with a line break": record(name="Zyxwv\nQutsr"),
    "name with C1": record(name="Zyxwv\u009bQutsr"),
    "name too long": record(name=NAME * 20),
    "name a number": record(name=7777777),
    "name an object": record(name={"text": NAME}),
    "identifiers not a list": record(identifiers={"system": "urn:secret-hospital", "value": MRN}),
    "identifier a string": record(identifiers=[MRN]),
    "identifier value a number": record(identifiers=[{"system": "urn:secret-hospital", "value": 7777777}]),
    "identifier value too long": record(identifiers=[{"system": "urn:secret-hospital", "value": MRN * 20}]),
    "identifier value with CR": record(identifiers=[{"system": "urn:secret-hospital", "value": MRN + "\r"}]),
    "identifier without value": record(identifiers=[{"system": "urn:secret-hospital", "type": "MR"}]),
    "identifier unknown member": record(identifiers=[{"system": "urn:secret-hospital", "value": MRN, "mrn": MRN}]),
    "identifier type a list": record(identifiers=[{"system": "urn:secret-hospital", "value": MRN, "type": ["MR"]}]),
    "too many identifiers": record(identifiers=[{"system": "urn:secret-hospital", "value": MRN}] * 21),
    "bad sex, good name": record(sex="unknown"),
    "bad date, good name": record(bmd=[{"site": "total_hip", "t_score": -2.7, "date": "2026-02-30"}]),
    "unknown field, good name": record(nickname="Qutsr"),
}


def test_assess():
    path = os.path.join(TMP, "rec.json")
    json.dump(record(), open(path, "w"))
    for fmt in ("json", "text", "markdown", "html"):
        for aud in ("clinician", "patient"):
            rc, out, err = run(["assess", "--format", fmt, "--audience", aud, path])
            want = [NAME] + ([MRN] if aud == "clinician" or fmt == "json" else [MRN])
            check(rc == 0 and all(w in out for w in want), "assess %s %s: the plan names the patient and the MRN"
                  % (fmt, aud))
            check(not leaks(err), "assess %s %s: nothing of them on stderr %s" % (fmt, aud, leaks(err)))
    plan = json.loads(run(["assess", "--format", "json", path])[1])
    check(plan.get("patient", {}).get("name") == NAME and plan["patient"].get("mrn") == MRN
          and len(plan["patient"].get("identifiers", [])) == 2, "plan JSON: patient {name, mrn, identifiers}")
    for what, rec in BAD.items():
        rc, out, err = run(["assess", "--format", "json", "-"], json.dumps(rec))
        check(rc == 2 and out == "" and "invalid record" in err and not leaks(err),
              "assess, %s: refused, the field named, nothing of them on stderr (%s)" % (what, err.strip()[:160]))


def test_screen():
    good = [record(id="g-%d" % i) for i in range(3)] + [{"id": "no-name", "as_of": AS_OF, "sex": "male", "age": 80}]
    lines = [json.dumps(r) for r in good[:2]] + [json.dumps(r) for r in BAD.values()] + \
        [json.dumps(good[2])[:-30], json.dumps(good[2]), json.dumps(good[3])]  # a cut line: not valid JSON
    path = os.path.join(TMP, "screen.ndjson")
    open(path, "w").write("\n".join(lines) + "\n")
    rc, out, err = run(["screen", "--threads", "2", path])
    rows = [json.loads(x) for x in out.splitlines()]
    check(rc == 0 and len(rows) == 4 and all(r.get("name") == NAME and r.get("mrn") == MRN for r in rows[:3]),
          "screen NDJSON: name and mrn on every good line")
    check("name" not in rows[-1] and "mrn" not in rows[-1] and list(rows[-1])[0] == "patient_id",
          "screen NDJSON: a record without them has neither key")
    bad_reports = [x for x in err.splitlines() if x.startswith("line ")]
    check(len(bad_reports) == len(BAD) + 1, "screen: every bad line reported (%d)" % len(bad_reports))
    check(not leaks(err), "screen: nothing of them in the bad-line reports or the summary %s" % leaks(err))
    rc, out, err = run(["screen", "--format", "csv", path])
    table = list(csv.reader(io.StringIO(out)))
    check(table[0][-2:] == ["name", "mrn"] and table[0][:7] == ["patient_id", "risk", "action", "first_agent",
                                                                "alerts", "findings", "gaps"],
          "screen CSV: name and mrn are the last columns, the first seven as before")
    check(all(r[-2:] == [NAME, MRN] for r in table[1:4]) and table[4][-2:] == ["", ""],
          "screen CSV: name and MRN in their columns, empty when the record has none")
    check(not leaks(err), "screen CSV: nothing of them on stderr")
    # a name a spreadsheet would run, and quotes and commas
    rc, out, err = run(["screen", "--format", "csv", "-"], json.dumps(record(name='=HYPERLINK("x"), Zyxwv')))
    cell = list(csv.reader(io.StringIO(out)))[1][-2]
    check(cell == "'" + '=HYPERLINK("x"), Zyxwv', "screen CSV: a formula-like name is text (%r)" % cell)


def patient(pid="pt-1", **extra):
    p = {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1954-03-02",
         "name": [{"use": "old", "family": "Oldname", "given": ["Zyxwv"]},
                  {"use": "official", "family": "Qutsr", "given": ["Zyxwv"]}],
         "identifier": [{"type": MR, "system": "urn:secret-hospital", "value": MRN},
                        {"use": "old", "type": MR, "system": "urn:secret-hospital", "value": "OLD-7777777"}]}
    p.update(extra)
    return p


def test_fhir():
    def assess(res, fmt="record"):
        b = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in res]}
        return run(["assess", "--input", "fhir", "--format", fmt, "--as-of", AS_OF, "-"], json.dumps(b))
    rc, out, err = assess([patient()])
    rec = json.loads(out) if rc == 0 else {}
    check(rec.get("name") == NAME and rec.get("identifiers") == [
        {"system": "urn:secret-hospital", "value": MRN, "type": "MR"}],
        "FHIR: the official name, the MR identifier (use old left out) (%s)" % out[:300])
    check(not leaks(err), "FHIR: nothing of them on stderr")
    # what cannot be used is a note that does not quote it
    bad = patient(name=[{"text": "Zyxwv\u001bQutsr"}],
                  identifier=[{"type": MR, "system": "urn:secret-hospital", "value": "MRN-7777777" * 20},
                              {"type": MR, "system": "urn:secret-hospital"}])
    rc, out, err = assess([bad], "json")
    plan = json.loads(out) if rc == 0 else {}
    notes = " | ".join(plan.get("input_notes", []))
    check(rc == 0 and "patient" not in plan and "Patient.name not used" in notes and
          "Patient.identifier[0] not used" in notes and "without a system or a value" in notes,
          "FHIR: an unusable name or identifier is a note, the plan is made (%s)" % notes[:400])
    check(not leaks(notes) and not leaks(err), "FHIR: the notes and stderr do not quote them %s" % leaks(notes + err))
    # a Patient that cannot be mapped at all: its error names no name
    rc, out, err = assess([patient(gender="unknown")], "json")
    check(rc == 2 and "gender" in err and not leaks(err), "FHIR not mapped: the error quotes neither (%s)" % err[:200])
    # a Bulk Data export: the good patient's row carries them, the bad one's report does not
    d = os.path.join(TMP, "bulk")
    os.makedirs(d)
    with open(os.path.join(d, "Patient.000.ndjson"), "w") as f:
        f.write(json.dumps(patient("pt-1")) + "\n" + json.dumps(patient("pt-2", gender="other")) + "\n")
        f.write('{"resourceType": "Patient", "id": "pt-3", "name": [{"text": "Zyxwv Qutsr"}], "gender": \n')
    rc, out, err = run(["screen", "--input", "fhir", "--as-of", AS_OF, d])
    rows = [json.loads(x) for x in out.splitlines()]
    check(len(rows) == 1 and rows[0].get("name") == NAME and rows[0].get("mrn") == MRN,
          "screen --input fhir: the row names the patient (%s)" % out[:200])
    check("not mapped" in err and not leaks(err), "screen --input fhir: errors and summary quote neither %s"
          % leaks(err))


def test_omop():
    d = os.path.join(TMP, "omop")
    os.makedirs(d)
    open(os.path.join(d, "person.csv"), "w").write(
        "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,birth_datetime,person_source_value,"
        "gender_source_value\n1,,1950,3,1,,%s,F\n2,,1950,3,1,,OTHER-7777777,X\n" % MRN)
    open(os.path.join(d, "concept.csv"), "w").write(
        "concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,standard_concept,concept_code\n")
    rc, out, err = run(["screen", "--input", "omop", "--as-of", AS_OF, d])
    rows = [json.loads(x) for x in out.splitlines()]
    # person_source_value is an identifier without a type: no MRN in the row
    check(rc == 0 and len(rows) == 1 and "mrn" not in rows[0], "OMOP: person_source_value is no MRN (%s)" % out)
    check("person 2: not mapped" in err and not leaks(err), "OMOP: errors quote no person_source_value %s"
          % leaks(err))


CONFIG = "[jwt]\nrequired = false\n[api]\nopen = true\n"


def test_serve():
    proc, port, log = serving.start(BIN, AS_OF, CONFIG)
    try:
        st, body = serving.call(port, "POST", "/api/assess", record())
        check(st == 200 and body.get("patient", {}).get("name") == NAME, "/api/assess: the plan names the patient")
        st, body = serving.call(port, "POST", "/api/assess?format=html", record())
        check(st == 200 and NAME.encode() in body and MRN.encode() in body, "/api/assess html: name and MRN")
        for what, rec in BAD.items():
            st, body = serving.call(port, "POST", "/api/assess", rec)
            check(st == 422 and not leaks(json.dumps(body)), "/api/assess, %s: 422 quoting neither" % what)
        hook = {"hook": "patient-view", "hookInstance": "i-1",
                "context": {"userId": "Practitioner/1", "patientId": "pt-1"},
                "prefetch": {"patient": patient(),
                             "observations": {"resourceType": "Bundle", "type": "searchset", "entry": []},
                             "conditions": {"resourceType": "Bundle", "type": "searchset", "entry": []},
                             "medicationRequests": {"resourceType": "Bundle", "type": "searchset", "entry": []},
                             "medicationStatements": {"resourceType": "Bundle", "type": "searchset", "entry": []}}}
        st, body = serving.call(port, "POST", "/cds-services/osteoplan-patient-view", hook)
        check(st == 200 and "cards" in body, "CDS Hooks patient-view with a named Patient: cards (%s)" % st)
        hook["prefetch"]["patient"] = patient(gender="unknown")
        st, body = serving.call(port, "POST", "/cds-services/osteoplan-patient-view", hook)
        check(not leaks(json.dumps(body)), "CDS Hooks, Patient not mapped: the answer quotes neither")
        # the name in the path and the query: the access log writes the path only
        serving.call(port, "GET", "/healthz?name=Zyxwv")
    finally:
        text = serving.stop(proc, log)
    check("POST /api/assess 422" in text and "POST /cds-services/osteoplan-patient-view 200" in text,
          "serve: the access log has its lines")
    check(not leaks(text), "serve: the log quotes neither %s" % leaks(text))


def main():
    global TMP
    TMP = tempfile.mkdtemp()
    for t in (test_assess, test_screen, test_fhir, test_omop, test_serve):
        t()
    print("%d failures" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
