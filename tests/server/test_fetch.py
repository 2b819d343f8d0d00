#!/usr/bin/env python3
"""Fetching missing or incomplete prefetch, end to end over loopback against
small fake FHIR servers (spec/ehr.md, "Missing prefetch" and "[2026.12]
Whose data, and all of it"): the [fetch] allow-list and its boundaries, no
redirects, no control characters in what reaches a request line or header,
time, bytes and resources counted per hook request, fetches that never
starve /healthz, OperationOutcome and paged searches fetched whole or 412,
and a Patient that is not context.patientId refused.

usage: test_fetch.py OSTEOPLAN
environment: FETCH_QUICK_S, the most /healthz may take while fetches stall
(default 1; a server under valgrind needs more)
"""
import copy
import http.client
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fhir_fixtures  # noqa: E402
from checks import check, failures  # noqa: E402
import serving  # noqa: E402

BIN = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
VIGNETTES = os.path.join(HERE, "..", "vignettes")
AS_OF = "2026-11-01"
PV = "/cds-services/osteoplan-patient-view"
QUICK = float(os.environ.get("FETCH_QUICK_S", "1"))
SEARCHES = ["Observation", "Condition", "MedicationRequest", "MedicationStatement"]


def resources_of(vignette):
    with open(os.path.join(VIGNETTES, vignette + ".json")) as f:
        return fhir_fixtures.to_fhir(json.load(f)["patient"])


def bundle(rs, nxt=None):
    b = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in rs]}
    if nxt:
        b["link"] = [{"relation": "self", "url": "x"}, {"relation": "next", "url": nxt}]
    return b


def hook(pid, res, keys=("patient",), server=None, token="secret-abc", instance="inst-1"):
    by = {}
    for r in res:
        by.setdefault(r["resourceType"], []).append(r)
    full = {"patient": by["Patient"][0], "observations": bundle(by.get("Observation", [])),
            "conditions": bundle(by.get("Condition", [])),
            "medicationRequests": bundle(by.get("MedicationRequest", [])),
            "medicationStatements": bundle(by.get("MedicationStatement", []))}
    req = {"hook": "patient-view", "hookInstance": instance,
           "context": {"userId": "Practitioner/dr-1", "patientId": pid},
           "prefetch": {k: v for k, v in full.items() if k in keys}}
    if server is not None:
        req["fhirServer"] = server
        if token is not None:
            req["fhirAuthorization"] = {"access_token": token, "token_type": "Bearer", "expires_in": 300,
                                        "scope": "patient/*.read", "subject": "osteoplan"}
    return req


def post(port, path, body, timeout=30):
    """(status, parsed JSON or text, headers, seconds); body: JSON, or bytes as they are."""
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    c.request("POST", path, body=data, headers={"Content-Type": "application/json"})
    r = c.getresponse()
    text = r.read()
    c.close()
    try:
        out = serving.without_ids(json.loads(text))  # answers are compared: ids are random
    except ValueError:
        out = text
    return r.status, out, dict(r.getheaders()), time.monotonic() - t0


class Fake:
    """A FHIR server on loopback that answers the service's reads and
    searches from a list of resources, misbehaving as a test asks."""

    def __init__(self, resources):
        self.resources = resources
        self.reset()
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeHandler)
        self.srv.fake = self
        self.port = self.srv.server_address[1]
        self.base = "http://127.0.0.1:%d/fhir" % self.port
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def reset(self):
        self.seen = []          # (path, headers) of every request
        self.page_size = None   # searches in pages of this many, linked by "next"
        self.next_base = None   # next links to this base instead of our own
        self.same_next = False  # a next link to the very same page
        self.endless = False    # a next link on every page
        self.delay = 0.0        # seconds before answering
        self.redirect = None    # answer 302 to this URL
        self.pad = 0            # bytes of padding in each answer
        self.filler = 0         # extra resources in each search
        self.outcome = False    # answer searches with an OperationOutcome
        self.patient_id = None  # answer the Patient read with this id

    def stop(self):
        self.srv.shutdown()


class FakeHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        f = self.server.fake
        f.seen.append((self.path, dict(self.headers)))
        if f.delay:
            time.sleep(f.delay)
        if f.redirect:
            self.send_response(302)
            self.send_header("Location", f.redirect)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        u = urllib.parse.urlsplit(self.path)
        parts = u.path.strip("/").split("/")
        q = urllib.parse.parse_qs(u.query)
        if len(parts) < 2 or parts[0] != "fhir" or "patient" not in q and parts[1] != "Patient":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if parts[1] == "Patient":
            out = copy.deepcopy([r for r in f.resources if r["resourceType"] == "Patient"][0])
            if f.patient_id:
                out["id"] = f.patient_id
        elif f.outcome:
            out = {"resourceType": "OperationOutcome",
                   "issue": [{"severity": "error", "code": "too-costly", "diagnostics": "try later"}]}
        else:
            t = parts[1]
            rs = [r for r in f.resources if r["resourceType"] == t]
            rs += [{"resourceType": "Basic", "id": "filler-%d" % i} for i in range(f.filler)]
            page = int(q.get("_page", ["1"])[0])
            nxt = None
            if f.page_size:
                more = page * f.page_size < len(rs)
                rs = rs[(page - 1) * f.page_size:page * f.page_size]
            else:
                more = False
            if more or f.endless:
                nxt = "%s/%s?patient=%s&_page=%d" % (f.next_base or f.base, t, q["patient"][0], page + 1)
            if f.same_next:
                nxt = "http://127.0.0.1:%d%s" % (f.port, self.path)
            out = bundle(rs, nxt)
        if f.pad:
            out["_pad"] = "x" * f.pad
        data = json.dumps(out).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the service gave up waiting, as it must

    def log_message(self, *a):
        pass


def start(config, threads=2):
    return serving.start(BIN, AS_OF, config, threads=threads)


def stop(proc, log):
    """Stops the server; it must exit 0 with no sanitizer report."""
    text = serving.stop(proc, log)
    check(proc.returncode == 0 and "Sanitizer" not in text,
          "the server stopped cleanly (exit %s)%s" % (proc.returncode, text[-2000:] if "Sanitizer" in text else ""))
    return text


def refuses_to_start(config, threads=2, want=""):
    """The server exits 2 at start with a message containing want."""
    with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
        f.write(config)
    r = subprocess.run([BIN, "serve", "--listen", "127.0.0.1:%d" % serving.free_port(), "--threads", str(threads),
                        "--config", f.name, "--as-of", AS_OF], capture_output=True, text=True, timeout=20)
    os.unlink(f.name)
    return r.returncode == 2 and want in r.stderr, r.stderr.strip()


def by_default_nothing_is_fetched(res, pid, fake):
    proc, port, log = start(None)
    try:
        st, body, _, _ = post(port, PV, hook(pid, res, server=fake.base))
        check(st == 412 and "[fetch] allow" in body.get("error", ""),
              "default: no allow-list, a missing prefetch is 412 (%s %s)" % (st, body))
        check(fake.seen == [], "default: nothing fetched (%d requests)" % len(fake.seen))
    finally:
        stop(proc, log)


