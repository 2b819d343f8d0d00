#!/usr/bin/env python3
"""Byte-for-byte comparison of two osteoplan binaries: the proof that a
refactor changed no output.

usage: compare_outputs.py OLD_BIN NEW_BIN [--synth N] [--seed S] [--cds N]
       compare_outputs.py --self-test BIN

To prove the refactor of a commit: build the commit before it and run
  tests/compare_outputs.py OLD/build/osteoplan build/osteoplan
--self-test checks the comparison itself (ctest runs it): BIN against BIN
must find nothing, and BIN against BIN reading a copy of the knowledge base
with one word changed must find differences in every part.

Both binaries render, with the built-in knowledge base:
  - every record of tests/vignettes and examples/patient.json through the
    command line, in every format (json, text, markdown, html) and audience
    (clinician, patient), as records and, where the test fixtures can write
    them as FHIR, as FHIR input;
  - N synthetic records (`synth --seed S`, default 10,000 of seed 1) in
    every format and audience through /api/assess of `serve` (one process
    per binary, keep-alive connections: 80,000 plans each in a few minutes
    instead of 160,000 process starts);
  - the same synthetic records screened (`screen`, ndjson and csv) and the
    FHIR Bulk sample of tests/data screened;
  - the CDS Hooks answers (patient-view, and order-sign with a draft order
    of each agent the knowledge base maps from ATC) for the vignettes and
    the first --cds synthetic records that the fixtures can write as FHIR.

Plan JSON keys added on purpose after the old commit are removed from the
new output before comparing (ADDED_KEYS below); nothing else is forgiven.
Prints each difference (the first 20 in full) and exits 1 if there is one.
"""
import concurrent.futures
import difflib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "server"))
import fhir_fixtures  # noqa: E402
import serving  # noqa: E402

AS_OF = "2026-11-01"
FORMATS = ("json", "text", "markdown", "html")
AUDIENCES = ("clinician", "patient")
# Top-level plan keys the refactor adds (spec/plan.md: fields may be added).
ADDED_KEYS = ("indicator", "reminders")
# ATC codes of agents for the order-sign drafts (the same list as kb fhir.ini).
ATC = {"M05BA04": "alendronic acid", "M05BA06": "ibandronic acid", "M05BA07": "risedronic acid",
       "M05BA08": "zoledronic acid", "M05BX04": "denosumab", "M05BX06": "romosozumab",
       "H05AA02": "teriparatide", "H05AA04": "abaloparatide", "G03XC01": "raloxifene"}

diffs = []
compared = 0
# (new, old): the knowledge base's version string, when the refactor's
# commit bumped it (every kb/ change does); nothing else, not even its date
# (a date could hide a changed due date).
renames = []


