#!/usr/bin/env python3
"""Differential check of two `osteoplan serve` binaries: the same hook
requests (every vignette as FHIR, with unrelated history, with markup and
control characters in the record's text, with prefetch keys left out, as
order-sign with draft orders, the Synthea patients whole, and malformed
bodies) sent to both; the answers must be identical: status, Content-Type
and body, card ids masked (random per answer).

usage: diff_serve.py OLD_BINARY NEW_BINARY [VIGNETTE_DIR...]
Exit 0 when every answer agrees; prints the requests counted and the first
differences."""
import copy
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fhir_fixtures  # noqa: E402
import serving  # noqa: E402

AS_OF = "2026-11-01"
PV = "/cds-services/osteoplan-patient-view"
OS = "/cds-services/osteoplan-order-sign"
SYNTHEA = os.path.join(HERE, "..", "data", "fhir", "synthea-bulk-10")
# text a Markdown detail must keep inert, and control characters (C0, DEL, C1)
ODD = ["a*b_c`d[e]f<g>h#i|j&k~l!m\\n", "line\nbreak\ttab\x7fdel", "c1 \u0085 and \u009b csi",
       "\u00c2\u00a0nbsp \u00e9t\u00e9", "1. starts a list", "- dash", "= setext", "  +plus"]


def synthea():
    """The Synthea patients' resources, by patient id."""
    by = {}
    for t in ("Patient", "Condition", "MedicationRequest", "Observation"):
        path = os.path.join(SYNTHEA, t + ".000.ndjson")
        if not os.path.exists(path):
            continue
        for line in open(path):
            r = json.loads(line)
            pid = r["id"] if t == "Patient" else r.get("subject", {}).get("reference", "").split("/")[-1]
            by.setdefault(pid, []).append(r)
    return by


def hook(name, pid, res, drafts=None, keys=None):
    return fhir_fixtures.hook_request(name, pid, res, drafts, keys, instance="diff-%s" % pid)


def oddify(res, text):
    """res with text in every display and code text it has, and an unknown
    medication named by it (its note quotes the record)."""
    res = copy.deepcopy(res)
    for r in res:
        for k in ("code", "medicationCodeableConcept"):
            for c in r.get(k, {}).get("coding", []):
                c["display"] = text
    pid = res[0]["id"]
    res.append({"resourceType": "MedicationRequest", "id": "odd-1", "status": "active", "intent": "order",
                "subject": {"reference": "Patient/" + pid}, "authoredOn": "2025-01-01",
                "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                          "code": "999999", "display": text}], "text": text}})
    return res


def requests(dirs):
    """(path, body bytes) of every request."""
    out = []
    others = []
    people = synthea()
    for pid, res in sorted(people.items()):
        others += [r for r in res if r["resourceType"] in ("Condition", "MedicationRequest")][:4]
        if any(r["resourceType"] == "Patient" for r in res):
            res = sorted(res, key=lambda r: r["resourceType"] != "Patient")
            out.append((PV, hook("patient-view", pid, res)))
    drafts_of = [("alendronate", "904421"), ("denosumab", "993458"), ("zoledronic", "1114085")]
    n_vign = 0
    for d in dirs:
        for name in sorted(n for n in os.listdir(d) if n.endswith(".json")):
            v = json.load(open(os.path.join(d, name)))
            rec = v.get("patient", v)
            try:
                res = fhir_fixtures.to_fhir(rec, AS_OF)
            except Exception:  # a record the fixtures cannot write
                res = None
            if not res:
                continue
            n_vign += 1
            pid = res[0]["id"]
            out.append((PV, hook("patient-view", pid, res)))
            hist = copy.deepcopy(others[:14])
            for x in hist:
                x["subject"] = {"reference": "Patient/" + pid}
            out.append((PV, hook("patient-view", pid, res + hist)))
            out.append((PV, hook("patient-view", pid, oddify(res, ODD[n_vign % len(ODD)]))))
            out.append((PV, hook("patient-view", pid, res, keys=["patient", "observations"])))
            drafts = [{"resourceType": "MedicationRequest", "id": "draft-%d" % i, "status": "draft", "intent": "order",
                       "subject": {"reference": "Patient/" + pid},
                       "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                                 "code": code, "display": agent}]}}
                      for i, (agent, code) in enumerate(drafts_of)]
            out.append((OS, hook("order-sign", pid, res, drafts=drafts[n_vign % 3:])))
            dead = copy.deepcopy(res)
            dead[0]["deceasedBoolean"] = n_vign % 2 == 0
            out.append((PV, hook("patient-view", pid, dead)))
    body = [(p, json.dumps(b).encode()) for p, b in out]
    bad = [b"", b"{", b"[]", b'{"hook": 1}', b'{"hook": "order-sign", "hookInstance": "x"}',
           b'{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "a b"}}',
           b'{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}, "prefetch": 3}',
           b'{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}, "prefetch": {}}',
           b'{"hook": "patient-view", "hookInstance": "x\xc2\x85", "context": {"patientId": "p"}, "prefetch": {"patient": null}}']
    body += [(PV, b) for b in bad] + [(OS, b) for b in bad]
    return body, n_vign


def ask(port, path, body):
    st, ans = serving.call(port, "POST", path, raw=body, headers={"Content-Type": "application/json"})
    return st, ans


def main():
    old, new = sys.argv[1], sys.argv[2]
    dirs = sys.argv[3:] or [os.path.join(HERE, "..", "vignettes")]
    reqs, n_vign = requests(dirs)
    p1, port1, log1 = serving.start(old, AS_OF)
    p2, port2, log2 = serving.start(new, AS_OF)
    bad = 0
    try:
        for i, (path, body) in enumerate(reqs):
            a, b = ask(port1, path, body), ask(port2, path, body)
            ma = (a[0], serving.without_ids(a[1]) if isinstance(a[1], (dict, list)) else a[1])
            mb = (b[0], serving.without_ids(b[1]) if isinstance(b[1], (dict, list)) else b[1])
            if ma != mb:
                bad += 1
                if bad <= 3:
                    print("request %d (%s) differs:\n old %s\n new %s" % (i, path, json.dumps(ma)[:600],
                                                                         json.dumps(mb)[:600]))
    finally:
        serving.stop(p1, log1)
        serving.stop(p2, log2)
    print("%d requests (%d vignettes), %d answers differ" % (len(reqs), n_vign, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