def allow_list(port, res, pid, fake, other):
    full_st, full, _, _ = post(port, PV, hook(pid, res, keys=("patient", "observations", "conditions",
                                                               "medicationRequests", "medicationStatements")))
    check(full_st == 200, "full prefetch: 200")
    for base in (fake.base, fake.base + "/"):
        fake.seen.clear()
        st, body, _, _ = post(port, PV, hook(pid, res, server=base))
        check(st == 200 and body == full, "allowed %s: fetched, the same cards as a full prefetch (%s %s)"
              % (base, st, str(body)[:200]))
        check(len(fake.seen) == 4 and all(h.get("Authorization") == "Bearer secret-abc" for _, h in fake.seen),
              "allowed: four searches, each with the bearer token")
    refused = {
        "a longer path segment": "http://127.0.0.1:%d/fhirx" % fake.port,
        "another port": other.base,
        "user information": "http://127.0.0.1:%d@127.0.0.1:%d/fhir" % (fake.port, other.port),
        "user information (ours)": "http://127.0.0.1:%d/fhir@127.0.0.1:%d/fhir" % (fake.port, other.port),
        "a host that only starts like ours": "http://127.0.0.1.evil:%d/fhir" % fake.port,
        "dot segments": "http://127.0.0.1:%d/fhir/../admin" % fake.port,
        "encoded dot segments": "http://127.0.0.1:%d/fhir/%%2e%%2e/admin" % fake.port,
        "another scheme": "https://127.0.0.1:%d/fhir" % fake.port,
        "ftp": "ftp://127.0.0.1:%d/fhir" % fake.port,
        "a query": "http://127.0.0.1:%d/fhir?x=1" % fake.port,
    }
    for what, base in refused.items():
        fake.seen.clear()
        other.seen.clear()
        st, body, _, _ = post(port, PV, hook(pid, res, server=base))
        err = body.get("error", "") if isinstance(body, dict) else ""
        check(st == 412 and "prefetch 'observations'" in err and "fetching it from fhirServer failed" in err,
              "not allowed, %s: 412 (%s %s)" % (what, st, body))
        check(not fake.seen and not other.seen, "not allowed, %s: nothing fetched" % what)


def control_characters(port, res, pid, fake):
    cases = [
        ("a CR/LF in the token", dict(token="abc\r\nX-Injected: yes"), "fhirAuthorization.access_token"),
        ("a LF in the token", dict(token="abc\nGET /admin HTTP/1.1"), "fhirAuthorization.access_token"),
        ("a DEL in the token", dict(token="abc\u007fdef"), "fhirAuthorization.access_token"),
        ("a NUL in the token", dict(token="abc\u0000def"), "request body"),  # the JSON reader's refusal
        ("a space in the token", dict(token="abc def"), "fhirAuthorization.access_token"),
        ("a CR/LF in fhirServer", dict(server=fake.base + "\r\nX-Injected: yes"), "fhirServer"),
        ("a space in fhirServer", dict(server=fake.base + " x"), "fhirServer"),
    ]
    for what, kw, field in cases:
        fake.seen.clear()
        args = dict(server=fake.base)
        args.update(kw)
        st, body, _, _ = post(port, PV, hook(pid, res, **args))
        check(st == 400 and body.get("error", "").startswith(field),
              "%s: 400 naming %s (%s %s)" % (what, field, st, body))
        check(not fake.seen, "%s: nothing fetched (%s)" % (what, [h for _, h in fake.seen][:1]))
    req = hook(pid, res, server=fake.base)
    req["context"]["patientId"] = pid + "\r\nX-Injected: yes"
    st, body, _, _ = post(port, PV, req)
    check(st == 400 and body.get("error", "").startswith("context.patientId"),
          "a CR/LF in context.patientId: 400 naming it (%s %s)" % (st, body))


def redirects(port, res, pid, fake, other):
    fake.seen.clear()
    other.seen.clear()
    fake.redirect = other.base + "/Observation"
    st, body, _, _ = post(port, PV, hook(pid, res, server=fake.base))
    fake.reset()
    check(st == 412 and "redirect" in body.get("error", ""), "a 302 is a failed fetch (%s %s)" % (st, body))
    check(not other.seen, "the redirect was not followed")


