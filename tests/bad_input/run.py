#!/usr/bin/env python3
"""The bad-input corpus (cases.json, files/) through every way in:

  assess  exit 2, nothing on standard output, the message names the path;
  screen  the bad line counted and reported with its number, and every good
          line around it still written;
  HTTP    POST /api/assess answers 422 {error, path} (or the case's
          http_status), and the server keeps answering afterwards.

Cases marked expect "ok" are read as written (the reader's normalisations).

usage: run.py OSTEOPLAN
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))
import serving  # noqa: E402
from checks import check, failures  # noqa: E402

BIN = sys.argv[1]
AS_OF = "2026-11-01"
GOOD = b'{"id":"good","as_of":"2026-11-01","sex":"female","birth_date":"1950-03-01"}'
TMP = tempfile.mkdtemp()


def generate(case):
    """The cases too big to keep as files."""
    if case["generate"] == "deep_nesting":
        n = case["depth"]
        return b'{"sex":"female","age":70,"extensions":' + b"[" * n + b"]" * n + b"}"
    if case["generate"] == "long_line":
        head = b'{"sex":"female","age":70,"id":"'
        return head + b"x" * (case["bytes"] - len(head) - 2) + b'"}'
    if case["generate"] == "list":  # a list of the record at, or past, the engine's capacity
        elem = LIST_ELEMS[case["field"]]
        items = b"[" + b",".join([elem] * case["count"]) + b"]"
        head = b'{"id":"bad-1","as_of":"2026-11-01","sex":"female","birth_date":"1950-03-01",'
        if case["field"].startswith("labs."):
            return head + b'"labs":{"' + case["field"][5:].encode() + b'":' + items + b"}}"
        return head + b'"' + case["field"].encode() + b'":' + items + b"}"
    raise ValueError(case["generate"])


LIST_ELEMS = {
    "bmd": b'{"site":"total_hip","t_score":-1.0,"date":"2026-01-01"}',
    "fractures": b'{"site":"rib","year":2000}',
    "therapies": b'{"agent":"alendronate","start":"2020-01-01","end":"2021-01-01"}',
    "medications": b'{"class":"glucocorticoid","name":"x"}',
    "conditions": b'{"code":"stroke"}',
    "labs.p1np": b'{"value":40,"date":"2026-01-01"}',
    "labs.ctx": b'{"value":0.3,"date":"2026-01-01"}',
}


def data_of(case):
    if "generate" in case:
        return generate(case)
    with open(os.path.join(HERE, "files", case["file"]), "rb") as f:
        return f.read()


def check_assess(case, path):
    p = subprocess.run([BIN, "assess", "--format", "json", path], capture_output=True, timeout=120)
    out, err = p.stdout, p.stderr.decode("utf-8", "replace")
    name = "assess: " + case["name"]
    if case.get("expect") == "ok":
        check(p.returncode == 0 and json.loads(out)["schema"], name + " is read (rc=%d %s)" % (p.returncode, err[:200]))
        check(not re.search(rb"[:,\[]\s*-0(?![.\d])", out), name + ": no -0 in the plan")
        return
    want = case.get("assess_error", case["error"])
    check(p.returncode == 2, name + ": exit 2 (got %d)" % p.returncode)
    check(out == b"", name + ": nothing on standard output")
    check(want in err, name + ": message has %r: %s" % (want, err[:300]))
    check(case["path"] in err, name + ": message names %r: %s" % (case["path"], err[:300]))


def check_screen(case, data):
    stream = GOOD + b"\n" + data + b"\n" + GOOD + b"\n"
    p = subprocess.run([BIN, "screen", "--threads", "2"], input=stream, capture_output=True, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    lines = p.stdout.decode().splitlines()
    name = "screen: " + case["name"]
    check(p.returncode == 0, name + ": exit 0 (got %d)" % p.returncode)
    if case.get("expect") == "ok":
        check(len(lines) == 3 and "0 bad lines" in err, name + ": three lines written: " + err[:200])
        return
    if case.get("screen") == "blank":
        check(len(lines) == 2 and "0 bad lines, 1 blank lines" in err, name + ": a blank line: " + err[:200])
        return
    want = case.get("screen_error", case["error"])
    check(len(lines) == 2 and all(json.loads(x)["patient_id"] == "good" for x in lines),
          name + ": both good lines written (%d lines)" % len(lines))
    check("2 records, 1 bad lines" in err, name + ": counted: " + err[-400:])
    reported = [x for x in err.splitlines() if x.startswith("line 2: ")]
    check(len(reported) == 1 and want in reported[0] and case["path"] in reported[0],
          name + ": reported as line 2 with %r and %r: %s" % (want, case["path"], err[:300]))


def check_http(case, data, port):
    name = "HTTP: " + case["name"]
    if case.get("http_skip"):  # a case the test server cannot see (the reason is in the case)
        return
    try:
        status, body = serving.call(port, "POST", "/api/assess", raw=data, timeout=60)
    except OSError as e:  # the server may answer 413 and close before the upload ends
        check(case.get("http_status") == 413, name + ": connection failed: %s" % e)
        return
    if case.get("expect") == "ok":
        check(status == 200, name + ": 200 (got %d)" % status)
        return
    want_status = case.get("http_status", 422)
    check(status == want_status, name + ": %d (got %d %s)" % (want_status, status, str(body)[:200]))
    check(isinstance(body, dict) and isinstance(body.get("error"), str), name + ": a JSON error")
    if status == 422 and isinstance(body, dict):
        check(case["error"] in body.get("error", ""), name + ": error has %r: %s" % (case["error"], body))
        check(body.get("path", "") == case["path"], name + ": path %r (got %r)" % (case["path"], body.get("path")))


def main():
    with open(os.path.join(HERE, "cases.json")) as f:
        cases = json.load(f)["cases"]
    proc, port, log = serving.start(BIN, AS_OF)
    try:
        for case in cases:
            data = data_of(case)
            path = os.path.join(TMP, "case.json")
            with open(path, "wb") as f:
                f.write(data)
            check_assess(case, path)
            check_screen(case, data)
            check_http(case, data, port)
            os.unlink(path)
        status, body = serving.call(port, "GET", "/healthz")
        check(status == 200 and proc.poll() is None, "the server still answers after every bad request")
    finally:
        text = serving.stop(proc, log)
    check("good" not in text and "bad-1" not in text, "no patient data in the server log")
    print("%d cases, %d failed checks" % (len(cases), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
