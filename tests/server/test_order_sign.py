#!/usr/bin/env python3
"""order-sign over real HTTP: drugs ordered by medicationReference, no
unfilled placeholder in any card, a bound on draft orders and on the answer,
and the plan's first option offered in place of a drug it advises against:
the replacement applied to the drafts (CDS Hooks delete + create) yields an
order the plan allows, coded and dosed as the knowledge base says.

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
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
KB_AGENTS = os.path.join(HERE, "..", "..", "kb", "common", "agents.ini")


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


def kb_orders(path=KB_AGENTS):
    """agents.ini read here on its own: {agent: {key: value}} of [order.X],
    {route: snomed code} of [route.X], and each agent's route and words."""
    orders, routes, agents, sec = {}, {}, {}, None
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line.startswith("["):
            sec = line[1:-1]
        elif "=" in line and not line.startswith("#") and sec:
            k, v = (x.strip() for x in line.split("=", 1))
            kind, _, name = sec.partition(".")
            table = {"order": orders, "route": routes, "agent": agents}.get(kind)
            if table is not None:
                table.setdefault(name, {})[k] = v
    return orders, {r: v["snomed"].split("|")[0].strip() for r, v in routes.items() if "snomed" in v}, agents


def check_order(rsrc, agent, intent, what, months=None):
    """Every part of a suggested MedicationRequest against agents.ini: the
    RxNorm clinical drug and ingredient under the RxNorm system URL, the ATC
    code, the route's SNOMED CT code, the dose in UCUM, the timing and the
    course's bound (the plan phase's months left for its first option, else
    the agent's max_months)."""
    orders, routes, agents = kb_orders()
    want, ag = orders[agent], agents[agent]
    codes = [(c.get("system"), c.get("code")) for c in rsrc.get("medicationCodeableConcept", {}).get("coding", [])]
    expect = [(RXNORM, want[k].split("|")[0].strip()) for k in ("rxnorm_scd", "rxnorm_in") if k in want]
    expect += [(ATC, want["atc"].split("|")[0].strip())]
    check(codes == expect and all(c and c.isalnum() for _, c in codes),
          "%s: codings %s are the kb's SCD, IN and ATC %s" % (what, codes, expect))
    check(all(c.isdigit() for s, c in codes if s == RXNORM) and any(s == RXNORM for s, _ in codes),
          "%s: RxNorm codes under %s, digits only (%s)" % (what, RXNORM, codes))
    check(not any("[" in (c.get("display") or "") for c in rsrc["medicationCodeableConcept"]["coding"]),
          "%s: no branded drug in a generic order" % what)
    check(rsrc.get("resourceType") == "MedicationRequest" and rsrc.get("status") == "draft" and
          rsrc.get("intent") == intent, "%s: a draft MedicationRequest, intent %s (%s)" % (what, intent, rsrc.get("intent")))
    dos = (rsrc.get("dosageInstruction") or [{}])[0]
    dose_value, ucum = want["dose_quantity"].split("|")[0].split()
    dq = (dos.get("doseAndRate") or [{}])[0].get("doseQuantity", {})
    check(dq.get("value") == float(dose_value) and dq.get("system") == UCUM and dq.get("code") == ucum and
          ag["dose"].startswith(dose_value + " "),
          "%s: doseQuantity %s is the kb's %s %s (UCUM)" % (what, dq, dose_value, ucum))
    route = dos.get("route", {}).get("coding", [{}])[0]
    check(route.get("system") == SNOMED and route.get("code") == routes[ag["route"]],
          "%s: route %s coded %s" % (what, ag["route"], route))
    rep = dos.get("timing", {}).get("repeat", {})
    f, per, unit = want["timing"].split("|")[0].split()
    check((rep.get("frequency"), rep.get("period"), rep.get("periodUnit")) == (int(f), float(per), unit),
          "%s: timing.repeat %s is the kb's %s %s %s" % (what, rep, f, per, unit))
    if months is None and "max_months" in ag:
        months = float(ag["max_months"])
    bd = rep.get("boundsDuration")
    check((bd is None and months is None) or
          (bd and bd.get("value") == months and bd.get("code") == "mo" and bd.get("system") == UCUM),
          "%s: boundsDuration %s is the course's %s months" % (what, bd, months))
    check(dos.get("text", "").startswith(ag["dose"]), "%s: the dosage in words too (%s)" % (what, dos.get("text")))