def incomplete_searches(port, vres, pid, fake, cross):
    """vres: a patient whose plan depends on its one Condition, which the
    fake serves on a second page."""
    res = vres + [{"resourceType": "Condition", "id": "c-asthma", "subject": {"reference": "Patient/" + pid},
                   "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "J45.909"}]},
                   "onsetDateTime": "2010-01-01"}]
    res.sort(key=lambda r: r.get("id") != "c-asthma")  # asthma first: the fracture on page 2
    every = ("patient", "observations", "conditions", "medicationRequests", "medicationStatements")
    st, full, _, _ = post(port, PV, hook(pid, res, keys=every))
    conds = [r for r in res if r["resourceType"] == "Condition"]
    page1 = bundle(conds[:1], fake.base + "/Condition?patient=%s&_page=2" % pid)
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    fake.resources = res
    failed_in_bundle = {"resourceType": "Bundle", "type": "searchset",
                        "entry": [{"resource": conds[0]}, {"resource": outcome, "search": {"mode": "outcome"}}]}
    for what, entry in (("a search with more pages", page1), ("an OperationOutcome", outcome),
                        ("a search whose outcome entry is an error", failed_in_bundle)):
        # without fhirServer: 412 naming the key
        req = hook(pid, res, keys=every)
        req["prefetch"]["conditions"] = entry
        st, body, _, _ = post(port, PV, req)
        check(st == 412 and "prefetch 'conditions' is incomplete" in body.get("error", ""),
              "%s, no fhirServer: 412 naming 'conditions' (%s %s)" % (what, st, body))
        # with an allowed fhirServer: fetched whole, every page
        fake.reset()
        fake.page_size = 1
        req["fhirServer"] = fake.base
        st, body, _, _ = post(port, PV, req)
        check(st == 200 and body == full, "%s, fhirServer: fetched whole, the cards of the full data (%s %s)"
              % (what, st, str(body)[:300]))
        check([p.split("?")[0] for p, _ in fake.seen] == ["/fhir/Condition"] * 2,
              "%s: the search fetched, both pages (%s)" % (what, [p for p, _ in fake.seen]))
    # a search answered with something that is neither a resource, a Bundle nor
    # null cannot be told from an empty answer: 400, never a plan without it
    for what, v in (("a string", "unavailable"), ("an array", []), ("a number", 5), ("true", True),
                    ("an object without resourceType", {"entry": []})):
        req = hook(pid, res, keys=every)
        req["prefetch"]["conditions"] = v
        st, body, _, _ = post(port, PV, req)
        check(st == 400 and "prefetch 'conditions'" in body.get("error", ""),
              "conditions prefetched as %s: 400 naming it (%s %s)" % (what, st, str(body)[:200]))
    req = hook(pid, res, keys=every)
    req["prefetch"]["conditions"] = None
    st, body, _, _ = post(port, PV, req)
    check(st == 200, "conditions prefetched as null (no data): a plan (%s)" % st)
    # an informational outcome entry is not a failed search
    info = {"resourceType": "Bundle", "type": "searchset",
            "entry": [{"resource": c} for c in conds] +
                     [{"resource": {"resourceType": "OperationOutcome",
                                    "issue": [{"severity": "information", "code": "informational"}]},
                       "search": {"mode": "outcome"}}]}
    req = hook(pid, res, keys=every)
    req["prefetch"]["conditions"] = info
    st, body, _, _ = post(port, PV, req)
    check(st == 200 and [c["summary"] for c in body["cards"]] == [c["summary"] for c in full["cards"]],
          "an informational outcome entry: the search is whole (%s %s)" % (st, str(body)[:200]))
    # another patient's resource in the prefetch: not used (the plan is this patient's alone)
    req = hook(pid, res, keys=every)
    stranger = dict(conds[-1], id="c-stranger", subject={"reference": "Patient/someone-else"})
    req["prefetch"]["conditions"] = bundle([c for c in conds if c["id"] != conds[-1]["id"]] + [stranger], None)
    st, body, _, _ = post(port, PV, req)
    without = hook(pid, [r for r in res if r.get("id") != conds[-1]["id"]], keys=every)
    st2, alone, _, _ = post(port, PV, without)
    check(st == 200 and st2 == 200 and [c["summary"] for c in body["cards"]] == [c["summary"] for c in alone["cards"]]
          and "another patient" in json.dumps(body),
          "another patient's Condition in the prefetch: not used, and said (%s %s)" % (st, str(body)[:300]))
    # a key given twice, whole and then incomplete: fetched whole, nothing counted twice
    fake.reset()
    fake.page_size = 1
    raw = json.dumps(hook(pid, res, keys=every, server=fake.base))
    raw = raw[:-2] + ', "conditions": %s}}' % json.dumps(outcome)
    st, body, _, _ = post(port, PV, raw.encode())
    check(st == 200 and body == full, "a key given twice, once incomplete: fetched whole (%s %s)" % (st, str(body)[:200]))
    req = hook(pid, res, keys=every, server=fake.base)
    req["prefetch"]["bonedensity"] = outcome
    st, body, _, _ = post(port, PV, req)
    check(st == 412 and "prefetch 'bonedensity' is incomplete" in body.get("error", ""),
          "an OperationOutcome under a key the service has no search for: 412 naming it (%s %s)" % (st, body))
    # the pages a fetched search links to
    req = hook(pid, res, keys=every)
    req["prefetch"]["conditions"] = page1
    req["fhirServer"] = fake.base
    fake.reset()
    fake.page_size, fake.next_base = 1, cross.base
    cross.seen.clear()
    st, body, _, _ = post(port, PV, req)
    check(st == 412 and "next page outside" in body.get("error", ""),
          "a next page on another origin (allowed too): 412 (%s %s)" % (st, body))
    check(not cross.seen, "the other origin was not asked")
    fake.reset()
    fake.page_size, fake.same_next = 1, True
    st, body, _, _ = post(port, PV, req)
    check(st == 412 and "same page" in body.get("error", ""), "a next link to the same page: 412 (%s %s)" % (st, body))
    fake.reset()
    fake.outcome = True
    st, body, _, _ = post(port, PV, hook(pid, res, server=fake.base))
    check(st == 412 and "OperationOutcome" in body.get("error", ""),
          "fhirServer answers a search with an OperationOutcome: 412 (%s %s)" % (st, body))
    fake.reset()