def kb_identity(binary):
    """(version, updated) from `--version`: "knowledge base V (status, updated D)"."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"knowledge base (\S+) \(\w+, updated (\S+)\)", out)
    return (m.group(1), m.group(2)) if m else (None, None)


def strip_added(body):
    """The new plan JSON without the top-level members added on purpose
    (ADDED_KEYS), every other byte as written; other bodies unchanged."""
    s = body.decode(errors="replace")
    if not s.lstrip().startswith("{") or not any('"%s"' % k in s for k in ADDED_KEYS):
        return body
    members = []  # (start, end, key) of each top-level member, start at its separator
    depth, in_str, esc, i, sep, key, key_start = 0, False, False, 0, None, None, None
    while i < len(s):
        ch = s[i]
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
                if depth == 1 and key is None:
                    key = s[key_start + 1:i]
        elif ch == '"':
            in_str = True
            if depth == 1 and key is None:
                key_start = i
        elif ch in "{[":
            depth += 1
            if depth == 1:
                sep = i
        elif ch in "}]" or (ch == "," and depth == 1):
            if depth == 1 and key is not None:
                end = i if ch == "," else len(s[:i].rstrip())
                members.append((sep, end, key))
                sep, key = i, None
            if ch != ",":
                depth -= 1
        i += 1
    for a, b, k in reversed(members):
        if k in ADDED_KEYS:
            if members[0][2] == k:  # the first member: drop its trailing comma instead
                nxt = s.index(",", b)
                s = s[:a + 1] + s[nxt + 1:]
            else:
                s = s[:a] + s[b:]
    return s.encode()


def same(what, old, new, is_json=False):
    global compared
    compared += 1
    if is_json:  # from both sides: an old binary may already have them
        old, new = strip_added(old), strip_added(new)
    for n, o in renames:
        new = new.replace(n, o)
    if old != new:
        diffs.append((what, old, new))


def untimed(summary):
    return re.sub(rb", [0-9.]+ s, [0-9]+ records/s", b"", summary)


def run(binary, args, data=None):
    p = subprocess.run([binary] + args, input=data, capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def cli_renderings(old, new, path, label, extra=()):
    for fmt in FORMATS:
        for aud in AUDIENCES:
            args = ["assess", "--format", fmt, "--audience", aud, "--as-of", AS_OF] + list(extra) + [path]
            ro, so, eo = run(old, args)
            rn, sn, en = run(new, args)
            same("%s %s/%s exit" % (label, fmt, aud), str(ro).encode(), str(rn).encode())
            same("%s %s/%s stdout" % (label, fmt, aud), so, sn, fmt == "json")
            same("%s %s/%s stderr" % (label, fmt, aud), eo, en)


def vignette_records():
    vd = os.path.join(HERE, "vignettes")
    for f in sorted(os.listdir(vd)):
        if f.endswith(".json"):
            with open(os.path.join(vd, f)) as fh:
                yield f, json.load(fh)["patient"]
    with open(os.path.join(ROOT, "examples", "patient.json")) as fh:
        yield "examples/patient.json", json.load(fh)


def part_cli(old, new, tmp):
    n = 0
    for name, rec in vignette_records():
        p = os.path.join(tmp, "rec.json")
        with open(p, "w") as fh:
            json.dump(rec, fh)
        cli_renderings(old, new, p, name)
        res = fhir_fixtures.to_fhir(rec)
        if res:
            with open(p, "w") as fh:
                json.dump({"resourceType": "Bundle", "type": "collection",
                           "entry": [{"resource": r} for r in res]}, fh)
            cli_renderings(old, new, p, name + " (FHIR)", ["--input", "fhir"])
        n += 1
    print("command line: %d records, every format and audience" % n)


class Client:
    def __init__(self, port):
        self.port = port
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path, body):
        for _ in range(2):
            try:
                self.c.request("POST", path, body=body, headers={"Content-Type": "application/json"})
                r = self.c.getresponse()
                return r.status, r.read()
            except (http.client.HTTPException, OSError):
                self.c.close()
                self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        raise RuntimeError("no answer from port %d" % self.port)


CONFIG = "[server]\nbody_limit_bytes = 8388608\n[jwt]\nrequired = false\n[api]\nopen = true\n"


def start(binary):
    return serving.start(binary, AS_OF, CONFIG, threads=2)


def api_calls(lines):
    for i, line in enumerate(lines):
        for fmt in FORMATS:
            for aud in AUDIENCES:
                yield "synth line %d %s/%s" % (i + 1, fmt, aud), "/api/assess?format=%s&audience=%s" % (fmt, aud), \
                    line, fmt == "json"


def cds_calls(records):
    pv, os_ = "/cds-services/osteoplan-patient-view", "/cds-services/osteoplan-order-sign"
    for name, rec in records:
        res = fhir_fixtures.to_fhir(rec)
        if not res:
            continue
        pid = res[0]["id"]
        prefetch = fhir_fixtures.prefetch_of(res)
        ctx = {"userId": "Practitioner/dr-1", "patientId": pid}
        req = {"hook": "patient-view", "hookInstance": "i-" + pid, "context": ctx, "prefetch": prefetch}
        yield "%s patient-view" % name, pv, json.dumps(req).encode(), False
        for code, display in ATC.items():
            d = {"resourceType": "MedicationRequest", "id": "rx-" + code, "status": "draft", "intent": "order",
                 "subject": {"reference": "Patient/" + pid},
                 "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": code,
                                                           "display": display}]}}
            octx = dict(ctx, draftOrders={"resourceType": "Bundle", "type": "collection", "entry": [{"resource": d}]})
            req = {"hook": "order-sign", "hookInstance": "i-%s-%s" % (pid, code), "context": octx,
                   "prefetch": prefetch}
            yield "%s order-sign %s" % (name, code), os_, json.dumps(req).encode(), False


def part_http(old, new, calls, label):
    po, port_o, lo = start(old)
    pn, port_n, ln = start(new)
    n = 0
    try:
        def work(chunk):
            co, cn = Client(port_o), Client(port_n)
            out = []
            for what, path, body, is_json in chunk:
                out.append((what, co.post(path, body), cn.post(path, body), is_json))
            return out
        calls = list(calls)
        chunks = [calls[i::4] for i in range(4)]
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            for res in ex.map(work, chunks):
                for what, (so, bo), (sn, bn), is_json in res:
                    # card and suggestion ids are random per answer: compared as "uuid"
                    bo, bn = (re.sub(rb'"uuid":"[0-9a-f-]{36}"', b'"uuid":"-"', x) for x in (bo, bn))
                    same(what + " status", str(so).encode(), str(sn).encode())
                    same(what, bo, bn, is_json)
                    n += 1
    finally:
        serving.stop(po, lo)
        serving.stop(pn, ln)
    print("%s: %d answers" % (label, n))


def self_test(binary):
    """BIN against itself: no difference. BIN against a wrapper that loads a
    copy of the knowledge base with one wording changed: differences."""
    global diffs, compared
    tmp = tempfile.mkdtemp()
    kb = os.path.join(tmp, "kb")
    shutil.copytree(os.path.join(ROOT, "kb"), kb, dirs_exist_ok=True)
    changed = 0
    for dirpath, _, files in os.walk(kb):
        for f in files:
            if f == "texts.ini":
                t = open(os.path.join(dirpath, f)).read()
                # values only, never a placeholder: section names, keys and {names} are
                # codes the loader checks
                t2 = "".join(ln.split("=", 1)[0] + "=" + re.sub(r"(?<![{_])fracture(?![_}])", "fractvre", ln.split("=", 1)[1])
                             if "=" in ln and not ln.lstrip().startswith(("#", "[")) else ln
                             for ln in t.splitlines(True))
                changed += t2 != t
                open(os.path.join(dirpath, f), "w").write(t2)
    wrapper = os.path.join(tmp, "osteoplan-wrapped")
    with open(wrapper, "w") as fh:
        fh.write('#!/bin/sh\ncmd=$1; shift\ncase $cmd in assess|screen|serve) exec "%s" "$cmd" --kb "%s" "$@";; '
                 '*) exec "%s" "$cmd" "$@";; esac\n' % (binary, kb, binary))
    os.chmod(wrapper, 0o755)
    small = ["--synth", "300", "--cds", "300"]
    r_same = subprocess.run([sys.executable, __file__, binary, binary] + small, capture_output=True, text=True)
    r_diff = subprocess.run([sys.executable, __file__, binary, wrapper] + small, capture_output=True, text=True)
    ok = changed and r_same.returncode == 0 and r_diff.returncode == 1
    need = ["/clinician stdout", "synth line", "patient-view", "order-sign"]
    missing = [n for n in need if ("differs: " not in r_diff.stdout) or n not in r_diff.stdout]
    print("same binary: exit %d (%s)" % (r_same.returncode, r_same.stdout.strip().splitlines()[-1:]))
    print("changed wording: exit %d (%s)" % (r_diff.returncode, r_diff.stdout.strip().splitlines()[-1:]))
    if missing:
        print("the changed wording was not seen in: %s" % missing)
    sys.exit(0 if ok and not missing else 1)


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--self-test":
        self_test(os.path.abspath(args[1]))
    if len(args) < 2:
        sys.exit(__doc__)
    old, new = os.path.abspath(args[0]), os.path.abspath(args[1])
    opt = {"--synth": "10000", "--seed": "1", "--cds": "10000"}
    rest = args[2:]
    while rest:
        if rest[0] not in opt or len(rest) < 2:
            sys.exit(__doc__)
        opt[rest[0]] = rest[1]
        rest = rest[2:]
    o, n = kb_identity(old)[0], kb_identity(new)[0]
    if o and n and o != n:
        renames.append((n.encode(), o.encode()))
        # Markdown escapes the dot after the year (`2026\.11.2`), and JSON its
        # backslash (a CDS card's detail)
        for esc in ("\\.", "\\\\."):
            renames.append((n.replace(".", esc, 1).encode(), o.replace(".", esc, 1).encode()))
        print("the new knowledge base's version %s is read as the old one's %s" % (n, o))
    tmp = tempfile.mkdtemp()
    part_cli(old, new, tmp)

    synth = ["synth", "--count", opt["--synth"], "--seed", opt["--seed"], "--as-of", AS_OF]
    _, so, _ = run(old, synth)
    _, sn, _ = run(new, synth)
    same("synth --seed %s" % opt["--seed"], so, sn)
    path = os.path.join(tmp, "synth.ndjson")
    with open(path, "wb") as fh:
        fh.write(so)
    for fmt in ("ndjson", "csv"):
        for gaps in ([], ["--gaps-only"]):
            a = ["screen", "--threads", "2", "--format", fmt, "--as-of", AS_OF] + gaps + [path]
            _, out_o, err_o = run(old, a)
            _, out_n, err_n = run(new, a)
            same("screen %s %s stdout" % (fmt, gaps), out_o, out_n)
            # the summary's timing is the only part allowed to differ
            same("screen %s %s stderr" % (fmt, gaps), untimed(err_o), untimed(err_n))
    bulk = os.path.join(HERE, "data", "fhir", "synthea-bulk-10")
    a = ["screen", "--input", "fhir", "--as-of", AS_OF, bulk]
    same("screen FHIR Bulk sample", run(old, a)[1], run(new, a)[1])
    print("screening: %s synthetic records, ndjson and csv; the FHIR Bulk sample" % opt["--synth"])

    lines = [ln for ln in so.split(b"\n") if ln]
    part_http(old, new, api_calls(lines), "/api/assess")
    recs = list(vignette_records())
    recs += [("synth line %d" % (i + 1), json.loads(ln)) for i, ln in enumerate(lines[:int(opt["--cds"])])]
    part_http(old, new, cds_calls(recs), "CDS Hooks")

    print("%d outputs compared, %d differ" % (compared, len(diffs)))
    for what, o, n in diffs[:20]:
        print("--- differs: %s" % what)
        d = difflib.unified_diff(o.decode(errors="replace").splitlines(), n.decode(errors="replace").splitlines(),
                                 "old", "new", lineterm="", n=1)
        print("\n".join(list(d)[:30]))
    for what, _, _ in diffs[20:]:
        print("--- differs: %s" % what)
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
