#!/usr/bin/env python3
"""The service over real HTTP on loopback: every endpoint, JWT checks,
missing prefetch (412; fetching it: test_fetch.py), malformed
requests, concurrency, graceful stop.

usage: test_server.py OSTEOPLAN JWT_SIGN
"""
import base64
import concurrent.futures
import hashlib
import hmac
import http.client
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fhir_fixtures  # noqa: E402
from checks import check, failures  # noqa: E402
import serving  # noqa: E402
from serving import call, free_port  # noqa: E402

BIN, SIGN = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "keys")
VIGNETTES = os.path.join(HERE, "..", "vignettes")
AS_OF = "2026-11-01"
ISS = "https://ehr.test"


def start(config_text, extra=()):
    return serving.start(BIN, AS_OF, config_text.replace("@KEYS@", KEYS), extra)


def token(port, path, key="ehr-es384.key", alg="ES384", kid="ehr-1", **claims):
    now = int(time.time())
    c = {"iss": ISS, "aud": "http://127.0.0.1:%d%s" % (port, path), "exp": now + 300, "iat": now,
         "jti": "%s-%f-%d" % (path, time.time(), threading.get_ident())}
    c.update(claims)
    c = {k: v for k, v in c.items() if v is not None}
    t = subprocess.run([SIGN, alg, os.path.join(KEYS, key), kid, json.dumps(c)], capture_output=True, text=True,
                       check=True).stdout.strip()
    return {"Authorization": "Bearer " + t}


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


hook_request = fhir_fixtures.hook_request


def plan_of(record):
    r = subprocess.run([BIN, "assess", "--format", "json", "-"], input=json.dumps(record), capture_output=True,
                       text=True)
    return json.loads(r.stdout) if r.returncode == 0 else None


CONFIG = """
[server]
body_limit_bytes = 1048576
connection_timeout_s = 5
[jwt]
required = true
skew_s = 30
[api]
open = true
[issuer.ehr]
iss = https://ehr.test
kid = ehr-1
public_key_file = @KEYS@/ehr-es384.pem
[issuer.ehr-rsa]
iss = https://ehr.test
kid = ehr-rsa
public_key_file = @KEYS@/ehr-rs384.pem
"""