def whose_patient(port, res, pid, fake):
    every = ("patient", "observations", "conditions", "medicationRequests", "medicationStatements")
    req = hook(pid, res, keys=every)
    req["prefetch"]["patient"] = dict(req["prefetch"]["patient"], id="someone-else")
    st, body, _, _ = post(port, PV, req)
    check(st == 400 and "context.patientId" in body.get("error", "") and "cards" not in body,
          "a prefetched Patient of another id: 400 (%s %s)" % (st, body))
    req = hook(pid, res, keys=every)
    req["prefetch"]["patient"] = dict(req["prefetch"]["patient"])
    del req["prefetch"]["patient"]["id"]
    st, body, _, _ = post(port, PV, req)
    check(st == 400, "a prefetched Patient without id: 400 (%s %s)" % (st, body))
    req = hook(pid, res, keys=every)
    req["prefetch"]["conditions"]["entry"].append({"resource": dict(req["prefetch"]["patient"], id="someone-else")})
    st, body, _, _ = post(port, PV, req)
    check(st == 400, "another Patient inside a prefetched search: 400 (%s %s)" % (st, body))
    fake.reset()
    fake.patient_id = "someone-else"
    st, body, _, _ = post(port, PV, hook(pid, res, keys=every[1:], server=fake.base))
    check(st == 502 and "context.patientId" in body.get("error", ""),
          "fhirServer answers the Patient read with another patient: 502 (%s %s)" % (st, body))
    fake.reset()


