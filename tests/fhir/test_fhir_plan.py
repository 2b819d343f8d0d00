#!/usr/bin/env python3
"""The plan as FHIR R4 (issue 18, deliverable 1), end to end.

usage: test_fhir_plan.py OSTEOPLAN NODE

For every vignette of tests/vignettes (and examples/patient.json):
`assess --format fhir` validates against the official FHIR R4 4.0.1 JSON
schema (validate.js, the npm packages `npm ci` installs in tests/fhir), and
the Bundle says what `assess --format json` says: a CarePlan (draft,
proposal, the patient, the plan's date) whose activities resolve to a
MedicationRequest per phase and a ServiceRequest per monitoring item (code,
due date), a DetectedIssue per avoid entry and per critical alert (code,
reasons, every source), the Device and a Provenance naming osteoplan, its
version and the knowledge base's version and review status.

Then `/api/assess?format=fhir` answers the same bytes as application/fhir+json.

Every run shows that the checks can fail: broken Bundles must be rejected
by the validator, and the Bundle checks must fail on a wrong expectation.
"""
import configparser
import copy
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
import serving  # noqa: E402

BIN, NODE = sys.argv[1], sys.argv[2]
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
VALIDATOR = os.path.join(HERE, "validate.js")
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
failures = []
passed = [0]


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    else:
        passed[0] += 1
    return cond