def main():
    proc, port, log = start(CONFIG)
    PV = "/cds-services/osteoplan-patient-view"
    OS = "/cds-services/osteoplan-order-sign"
    try:
        # --- health and discovery
        st, body = call(port, "GET", "/healthz")
        check(st == 200 and body == {"status": "ok"}, "healthz")
        st, body = call(port, "GET", "/cds-services", headers=token(port, "/cds-services"))
        check(st == 200 and [s["id"] for s in body["services"]] == ["osteoplan-patient-view", "osteoplan-order-sign"],
              "discovery lists two services")
        check(all(set(s["prefetch"]) == {"patient", "observations", "conditions", "medicationRequests",
                                           "medicationStatements"} for s in body["services"]), "prefetch templates")
        check("38267-1" in body["services"][0]["prefetch"]["observations"], "observation template has LOINC codes")
        check(all(s["prefetch"]["medicationRequests"].endswith("&_include=MedicationRequest:medication") and
                  s["prefetch"]["medicationStatements"].endswith("&_include=MedicationStatement:medication")
                  for s in body["services"]),
              "the medication templates bring the Medication a medicationReference names")
        st, body = call(port, "GET", "/cds-services")
        check(st == 401 and "error" in body, "discovery without token: 401")

        # --- patient-view on every convertible vignette: same fields as the record form
        n_checked = 0
        for name in sorted(n for n in os.listdir(VIGNETTES) if n.endswith(".json")):
            v = json.load(open(os.path.join(VIGNETTES, name)))
            rec = v["patient"]
            res = fhir_fixtures.to_fhir(rec)
            if res is None:
                continue
            plan = plan_of(dict(rec, as_of=AS_OF))
            pid = res[0]["id"]
            st, body = call(port, "POST", PV, hook_request("patient-view", pid, res), token(port, PV))
            check(st == 200 and body.get("cards"), "%s: patient-view 200 with cards" % name)
            if st != 200:
                continue
            card = body["cards"][0]
            check(len(card["summary"]) < 140, "%s: summary under 140 characters" % name)
            check(card["source"]["label"].startswith("osteoplan"), "%s: source label" % name)
            crit = any(a["severity"] == "critical" for a in plan["alerts"])
            want = "critical" if crit else (
                "warning" if plan["treatment"]["action"] in ("start", "switch", "transition", "assess") else "info")
            check(card["indicator"] == want, "%s: indicator %s, want %s" % (name, card["indicator"], want))
            phases = plan["treatment"]["phases"]
            first = phases[0]["options"][0]["agent"] if phases and phases[0]["options"] else None
            if plan["treatment"]["action"] in ("start", "switch", "transition") and first:
                sug = card.get("suggestions", [{}])[0]
                res_ = sug.get("actions", [{}])[0].get("resource", {})
                check(res_.get("medicationCodeableConcept", {}).get("text") == first.replace("_", " ")
                      or first in json.dumps(res_), "%s: suggestion orders %s" % (name, first))
            # the same plan fields through assess --input fhir
            bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in res]}
            r = subprocess.run([BIN, "assess", "--input", "fhir", "--as-of", AS_OF, "--format", "json", "-"],
                               input=json.dumps(bundle), capture_output=True, text=True)
            fp = json.loads(r.stdout) if r.returncode == 0 else {}
            for field in ("risk", "diagnosis"):
                check(fp.get(field) == plan.get(field), "%s: FHIR %s %s vs record %s" % (
                    name, field, fp.get(field), plan.get(field)))
            check(fp.get("treatment", {}).get("action") == plan["treatment"]["action"], "%s: action" % name)
            fph = fp.get("treatment", {}).get("phases", [])
            ffirst = fph[0]["options"][0]["agent"] if fph and fph[0]["options"] else None
            check(ffirst == first, "%s: first agent %s vs %s" % (name, ffirst, first))
            check(sorted(a["code"] for a in fp.get("alerts", [])) == sorted(a["code"] for a in plan["alerts"]),
                  "%s: alert codes" % name)
            check(sorted(a["agent"] for a in fp.get("avoid", [])) == sorted(a["agent"] for a in plan["avoid"]),
                  "%s: avoid" % name)
            check(fp.get("input_notes") and fp["input_notes"][0].startswith("FHIR input:"), "%s: input_notes" % name)
            n_checked += 1
        check(n_checked >= 12, "at least 12 vignettes through FHIR (got %d)" % n_checked)

        # --- order-sign: an avoided agent gets a critical card naming it
        v = json.load(open(os.path.join(VIGNETTES, "02_very_high_recent_vertebral.json")))
        rec = dict(v["patient"], conditions=[{"code": "myocardial_infarction", "date": "2026-06-01"}])
        res = fhir_fixtures.to_fhir(rec)
        plan = plan_of(dict(rec, as_of=AS_OF))
        check(any(a["agent"] == "romosozumab" for a in plan["avoid"]), "fixture: romosozumab avoided after MI")
        draft = {"resourceType": "MedicationRequest", "id": "rx-1", "status": "draft", "intent": "order",
                 "subject": {"reference": "Patient/" + res[0]["id"]},
                 "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "M05BX06"}],
                                               "text": "Evenity"}}
        st, body = call(port, "POST", OS, hook_request("order-sign", res[0]["id"], res, drafts=[draft]),
                        token(port, OS))
        cards = body.get("cards", []) if st == 200 else []
        check(st == 200 and len(cards) == 1 and cards[0]["indicator"] == "critical" and
              "romosozumab" in cards[0]["summary"] and cards[0].get("overrideReasons"),
              "order-sign: avoided agent -> critical card naming it, with override reasons")
        draft2 = dict(draft, medicationCodeableConcept={"coding": [
            {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "904431"}]})
        st, body = call(port, "POST", OS, hook_request("order-sign", res[0]["id"], res, drafts=[draft2]),
                        token(port, OS))
        check(st == 200 and len(body["cards"]) == 1 and body["cards"][0]["indicator"] == "info" and
              "alendronate" in body["cards"][0]["summary"], "order-sign: allowed, not first option -> info card")
        draft3 = dict(draft, medicationCodeableConcept={"coding": [
            {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "314076"}]})
        st, body = call(port, "POST", OS, hook_request("order-sign", res[0]["id"], res, drafts=[draft3]),
                        token(port, OS))
        check(st == 200 and body["cards"] == [], "order-sign: a non-osteoporosis drug -> no card")

        # --- missing prefetch: 412 without fhirServer
        res = fhir_fixtures.to_fhir(json.load(open(os.path.join(VIGNETTES, "01_naive_high_tscore.json")))["patient"])
        pid = res[0]["id"]
        req = hook_request("patient-view", pid, res, keys=["patient"])
        st, body = call(port, "POST", PV, req, token(port, PV))
        check(st == 412 and "error" in body, "missing prefetch, no fhirServer: 412")
        # fetching from fhirServer (allow-list, limits, incomplete searches): test_fetch.py

        # --- /api/assess: same plan as the CLI; bad record 422 with the same text
        rec = dict(json.load(open(os.path.join(VIGNETTES, "01_naive_high_tscore.json")))["patient"], as_of=AS_OF)
        st, body = call(port, "POST", "/api/assess", rec)
        check(st == 200 and body == plan_of(rec), "/api/assess equals assess --format json")
        bad = dict(rec, therapies=[{"agent": "alendronate", "start": "2020-01-01", "end": "2019-01-01"}])
        st, body = call(port, "POST", "/api/assess", bad)
        cli = subprocess.run([BIN, "assess", "-"], input=json.dumps(bad), capture_output=True, text=True)
        check(st == 422 and body["error"] in cli.stderr and "therapies[0].end" in body["error"],
              "/api/assess bad record: 422 with the CLI's message")

        check(st == 422 and body.get("path") == "therapies[0].end", "422 names the path apart: %s" % body)
        st, body = call(port, "POST", "/api/assess", {"sex": "female", "age": 70, "bmd": [{"site": "total_hip"}]})
        check(st == 422 and body.get("path") == "bmd[0]" and "t_score" in body["error"], "422 for a missing member")

        # --- /api/assess in the other renderings (the web page's patient view)
        for fmt, ctype, start_ in (("fragment", "text/html", "<article"), ("html", "text/html", "<!DOCTYPE html>"),
                                   ("markdown", "text/markdown", "# "), ("text", "text/plain", "")):
            for aud in ("clinician", "patient"):
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
                c.request("POST", "/api/assess?format=%s&audience=%s" % (fmt, aud), body=json.dumps(rec),
                          headers={"Content-Type": "application/json"})
                r = c.getresponse()
                text = r.read().decode()
                c.close()
                cli = subprocess.run([BIN, "assess", "--format", "html" if fmt == "fragment" else fmt,
                                      "--audience", aud, "--no-color", "-"], input=json.dumps(rec),
                                     capture_output=True, text=True).stdout
                check(r.status == 200 and r.getheader("Content-Type", "").startswith(ctype) and text.startswith(start_),
                      "/api/assess format=%s audience=%s: %s %s" % (fmt, aud, r.status, r.getheader("Content-Type")))
                if fmt == "fragment":
                    check("<html" not in text and "<style" not in text and "<script" not in text
                          and text.rstrip().endswith("</article>"), "fragment is one article, no head/style/script")
                    body_of = cli[cli.index("<h2>"):cli.index("</footer>")].replace("h2>", "h3>")
                    check(body_of in text, "fragment holds the same content as --format html (%s)" % aud)
                else:
                    check(text == cli, "/api/assess format=%s audience=%s equals the CLI" % (fmt, aud))
        for q in ("format=pdf", "audience=nurse"):
            st, body = call(port, "POST", "/api/assess?" + q, rec)
            check(st == 400 and "error" in body, "/api/assess?%s: 400" % q)

        # --- the web page: embedded assets, strict content policy, labels
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        for path, ctype in (("/", "text/html"), ("/app.js", "text/javascript"), ("/app.css", "text/css"),
                            ("/example.json", "application/json")):
            c.request("GET", path)
            r = c.getresponse()
            text = r.read()
            check(r.status == 200 and r.getheader("Content-Type", "").startswith(ctype) and len(text) > 100,
                  "GET %s: %s %s" % (path, r.status, r.getheader("Content-Type")))
            csp = r.getheader("Content-Security-Policy", "")
            check("script-src 'self'" in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp,
                  "GET %s: strict Content-Security-Policy" % path)
            check(r.getheader("X-Content-Type-Options") == "nosniff", "GET %s: nosniff" % path)
            if path == "/":
                page = text.decode()
                check("http://" not in page and "https://" not in page, "the page loads nothing from elsewhere")
                check("<script>" not in page and " on" + "click=" not in page, "no inline script in the page")
            if path == "/example.json":
                check(json.loads(text) == json.load(open(os.path.join(HERE, "..", "..", "examples", "patient.json"))),
                      "the example is examples/patient.json")
        c.close()
        st, body = call(port, "POST", "/", {})
        check(st == 405, "POST /: 405")
        st, lab = call(port, "GET", "/api/labels")
        check(st == 200 and lab["knowledge_base"]["version"], "GET /api/labels")
        for kind in ("agent", "condition", "site", "fracture_site"):
            codes = lab["record_codes"][kind if kind != "condition" else "condition"]
            check(all(lab["labels"][kind].get(c) for c in codes), "labels for every %s code" % kind)
        for kind in ("action", "risk", "diagnosis", "criterion", "finding", "reason", "monitor", "lifestyle",
                     "severity", "intent", "status", "gap", "disagreement", "reminder"):
            check(lab["labels"][kind] and all(v and "{" not in v for v in lab["labels"][kind].values()),
                  "labels.%s filled, no placeholders" % kind)
        check(lab["labels"]["action"]["start"] and lab["labels"]["agent"]["zoledronic_acid"] != "zoledronic_acid",
              "labels are the knowledge base's words")
        check(lab["labels"]["reminder"].get("never_stop_without_followon", "").startswith("Denosumab must never be stopped"),
              "labels.reminder: a reminder's words are its own ui text")
        check(lab["labels"]["disagreement"].get("vitamin_d_dose") == "daily vitamin D dose",
              "labels.disagreement: the topic's words")

        # --- malformed requests: the right 4xx with a JSON error, server stays up
        good = hook_request("patient-view", pid, res)
        bad_cases = [
            ("not JSON", PV, None, b"{nope", 400),
            ("wrong hook", PV, dict(good, hook="order-select"), None, 400),
            ("no context", PV, {k: v for k, v in good.items() if k != "context"}, None, 400),
            ("unknown service", "/cds-services/nope", good, None, 404),
            ("oversize body", PV, None, b"{" + b" " * (2 << 20) + b"}", 413),
            ("order-sign without draftOrders", OS, dict(good, hook="order-sign"), None, 400),
        ]
        for what, path, body_, raw, want in bad_cases:
            st, body = call(port, "POST", path, body_, token(port, path), raw=raw)
            check(st == want and isinstance(body, dict) and "error" in body, "%s: %d (got %s)" % (what, want, st))
        st, body = call(port, "GET", "/nope")
        check(st == 404 and "error" in body, "unknown path: 404")
        st, body = call(port, "GET", "/api/assess")
        check(st == 405 and "error" in body, "wrong method: 405")
        st, body = call(port, "POST", PV, good, dict(token(port, PV), **{"Content-Type": "text/plain"}))
        check(st == 415, "wrong content type: 415")

        # --- tokens
        now = int(time.time())
        tok_cases = [
            ("expired", token(port, PV, exp=now - 3600, iat=now - 4000)),
            ("wrong audience", token(port, PV, aud="http://127.0.0.1:%d/cds-services/other" % port)),
            ("forged signature", token(port, PV, key="forger-es384.key")),
            ("unknown issuer", token(port, PV, iss="https://evil.test")),
            ("unknown kid", token(port, PV, kid="nope")),
            ("no jti", token(port, PV, jti=None)),
            ("no token", {}),
            ("not a bearer", {"Authorization": "Basic abc"}),
        ]
        hdr = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": "ehr-1"}).encode())
        pl = b64(json.dumps({"iss": ISS, "aud": "http://127.0.0.1:%d%s" % (port, PV), "exp": now + 300, "iat": now,
                             "jti": "none-1"}).encode())
        tok_cases.append(("alg none", {"Authorization": "Bearer %s.%s." % (hdr, pl)}))
        pem = open(os.path.join(KEYS, "ehr-es384.pem"), "rb").read()
        hdr = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "ehr-1"}).encode())
        sig = b64(hmac.new(pem, ("%s.%s" % (hdr, pl)).encode(), hashlib.sha256).digest())
        tok_cases.append(("HMAC with the public key", {"Authorization": "Bearer %s.%s.%s" % (hdr, pl, sig)}))
        for what, h in tok_cases:
            st, body = call(port, "POST", PV, good, h)
            check(st == 401 and "error" in body, "token %s: 401 (got %s)" % (what, st))
        t = token(port, PV)
        st1, _ = call(port, "POST", PV, good, t)
        st2, body = call(port, "POST", PV, good, t)
        check(st1 == 200 and st2 == 401 and "replay" in body.get("error", ""), "replayed jti: 401")
        st, _ = call(port, "POST", PV, good, token(port, PV, key="ehr-rs384.key", alg="RS384", kid="ehr-rsa"))
        check(st == 200, "RS384 token of an allowed issuer: 200")

        # --- concurrency: the same answers as sequential
        reqs = []
        for name in sorted(n for n in os.listdir(VIGNETTES) if n.endswith(".json")):
            res = fhir_fixtures.to_fhir(json.load(open(os.path.join(VIGNETTES, name)))["patient"])
            if res:
                reqs.append(hook_request("patient-view", res[0]["id"], res))
        seq = [call(port, "POST", PV, r, token(port, PV))[1] for r in reqs]
        with concurrent.futures.ThreadPoolExecutor(16) as ex:
            par = list(ex.map(lambda r: call(port, "POST", PV, r, token(port, PV))[1], reqs * 4))
        # card ids are random per answer: compared without them
        check(serving.without_ids(par) == serving.without_ids(seq * 4), "concurrent answers equal sequential ones")
        st, _ = call(port, "GET", "/healthz")
        check(st == 200 and proc.poll() is None, "server still up after everything")

        # --- the access log has no patient data
        log.flush()
        log.seek(0)
        text = log.read()
        check("POST /cds-services/osteoplan-patient-view 200" in text, "access log line per request")
        check(pid not in text and "secret-abc" not in text, "no patient id or token in the log")

        # --- graceful stop: a slow request in flight still completes
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, "SIGTERM: exit 0 (got %s)" % rc)
        if rc != 0:  # what the server said on its way out, for whoever reads the failure
            log.seek(0)
            sys.stdout.write("server log (last 3000 characters):\n" + log.read()[-3000:] + "\n")
    finally:
        if proc.poll() is None:
            proc.kill()
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