def budget(res, pid):
    """Time, bytes and resources are counted per hook request: each search
    alone is within the limit, the four together are not."""
    fake = Fake(res)
    cfg = "[fetch]\nallow = %s\nmax_bytes = 65536\nmax_resources = 40\ntimeout_s = 2\n" % fake.base
    proc, port, log = start(cfg)
    try:
        fake.pad = 20000
        st, body, _, _ = post(port, PV, hook(pid, res, server=fake.base))
        check(st == 412 and "max_bytes" in body.get("error", ""),
              "4 answers of 20 kB, max_bytes 64 KiB: 412 (%s %s)" % (st, body))
        fake.reset()
        fake.filler = 12
        st, body, _, _ = post(port, PV, hook(pid, res, server=fake.base))
        check(st == 412 and "max_resources" in body.get("error", ""),
              "4 searches of 12+ resources, max_resources 40: 412 (%s %s)" % (st, body))
        fake.reset()
        fake.delay = 0.8
        st, body, _, secs = post(port, PV, hook(pid, res, server=fake.base))
        check(st == 412 and "timeout_s" in body.get("error", "") and secs < 2 + QUICK,
              "4 searches of 0.8 s, timeout_s 2: 412 within the limit (%s %.2f s %s)" % (st, secs, body))
        fake.reset()
        fake.page_size, fake.endless = 1, True
        st, body, _, secs = post(port, PV, hook(pid, res, server=fake.base))
        err = body.get("error", "")
        check(st == 412 and ("timeout_s" in err or "max_bytes" in err) and secs < 2 + QUICK,
              "next pages without end: 412 at a limit (%s %.2f s %s)" % (st, secs, body))
        fake.reset()
        st, body, _, _ = post(port, PV, hook(pid, res, server=fake.base))
        check(st == 200, "within the limits: 200 (%s %s)" % (st, str(body)[:200]))
    finally:
        stop(proc, log)
        fake.stop()


def no_starving(res, pid):
    """A FHIR server that stalls holds at most max_concurrent (threads - 1)
    requests: /healthz and /api/assess still answer at once, and the hook
    requests beyond the limit get 503 with Retry-After."""
    fake = Fake(res)
    fake.delay = 8
    proc, port, log = start("[fetch]\nallow = %s\ntimeout_s = 6\n" % fake.base, threads=2)
    try:
        results = []

        def one(i):
            results.append(post(port, PV, hook(pid, res, server=fake.base, instance="stall-%d" % i)))

        ts = [threading.Thread(target=one, args=(i,)) for i in range(4)]
        for t in ts:
            t.start()
            time.sleep(0.1)
        time.sleep(0.3)
        with open(os.path.join(VIGNETTES, "01_naive_high_tscore.json")) as f:
            rec = dict(json.load(f)["patient"], as_of=AS_OF)
        slow = []
        for _ in range(5):
            t0 = time.monotonic()
            st, _ = serving.call(port, "GET", "/healthz", timeout=30)
            slow.append((st, time.monotonic() - t0))
            st, _, _, secs = post(port, "/api/assess", rec)
            slow.append((st, secs))
        check(all(st == 200 and s < QUICK for st, s in slow),
              "while a FHIR server stalls, /healthz and /api/assess answer at once: %s"
              % ["%d %.2fs" % x for x in slow])
        for t in ts:
            t.join()
        busy = [r for r in results if r[0] == 503]
        check(len(busy) >= 2 and all(r[2].get("Retry-After") == "1" for r in busy),
              "hook requests beyond the fetching limit: 503 with Retry-After (%s)" % [(r[0], r[1]) for r in results])
        check(all(r[0] in (412, 503) for r in results) and sum(r[0] == 412 for r in results) >= 1,
              "the fetching request ends at the request's timeout: 412")
    finally:
        stop(proc, log)
        fake.stop()


