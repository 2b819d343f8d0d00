#!/usr/bin/env python3
"""order-sign over real HTTP: drugs ordered by medicationReference, no
unfilled placeholder in any card, a bound on draft orders and on the answer,
and the plan's first option offered in place of a drug it advises against.

usage: test_order_sign.py OSTEOPLAN
"""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fhir_fixtures  # noqa: E402
import serving  # noqa: E402
from checks import check, failures  # noqa: E402
from serving import call  # noqa: E402

BIN = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
VIGNETTES = os.path.join(HERE, "..", "vignettes")
AS_OF = "2026-11-01"
OS = "/cds-services/osteoplan-order-sign"
ATC = "http://www.whocc.no/atc"
ROMO = {"coding": [{"system": ATC, "code": "M05BX06", "display": "romosozumab"}], "text": "Evenity"}


def request(pid, resources, drafts, extra_prefetch=None):
    prefetch = fhir_fixtures.prefetch_of(resources)
    prefetch.update(extra_prefetch or {})
    entries = [d if "resource" in d else {"resource": d} for d in drafts]
    return {"hook": "order-sign", "hookInstance": "inst-os-" + pid,
            "context": {"userId": "Practitioner/dr-1", "patientId": pid,
                        "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": entries}},
            "prefetch": prefetch}


def draft(pid, rid, **med):
    d = {"resourceType": "MedicationRequest", "id": rid, "status": "draft", "intent": "order",
         "subject": {"reference": "Patient/" + pid}}
    d.update(med)
    return d


def mi_patient():
    """Vignette 02 with a myocardial infarction five months before as_of:
    romosozumab is to be avoided."""
    v = json.load(open(os.path.join(VIGNETTES, "02_very_high_recent_vertebral.json")))
    rec = dict(v["patient"], conditions=[{"code": "myocardial_infarction", "date": "2026-06-01"}])
    res = fhir_fixtures.to_fhir(rec)
    return res[0]["id"], res


def critical_romo(st, body, what):
    cards = body.get("cards", []) if st == 200 and isinstance(body, dict) else []
    crit = [c for c in cards if c["indicator"] == "critical" and "romosozumab" in c["summary"]]
    check(len(crit) == 1 and crit[0].get("overrideReasons"),
          "%s: a critical card naming romosozumab (status %s, cards %s)" % (
              what, st, [c.get("summary") for c in cards]))
    return crit[0] if crit else {}