def apply_suggestion(drafts, sug):
    """The EHR's side of CDS Hooks 2.0: the suggestion's actions, all of
    them, on the draft orders (delete by resourceId, create the resource)."""
    out = list(drafts)
    for act in sug.get("actions", []):
        if act["type"] == "delete":
            gone = {r.split("/", 1)[1] for r in act["resourceId"] if r.startswith("MedicationRequest/")}
            out = [d for d in out if d.get("id") not in gone]
        elif act["type"] == "create":
            out.append(dict(act["resource"], id="rx-new-%d" % len(out)))
    return out


def plan_of(res, with_months=False):
    plan = json.loads(serving_plan(res))
    phase = plan["treatment"]["phases"][0]
    first = phase["options"][0]["agent"]
    avoid = {a["agent"] for a in plan.get("avoid", [])} | {a["agent"] for a in plan.get("not_recommended", [])}
    return (first, avoid, phase.get("months")) if with_months else (first, avoid)


def replace_and_resign(port, pid, res, drafts, ordered, what):
    """Order-sign with drafts of an agent the plan advises against: the
    critical card's suggestion, applied to the drafts, leaves an order of the
    plan's first option only, which signs again without a critical card."""
    first, avoid, months = plan_of(res, True)
    check(ordered in avoid and first not in avoid, "%s fixture: %s avoided, first option %s" % (what, ordered, first))
    st, body = call(port, "POST", OS, request(pid, res, drafts))
    cards = body.get("cards", []) if st == 200 else []
    crit = [c for c in cards if c["indicator"] == "critical" and c.get("suggestions")]
    check(len(crit) == 1, "%s: one critical card with a suggestion (%s)" % (what, [c.get("summary") for c in cards]))
    if not crit:
        return
    card = crit[0]
    sug = card["suggestions"][0]
    after = apply_suggestion(drafts, sug)
    made = [d for d in after if d["id"].startswith("rx-new-")]
    check(len(made) == 1 and len(after) == 1, "%s: after the suggestion one new order, no draft left (%s)" % (
        what, [d["id"] for d in after]))
    if len(made) != 1:
        return
    new = made[0]
    check(new["medicationCodeableConcept"].get("text") == first.replace("_", " ") and first not in avoid,
          "%s: the new order is the plan's first option %s, not an avoided agent" % (what, first))
    check(new.get("subject") == {"reference": "Patient/" + pid}, "%s: the new order's subject" % what)
    check_order(new, first, "order", what, months)
    # its RxNorm codes alone say which drug, as the EHR will store the signed
    # order: read back as a course of the first option (no name fallback)
    rx = [c for c in new["medicationCodeableConcept"]["coding"] if c["system"] == RXNORM]
    coded = dict(new, medicationCodeableConcept={"coding": rx})
    signed = dict(coded, status="active", authoredOn=AS_OF)
    rec = json.loads(assess(res + [signed], "record") or "{}")
    check([t.get("agent") for t in rec.get("therapies", []) if t.get("start") == AS_OF] == [first] and
          not any("by ingredient name" in n for n in rec.get("extensions", {}).get("input_notes", [])),
          "%s: the signed order, by its RxNorm codes %s alone, reads back as %s (%s)" % (
              what, [c["code"] for c in rx], first, rec.get("therapies")))
    st, again = call(port, "POST", OS, request(pid, res, [coded]))
    check(st == 200 and again.get("cards") == [],
          "%s: the new order signs with no card: the plan allows it and puts it first (%s)" % (
              what, [c.get("summary") for c in again.get("cards", [])]))
    reasons = card.get("overrideReasons", [])
    check(reasons and all(r.get("code") and r.get("display") and r.get("system") for r in reasons),
          "%s: override reasons are Codings with a display (%s)" % (what, reasons))