def keep_alive(res, pid):
    """A fetch does not hold the worker thread that read its request: the
    connections that worker already owns (keep-alive clients, opened before
    the fetch) are answered at once while the FHIR server takes 4 s per
    search, and the fetching connection gets its answer (412 when its 8 s
    are spent) and stays usable."""
    fake = Fake(res)
    fake.delay = 4
    proc, port, log = start("[fetch]\nallow = %s\ntimeout_s = 8\n" % fake.base, threads=2)
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(12)]
    try:
        for c in conns:  # open and used once: each now belongs to one worker thread
            c.request("GET", "/healthz")
            c.getresponse().read()
        got = []

        def fetching():
            t0 = time.monotonic()
            conns[0].request("POST", PV, body=json.dumps(hook(pid, res, server=fake.base, instance="ka")).encode(),
                             headers={"Content-Type": "application/json"})
            r = conns[0].getresponse()
            r.read()
            got.append((r.status, time.monotonic() - t0))
        t = threading.Thread(target=fetching)
        t.start()
        time.sleep(0.5)
        slow = []
        for i, c in enumerate(conns[1:], 1):
            t0 = time.monotonic()
            c.request("GET", "/healthz")
            st = c.getresponse()
            st.read()
            slow.append((i, st.status, time.monotonic() - t0))
        t.join()
        check(all(st == 200 and secs < QUICK for _, st, secs in slow),
              "while a fetch takes 4 s, /healthz answers at once on every keep-alive connection opened before: %s"
              % ["#%d %d %.2fs" % x for x in slow])
        check(got and got[0][0] == 412 and 7.5 <= got[0][1] < 10,
              "the fetching request gets its answer when its fetch budget ends (412 at timeout_s: %s)" % got)
        conns[0].request("GET", "/healthz")
        r = conns[0].getresponse()
        r.read()
        check(r.status == 200, "the fetching connection stays usable (keep-alive)")
    finally:
        for c in conns:
            c.close()
        stop(proc, log)
        fake.stop()


def config_checks(fake):
    for cfg, threads, want in (
            ("[fetch]\nallow = not-a-url\n", 2, "[fetch] allow"),
            ("[fetch]\nallow = https://ehr.example.org/fhir?x=1\n", 2, "query"),
            ("[fetch]\nallow = https://user@ehr.example.org/fhir\n", 2, "user information"),
            ("[fetch]\nallow = %s\n" % fake.base, 1, "2 worker threads"),
            ("[fetch]\nallow = %s\nmax_concurrent = 2\n" % fake.base, 2, "below the worker threads"),
            ("[fetch]\ntimeout_s = 0\n", 2, "timeout_s"),
            ("[fetch]\nmax_bytes = lots\n", 2, "max_bytes"),
            ("[fetch]\nfollow_redirects = true\n", 2, "follow_redirects")):
        ok, err = refuses_to_start(cfg, threads, want)
        check(ok, "config %r (threads %d) refused naming %r: %s" % (cfg, threads, want, err))


def main():
    res = resources_of("01_naive_high_tscore")
    pid = res[0]["id"]
    fake, other, cross = Fake(res), Fake(res), Fake(res)
    try:
        by_default_nothing_is_fetched(res, pid, fake)
        config_checks(fake)
        unreachable = "http://127.0.0.1:%d/fhir" % serving.free_port()
        cfg = "[fetch]\nallow = %s %s\nallow = %s\n" % (fake.base, cross.base, unreachable)
        proc, port, log = start(cfg)
        try:
            allow_list(port, res, pid, fake, other)
            st, body, _, _ = post(port, PV, hook(pid, res, server=unreachable))
            check(st == 412 and "fetching it from fhirServer failed" in body.get("error", ""),
                  "an allowed fhirServer that does not answer: 412 (%s %s)" % (st, body))
            control_characters(port, res, pid, fake)
            redirects(port, res, pid, fake, other)
            whose_patient(port, res, pid, fake)
            vres = resources_of("02_very_high_recent_vertebral")
            incomplete_searches(port, vres, vres[0]["id"], fake, cross)
        finally:
            text = stop(proc, log)
            check("secret-abc" not in text, "the access log has no token")
        budget(res, pid)
        no_starving(res, pid)
        keep_alive(res, pid)
    finally:
        for f in (fake, other, cross):
            f.stop()
    print("test_fetch: %d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