def test_by_reference(port):
    pid, res = mi_patient()
    # contained in the draft order
    d = draft(pid, "rx-1", medicationReference={"reference": "#med1"},
              contained=[{"resourceType": "Medication", "id": "med1", "code": ROMO}])
    critical_romo(*call(port, "POST", OS, request(pid, res, [d])), "romosozumab by contained reference")
    # a Medication entry of the draftOrders Bundle, by Medication/<id>
    med = {"resourceType": "Medication", "id": "evenity", "code": ROMO}
    d = draft(pid, "rx-2", medicationReference={"reference": "Medication/evenity"})
    critical_romo(*call(port, "POST", OS, request(pid, res, [d, med])), "romosozumab by Medication/<id>")
    # by urn:uuid, the entry's fullUrl
    uuid = "urn:uuid:6f1d1c8e-2b7a-4d7e-9f51-0c3a7e3b9a10"
    d = draft(pid, "rx-3", medicationReference={"reference": uuid})
    critical_romo(*call(port, "POST", OS, request(pid, res, [d, {"fullUrl": uuid, "resource": dict(med, id="x")}])),
                  "romosozumab by urn:uuid fullUrl")
    # a Medication in the prefetch
    d = draft(pid, "rx-4", medicationReference={"reference": "Medication/evenity"})
    pf = {"medications": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": med}]}}
    critical_romo(*call(port, "POST", OS, request(pid, res, [d], pf)), "romosozumab by reference into the prefetch")
    # a reference that leads nowhere but names the drug: read by ingredient name
    d = draft(pid, "rx-6", medicationReference={"reference": "Medication/gone",
                                                "display": "romosozumab-aqqg 105 MG/1.17 ML Prefilled Syringe"})
    critical_romo(*call(port, "POST", OS, request(pid, res, [d])), "romosozumab by a reference's display")
    d = draft(pid, "rx-7", medicationReference={"reference": "Medication/gone", "display": "lisinopril 10 MG"})
    st, body = call(port, "POST", OS, request(pid, res, [d]))
    check(st == 200 and body["cards"] == [], "another drug by a reference's display: no card (%s)" % body)
    # a reference that leads nowhere: said, never silently unchecked
    d = draft(pid, "rx-5", medicationReference={"reference": "Medication/missing"})
    st, body = call(port, "POST", OS, request(pid, res, [d]))
    cards = body.get("cards", []) if st == 200 else []
    check(len(cards) == 1 and cards[0]["indicator"] == "warning" and "Medication/missing" in cards[0]["summary"],
          "an unresolvable medicationReference gets a card saying it was not checked (%s)" % cards)
    # two Medications with one id and different codes, in either order: not checked, never the first one
    aln = {"coding": [{"system": ATC, "code": "M05BA04", "display": "alendronic acid"}]}
    pair = [med, dict(med, code=aln)]
    for what, meds in (("romosozumab first", pair), ("alendronate first", pair[::-1])):
        d = draft(pid, "rx-8", medicationReference={"reference": "Medication/evenity"})
        st, body = call(port, "POST", OS, request(pid, res, [d] + meds))
        cards = body.get("cards", []) if st == 200 else []
        check(len(cards) == 1 and cards[0]["indicator"] == "warning" and "Medication/evenity" in cards[0]["summary"],
              "duplicate Medication ids with different codes (%s): a card saying not checked (%s)" % (what, cards))
    # identical duplicates are one drug
    d = draft(pid, "rx-9", medicationReference={"reference": "Medication/evenity"})
    critical_romo(*call(port, "POST", OS, request(pid, res, [d, med, dict(med)])), "identical duplicate Medications")


def all_strings(x):
    if isinstance(x, str):
        yield x
    elif isinstance(x, dict):
        for k, v in x.items():
            yield from all_strings(k)
            yield from all_strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from all_strings(v)


def test_no_placeholder(port):
    """Every agent ordered for every vignette convertible to FHIR (and the MI
    patient): no card text holds '{' or '}'."""
    agents = fhir_fixtures.AGENT
    cases = [mi_patient()]
    for name in sorted(n for n in os.listdir(VIGNETTES) if n.endswith(".json")):
        res = fhir_fixtures.to_fhir(json.load(open(os.path.join(VIGNETTES, name)))["patient"])
        if res is not None:
            cases.append((res[0]["id"], res))
    n_cards = n_crit = 0
    for pid, res in cases:
        drafts = [draft(pid, "rx-%s" % a, medicationCodeableConcept=fhir_fixtures.coding(*agents[a])) for a in agents]
        st, body = call(port, "POST", OS, request(pid, res, drafts))
        check(st == 200, "%s: order-sign of every agent answered 200 (%s)" % (pid, st))
        if st != 200:
            continue
        for card in body["cards"]:
            n_cards += 1
            n_crit += card["indicator"] == "critical"
            bad = [s for s in all_strings(card) if re.search(r"[{}]", s)]
            check(not bad, "%s: a card text with a placeholder: %s" % (pid, [b[:120] for b in bad][:2]))
    check(n_cards >= 20 and n_crit >= 5, "placeholder scan saw %d cards, %d critical" % (n_cards, n_crit))


def test_bounds(port):
    pid, res = mi_patient()
    romo = lambda i: draft(pid, "rx-%d" % i, medicationCodeableConcept=ROMO)
    st, body = call(port, "POST", OS, request(pid, res, [romo(i) for i in range(51)]))
    check(st == 400 and "draftOrders" in body.get("error", ""), "51 draft orders: 400 naming draftOrders (%s)" % st)
    # the size of the reported request (860 KB): refused, not answered with megabytes
    many = request(pid, res, [romo(i) for i in range(5000)])
    st, body = call(port, "POST", OS, raw=json.dumps(many).encode(), timeout=60)
    check(st in (400, 413) and isinstance(body, dict) and len(json.dumps(body)) < 4096,
          "5000 draft orders: a short 400, not a huge answer (%s)" % st)
    # 50 drafts of one avoided drug: one card, the plan's detail once (was 50 copies, 325 KB)
    st, body = call(port, "POST", OS, request(pid, res, [romo(i) for i in range(50)]))
    size = len(json.dumps(body))
    check(st == 200 and len(body["cards"]) == 1 and size < 64 * 1024,
          "50 romosozumab drafts: one card, answer under 64 KiB (%s, %d bytes)" % (st, size))
    # 50 drafts of every agent: one card per agent, a bounded answer
    agents = list(fhir_fixtures.AGENT)
    drafts = [draft(pid, "rx-%d" % i, medicationCodeableConcept=fhir_fixtures.coding(
        *fhir_fixtures.AGENT[agents[i % len(agents)]])) for i in range(50)]
    st, raw = call(port, "POST", OS, raw=json.dumps(request(pid, res, drafts)).encode())
    size = len(json.dumps(raw))
    cards = raw.get("cards", []) if st == 200 else []
    check(st == 200 and len(cards) <= len(agents), "50 drafts: at most one card per agent (%d cards)" % len(cards))
    check(size < 200 * 1024, "50 drafts: answer under 200 KiB (%d bytes)" % size)


def test_replacement(port):
    pid, res = mi_patient()
    plan = json.loads(serving_plan(res))
    first = plan["treatment"]["phases"][0]["options"][0]["agent"]
    check(first != "romosozumab", "fixture: the plan's first option is not romosozumab (%s)" % first)
    d1 = draft(pid, "rx-1", medicationCodeableConcept=ROMO)
    d2 = draft(pid, "rx-2", medicationReference={"reference": "#m"},
               contained=[{"resourceType": "Medication", "id": "m", "code": ROMO}])
    card = critical_romo(*call(port, "POST", OS, request(pid, res, [d1, d2])), "replacement fixture")
    sug = card.get("suggestions") or [{}]
    acts = sug[0].get("actions", [])
    deletes = sorted(x for a in acts if a.get("type") == "delete" for x in a.get("resourceId", []))
    creates = [a for a in acts if a.get("type") == "create"]
    check(deletes == ["MedicationRequest/rx-1", "MedicationRequest/rx-2"],
          "critical card: the suggestion deletes both romosozumab drafts (%s)" % deletes)
    rsrc = creates[0].get("resource", {}) if len(creates) == 1 else {}
    cc = rsrc.get("medicationCodeableConcept", {})
    check(rsrc.get("resourceType") == "MedicationRequest" and rsrc.get("status") == "draft" and
          rsrc.get("subject") == {"reference": "Patient/" + pid} and cc.get("coding") and
          cc.get("text") == first.replace("_", " "),
          "critical card: the suggestion creates a coded draft of the plan's first option %s (%s)" % (first, rsrc))
    check(card.get("selectionBehavior") == "at-most-one" and sug[0].get("uuid") and sug[0].get("label"),
          "critical card: a CDS Hooks 2.0 suggestion (uuid, label, selectionBehavior)")


def serving_plan(res):
    import subprocess
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in res]}
    return subprocess.run([BIN, "assess", "--input", "fhir", "--as-of", AS_OF, "--format", "json", "-"],
                          input=json.dumps(bundle), capture_output=True, text=True).stdout


def main():
    proc, port, log = serving.start(BIN, AS_OF, "[server]\nbody_limit_bytes = 4194304\n")
    try:
        test_by_reference(port)
        test_no_placeholder(port)
        test_bounds(port)
        test_replacement(port)
    finally:
        text = serving.stop(proc, log)
    check(proc.returncode == 0, "server stopped cleanly (%s): %s" % (proc.returncode, text[-500:]))
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