def test_replacement(port):
    pid, res = mi_patient()
    first, _ = plan_of(res)
    check(first != "romosozumab", "fixture: the plan's first option is not romosozumab (%s)" % first)
    d1 = draft(pid, "rx-1", medicationCodeableConcept=ROMO)
    d2 = draft(pid, "rx-2", medicationReference={"reference": "#m"},
               contained=[{"resourceType": "Medication", "id": "m", "code": ROMO}])
    card = critical_romo(*call(port, "POST", OS, request(pid, res, [d1, d2])), "replacement fixture")
    sug = card.get("suggestions") or [{}]
    acts = sug[0].get("actions", [])
    deletes = sorted(x for a in acts if a.get("type") == "delete" for x in a.get("resourceId", []))
    check(deletes == ["MedicationRequest/rx-1", "MedicationRequest/rx-2"],
          "critical card: the suggestion deletes both romosozumab drafts (%s)" % deletes)
    check(card.get("selectionBehavior") == "at-most-one" and sug[0].get("uuid") and sug[0].get("label"),
          "critical card: a CDS Hooks 2.0 suggestion (uuid, label, selectionBehavior)")
    replace_and_resign(port, pid, res, [d1, d2], "romosozumab", "romosozumab after an MI")
    # a current teriparatide course of 10 months: the new order is bounded by the 14 left
    v = json.load(open(os.path.join(VIGNETTES, "02_very_high_recent_vertebral.json")))
    rec = dict(v["patient"], conditions=[{"code": "myocardial_infarction", "date": "2026-06-01"}],
               therapies=[{"agent": "teriparatide", "start": "2026-01-01", "end": None}])
    used = fhir_fixtures.to_fhir(rec)
    first, _, months = plan_of(used, True)
    check(first == "teriparatide" and months == 14, "fixture: teriparatide first, 14 months left (%s, %s)" % (first, months))
    replace_and_resign(port, used[0]["id"], used, [draft(used[0]["id"], "rx-1", medicationCodeableConcept=ROMO)],
                       "romosozumab", "romosozumab after an MI, teriparatide used before")
    # an oral bisphosphonate the plan avoids, for two other routes and timings
    aln = fhir_fixtures.coding(*fhir_fixtures.AGENT["alendronate"])
    for name in ("12_glucocorticoid_bisphosphonate_failure.json", "17_renal_impairment.json"):
        res = fhir_fixtures.to_fhir(json.load(open(os.path.join(VIGNETTES, name)))["patient"])
        check(res is not None, "%s converts to FHIR" % name)
        if res is not None:
            pid = res[0]["id"]
            replace_and_resign(port, pid, res, [draft(pid, "rx-a", medicationCodeableConcept=aln)], "alendronate", name)


def test_patient_view_order(port):
    """The patient-view suggestion's draft: intent proposal, structured the same way."""
    res = fhir_fixtures.to_fhir(json.load(open(os.path.join(VIGNETTES, "01_naive_high_tscore.json")))["patient"])
    pid = res[0]["id"]
    first, _ = plan_of(res)
    body = {"hook": "patient-view", "hookInstance": "inst-pv-" + pid,
            "context": {"userId": "Practitioner/dr-1", "patientId": pid}, "prefetch": fhir_fixtures.prefetch_of(res)}
    st, out = call(port, "POST", "/cds-services/osteoplan-patient-view", body)
    sugs = [sg for c in out.get("cards", []) for sg in c.get("suggestions", [])] if st == 200 else []
    creates = [a["resource"] for sg in sugs for a in sg.get("actions", []) if a.get("type") == "create"]
    check(len(creates) == 1, "patient-view: one draft order suggested (%s)" % st)
    if creates:
        check_order(creates[0], first, "proposal", "patient-view " + first)


def assess(res, fmt):
    import subprocess
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in res]}
    return subprocess.run([BIN, "assess", "--input", "fhir", "--as-of", AS_OF, "--format", fmt, "-"],
                          input=json.dumps(bundle), capture_output=True, text=True).stdout


def serving_plan(res):
    return assess(res, "json")


def main():
    proc, port, log = serving.start(BIN, AS_OF, "[server]\nbody_limit_bytes = 4194304\n")
    try:
        test_by_reference(port)
        test_no_placeholder(port)
        test_bounds(port)
        test_replacement(port)
        test_patient_view_order(port)
    finally:
        text = serving.stop(proc, log)
    check(proc.returncode == 0, "server stopped cleanly (%s): %s" % (proc.returncode, text[-500:]))
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