def run(*args, stdin=None):
    p = subprocess.run([BIN, *args], input=stdin, capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def records():
    """(name, record JSON bytes) of every vignette and the example."""
    out = []
    for f in sorted(glob.glob(os.path.join(ROOT, "tests", "vignettes", "*.json"))):
        with open(f) as fh:
            v = json.load(fh)
        out.append((os.path.basename(f)[:-5], json.dumps(v.get("patient", v)).encode()))
    with open(os.path.join(ROOT, "examples", "patient.json"), "rb") as fh:
        out.append(("example", fh.read()))
    # no id: the Bundle carries the Patient the record describes
    rec = json.loads(dict(out)["18_transplant_and_renal"])
    rec.pop("id")
    rec.update(name="Maria Garcia", identifiers=[{"system": "urn:oid:2.16.840.1.113883.19.5", "value": "12345",
                                                  "type": "MR"}])
    out.append(("no_id", json.dumps(rec).encode()))
    return out


def validate(files):
    """(exit status, output) of the validator over the files."""
    p = subprocess.run([NODE, VALIDATOR, *files], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


# ---- the Bundle checks: each returns the faults it finds -----------------

def by_url(bundle):
    return {e["fullUrl"]: e["resource"] for e in bundle["entry"]}


def of_type(bundle, t):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == t]


def refs_resolve(bundle):
    urls = by_url(bundle)
    faults = []
    if len(urls) != len(bundle["entry"]):
        faults.append("fullUrls are not unique")
    for url, r in urls.items():
        if url != "urn:uuid:" + r["id"]:
            faults.append("%s: fullUrl is not urn:uuid:id" % url)
    cp = of_type(bundle, "CarePlan")[0]
    refs = [a["reference"]["reference"] for a in cp.get("activity", [])]
    refs += [s["reference"] for s in cp.get("supportingInfo", [])]
    prov = of_type(bundle, "Provenance")[0]
    refs += [t["reference"] for t in prov["target"]] + [a["who"]["reference"] for a in prov["agent"]]
    faults += ["reference %s resolves to no entry" % r for r in refs if r not in urls]
    # the CarePlan reaches every request and issue, the Provenance every resource
    others = {u for u, r in urls.items() if r["resourceType"] in ("MedicationRequest", "ServiceRequest", "DetectedIssue")}
    if others - set(refs):
        faults.append("entries the CarePlan does not reference: %s" % sorted(others - set(refs)))
    targets = {t["reference"] for t in prov["target"]}
    want = {u for u, r in urls.items() if r["resourceType"] not in ("Provenance", "Device", "Patient")}
    if targets != want:
        faults.append("Provenance targets %d of %d resources" % (len(targets & want), len(want)))
    return faults


def care_plan_faults(bundle, plan, orders):
    faults = []
    cps = of_type(bundle, "CarePlan")
    if len(cps) != 1:
        return ["%d CarePlans" % len(cps)]
    cp = cps[0]
    want = {"status": "draft", "intent": "proposal", "created": plan["as_of"]}
    faults += ["CarePlan.%s %r, expected %r" % (k, cp.get(k), v) for k, v in want.items() if cp.get(k) != v]
    patients = of_type(bundle, "Patient")
    if plan["patient_id"] is not None:
        subject_ok = cp["subject"].get("reference") == "Patient/" + plan["patient_id"] and not patients
    else:  # no id: the Bundle's own Patient entry
        subject_ok = len(patients) == 1 and cp["subject"].get("reference") == "urn:uuid:" + patients[0]["id"]
    if not subject_ok:
        faults.append("CarePlan.subject %r" % cp["subject"])
    if cp.get("period", {}).get("start") != plan["as_of"]:
        faults.append("CarePlan.period.start %r" % cp.get("period"))
    if not cp.get("description") or plan["treatment"]["rationale"] not in cp["description"]:
        faults.append("CarePlan.description lacks the plan's rationale")
    urls = by_url(bundle)
    acts = [urls[a["reference"]["reference"]] for a in cp.get("activity", []) if a["reference"]["reference"] in urls]
    meds = [r for r in acts if r["resourceType"] == "MedicationRequest"]
    phases = [ph for ph in plan["treatment"]["phases"] if ph["options"]]
    if len(meds) != len(phases):
        faults.append("%d MedicationRequests for %d phases" % (len(meds), len(phases)))
    for ph, mr in zip(phases, meds):
        faults += medreq_faults(ph, mr, orders)
    srs = [r for r in acts if r["resourceType"] == "ServiceRequest"]
    got = [(r["code"]["coding"][0]["code"], r.get("occurrenceDateTime")) for r in srs]
    exp = [(m["code"], m["due"]) for m in plan["monitoring"]]
    if got != exp:
        faults.append("ServiceRequests %s, the plan's monitoring %s" % (got, exp))
    for r in srs:
        if (r.get("status"), r.get("intent")) != ("draft", "proposal") or not r["code"].get("text"):
            faults.append("ServiceRequest %s: status/intent/text" % r["code"]["coding"][0]["code"])
    return faults


def kb_orders():
    """agent -> what its MedicationRequest must say, from kb/common/agents.ini
    ([order.X] codes, dose and timing; the route's SNOMED CT code)."""
    ini = configparser.ConfigParser(interpolation=None, strict=False)
    ini.read(os.path.join(ROOT, "kb", "common", "agents.ini"))
    first = lambda v: v.split("|")[0].strip()  # noqa: E731
    out = {}
    for sec in ini.sections():
        if not sec.startswith("agent."):
            continue
        agent, o = sec[6:], ini["order." + sec[6:]] if ini.has_section("order." + sec[6:]) else {}
        codes = [(sysname, first(o[k])) for k, sysname in (("rxnorm_scd", RXNORM), ("rxnorm_in", RXNORM),
                                                           ("atc", ATC)) if k in o]
        route = ini["route." + ini[sec]["route"]]
        dose = first(o["dose_quantity"]).split() if "dose_quantity" in o else None
        timing = first(o["timing"]).split() if "timing" in o else None
        out[agent] = {"codes": codes, "route": first(route["snomed"]) if "snomed" in route else None,
                      "dose": float(dose[0]) if dose else None,
                      "timing": (int(timing[0]), float(timing[1]), timing[2]) if timing else None,
                      "max_months": float(ini[sec].get("max_months", "-1").split("|")[0])}
    return out


def medreq_faults(phase, mr, orders):
    faults = []
    agent = phase["options"][0]["agent"]
    want = orders[agent]
    if (mr.get("status"), mr.get("intent")) != ("draft", "proposal"):
        faults.append("MedicationRequest %s: status %r intent %r" % (agent, mr.get("status"), mr.get("intent")))
    codings = [(c["system"], c["code"]) for c in mr["medicationCodeableConcept"].get("coding", [])]
    if codings != want["codes"]:
        faults.append("MedicationRequest %s: coded %s, the kb %s" % (agent, codings, want["codes"]))
    dosage = mr.get("dosageInstruction", [{}])[0]
    rep = dosage.get("timing", {}).get("repeat", {})
    bounds = rep.get("boundsDuration")
    # a bounded phase by its months, an open-ended one by the agent's course limit if it has one
    months = phase["months"] if phase["months"] is not None else (want["max_months"] if want["max_months"] > 0 else None)
    if months is None and bounds:
        faults.append("MedicationRequest %s: bounded, the phase is open-ended" % agent)
    if months is not None and (not bounds or bounds.get("value") != months or bounds.get("code") != "mo"):
        faults.append("MedicationRequest %s: boundsDuration %r, the phase %r months" % (agent, bounds, months))
    timing = (rep.get("frequency"), rep.get("period"), rep.get("periodUnit")) if "periodUnit" in rep else None
    if timing != want["timing"]:
        faults.append("MedicationRequest %s: timing %r, the kb %r" % (agent, timing, want["timing"]))
    dose = dosage.get("doseAndRate", [{}])[0].get("doseQuantity", {}).get("value")
    if dose != want["dose"]:
        faults.append("MedicationRequest %s: dose %r, the kb %r" % (agent, dose, want["dose"]))
    route = [c["code"] for c in dosage.get("route", {}).get("coding", [])]
    if route != ([want["route"]] if want["route"] else []):
        faults.append("MedicationRequest %s: route %r, the kb %r" % (agent, route, want["route"]))
    return faults


def sources_of(issue):
    return [d["identifier"]["value"] for ev in issue.get("evidence", []) for d in ev.get("detail", [])]


def issue_faults(bundle, plan):
    faults = []
    issues = of_type(bundle, "DetectedIssue")
    avoid = [i for i in issues if i["code"]["coding"][0]["system"] == "urn:osteoplan:detected-issue"]
    alerts = [i for i in issues if i["code"]["coding"][0]["system"] == "urn:osteoplan:alert"]
    if len(avoid) + len(alerts) != len(issues):
        faults.append("DetectedIssues of an unknown kind")
    if len(avoid) != len(plan["avoid"]):
        faults.append("%d avoid issues for %d avoid entries" % (len(avoid), len(plan["avoid"])))
    for a, i in zip(plan["avoid"], avoid):
        got = (i["implicated"][0]["identifier"]["value"],
               [c["coding"][0]["code"] for ev in i.get("evidence", []) for c in ev.get("code", [])], sources_of(i))
        if got != (a["agent"], a["reasons"], a["sources"]):
            faults.append("avoid issue %s, the plan's %s" % (got, (a["agent"], a["reasons"], a["sources"])))
        if i.get("severity") != "high" or not i.get("detail"):
            faults.append("avoid issue %s: severity or detail" % a["agent"])
    crit = [a for a in plan["alerts"] if a["severity"] == "critical"]
    if len(alerts) != len(crit):
        faults.append("%d alert issues for %d critical alerts" % (len(alerts), len(crit)))
    for a, i in zip(crit, alerts):
        got = (i["code"]["coding"][0]["code"], i.get("detail"), sources_of(i), i.get("severity"))
        if got != (a["code"], a["message"], a["sources"], "high"):
            faults.append("alert issue %s, the plan's %s" % (got, (a["code"], a["message"], a["sources"])))
    return faults


def provenance_faults(bundle, plan, version):
    faults = []
    provs, devs = of_type(bundle, "Provenance"), of_type(bundle, "Device")
    if len(provs) != 1 or len(devs) != 1:
        return ["%d Provenance, %d Device" % (len(provs), len(devs))]
    d = devs[0]
    if d["deviceName"][0]["name"] != "osteoplan" or d["version"][0]["value"] != version:
        faults.append("Device %r %r, expected osteoplan %s" % (d["deviceName"], d["version"], version))
    ents = provs[0]["entity"]
    prefix = "urn:osteoplan:knowledge-base-"
    ext = {x["url"][len(prefix):]: next(v for k, v in x.items() if k.startswith("value"))
           for x in ents[0].get("extension", []) if x["url"].startswith(prefix)}
    kbv = plan["knowledge_base"]
    if (ext.get("version"), ext.get("status")) != (kbv["version"], kbv["status"]):
        faults.append("Provenance kb %r, the plan's %r" % (ext, (kbv["version"], kbv["status"])))
    cited = [e["what"]["identifier"]["value"] for e in ents[1:]]
    if cited != list(plan["sources"]):
        faults.append("Provenance sources %s, the plan's %s" % (cited, list(plan["sources"])))
    return faults


def bundle_faults(bundle, plan, version, orders):
    return (refs_resolve(bundle) + care_plan_faults(bundle, plan, orders) + issue_faults(bundle, plan)
            + provenance_faults(bundle, plan, version))


# ---- the runs ----------------------------------------------------------

def self_test(tmp, bundle, plan, version, orders):
    """The validator and the checks fail where they must."""
    broken = {
        "careplan_without_status": lambda b: of_type(b, "CarePlan")[0].pop("status"),
        "careplan_without_subject": lambda b: of_type(b, "CarePlan")[0].pop("subject"),
        "issue_severity_critical": lambda b: of_type(b, "DetectedIssue")[0].update(severity="critical"),
        "request_unknown_field": lambda b: of_type(b, "ServiceRequest")[0].update(dueDate="2027-01-01"),
        "bad_due_date": lambda b: of_type(b, "ServiceRequest")[0].update(occurrenceDateTime="2027-13-01"),
    }
    for name, spoil in broken.items():
        b = copy.deepcopy(bundle)
        spoil(b)
        f = os.path.join(tmp, "broken_%s.json" % name)
        with open(f, "w") as fh:
            json.dump(b, fh)
        rc, out = validate([f])
        check(rc == 1, "the validator accepts %s: %s" % (name, out[-300:]))
        print("validator on %s: %s" % (name, out.strip().splitlines()[0]))
    wrong = copy.deepcopy(plan)
    wrong["monitoring"][0]["due"] = "1999-01-01"
    wrong["avoid"][0]["sources"] = wrong["avoid"][0]["sources"][1:]
    wrong["knowledge_base"]["status"] = "approved"
    wrong["treatment"]["phases"][0]["months"] = 99
    got = bundle_faults(bundle, wrong, version, orders)
    for what in ("ServiceRequests", "avoid issue", "Provenance kb", "boundsDuration"):
        check(any(what in f for f in got), "the Bundle checks miss a wrong %s: %s" % (what, got))
    check(bundle_faults(bundle, plan, version + "x", orders), "the Bundle checks miss a wrong version")
    wrong_orders = copy.deepcopy(orders)
    agent = plan["treatment"]["phases"][0]["options"][0]["agent"]
    wrong_orders[agent]["codes"] = [(RXNORM, "0")] + wrong_orders[agent]["codes"]
    wrong_orders[agent]["dose"] = 1.0
    got = bundle_faults(bundle, plan, version, wrong_orders)
    for what in ("coded", "dose"):
        check(any(what in f for f in got), "the Bundle checks miss a wrong %s: %s" % (what, got))


def server(records_, cli_out):
    """/api/assess?format=fhir answers the CLI's bytes as application/fhir+json."""
    name, rec = records_[0]
    as_of = json.loads(rec)["as_of"]
    proc, port, log = serving.start(BIN, as_of)
    try:
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        c.request("POST", "/api/assess?format=fhir", body=rec, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        body = r.read()
        check(r.status == 200, "format=fhir: status %d" % r.status)
        check(r.getheader("Content-Type") == "application/fhir+json", "format=fhir: %s" % r.getheader("Content-Type"))
        check(body == cli_out[name], "format=fhir: the server's Bundle differs from the CLI's (%s)" % name)
        st, err = serving.call(port, "POST", "/api/assess?format=fhir2", raw=rec)
        check(st == 400 and "fhir" in json.dumps(err), "format=fhir2: %d %r" % (st, err))
    finally:
        serving.stop(proc, log)


def main():
    rc, out, _ = run("--version")
    version = out.decode().split("\n")[0].split()[-1]
    check(rc == 0 and version, "osteoplan --version: %r" % out)
    orders = kb_orders()
    tmp = tempfile.mkdtemp(prefix="fhirplan-")
    files, plans, cli_out = [], {}, {}
    for name, rec in records():
        rc, fh, err = run("assess", "--format", "fhir", "-", stdin=rec)
        rc2, js, err2 = run("assess", "--format", "json", "-", stdin=rec)
        if not check(rc == 0 and rc2 == 0, "%s: assess exits %d/%d: %s%s" % (name, rc, rc2, err, err2)):
            continue
        f = os.path.join(tmp, name + ".fhir.json")
        with open(f, "wb") as fo:
            fo.write(fh)
        files.append(f)
        cli_out[name] = fh
        plans[name] = json.loads(js)
        check(fh == run("assess", "--format", "fhir", "-", stdin=rec)[1], "%s: two runs differ" % name)
    rc, out = validate(files)
    check(rc == 0, "schema validation:\n" + out)
    print("schema: " + out.strip().splitlines()[-1] + " (resources of %d Bundles)" % len(files))
    n = 0
    for f in files:
        name = os.path.basename(f)[:-10]
        with open(f) as fh:
            bundle = json.load(fh)
        for fault in bundle_faults(bundle, plans[name], version, orders):
            check(False, "%s: %s" % (name, fault))
        n += 1
    print("Bundle checks: %d Bundles" % n)
    # a Bundle with every kind of entry (a bounded phase, avoid entries, a
    # critical alert, monitoring) for the self-test
    full = "18_transplant_and_renal"
    with open(os.path.join(tmp, full + ".fhir.json")) as fh:
        self_test(tmp, json.load(fh), plans[full], version, orders)
    server(records(), cli_out)
    shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed[0], len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
