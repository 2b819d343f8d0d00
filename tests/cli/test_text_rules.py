#!/usr/bin/env python3
"""The renderings' rules of profile 2026.12 (spec/plan.md, "Every rendering").

usage: test_text_rules.py BINARY [--count N] [--seed S]

Renders the clinician and patient text of every vignette in tests/vignettes
and of N synthetic records (`osteoplan synth`; default 2000), and the
Markdown and HTML of the vignettes, and fails on:
  - a sentence said twice in one rendering;
  - a risk line reading "low" (the knowledge base's words) in a rendering
    with an urgent (critical) message;
  - "a bone scan first" (the knowledge base's assess text) or "no bone scan
    result" for a record that has a bone density result;
  - an unfilled {placeholder};
  - no review notice at the top while the knowledge base is not approved;
  - a fracture named generically ("your hip or a bone in your spine").
The words are read from kb/common/texts.ini, so a change of wording there
keeps the test meaningful. Before the real run the checks are run on
planted defects (texts and one planted knowledge base) and must fail
there: a checker that cannot fail is a defect.
"""
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.path.abspath(sys.argv[1])
ARGS = sys.argv[2:]
COUNT = int(ARGS[ARGS.index("--count") + 1]) if "--count" in ARGS else 2000
SEED = ARGS[ARGS.index("--seed") + 1] if "--seed" in ARGS else "20261206"


def ini(path):
    """{section: {key: value}} of a knowledge-base file (no continuation lines)."""
    out, sec = {}, None
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            sec = out.setdefault(line[1:-1], {})
        elif "=" in line and sec is not None:
            k, v = line.split("=", 1)
            sec[k.strip()] = v.strip()
    return out


def words(kb_dir):
    t = ini(os.path.join(kb_dir, "common", "texts.ini"))
    return {
        "low": [t["risk.low"]["clinician"], t["risk.low"]["patient"]],
        "critical": ["[%s]" % t["severity.critical"]["clinician"], t["severity.critical"]["patient"] + ":"],
        "scan_first": [t["action.assess"]["clinician"], t["action.assess"]["patient"],
                       t["diagnosis.unknown"]["clinician"], t["diagnosis.unknown"]["patient"]],
        "sources": t["ui.sources"]["clinician"],
        "review": [t["ui.kb_not_reviewed"]["clinician"].split(" (")[0], t["ui.kb_not_reviewed"]["patient"]],
    }


SENTENCE_END = re.compile(r"(?<=[.!?])(?= |$)")
# a label that only sets an item's tone ("Urgent:", "Good to know:",
# "Reminder:"): capitalised, three words at most; an agent's or a
# criterion's label stays part of what is said
LABEL = re.compile(r"^(?:\*\*)?[A-Z][A-Za-z()]*(?: [A-Za-z()]+){0,2}:(?:\*\*)? ")
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_.:]*\}")


def sentences(text, sources_heading):
    """The sentences of a text rendering worth comparing: three words or more,
    not a list of sources, without an item's label ("Urgent:", "Reminder:"),
    up to the list of sources (titles of papers share their authors)."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.lstrip("#< ").startswith(sources_heading) and len(line.lstrip("# ")) <= len(sources_heading) + 1:
            break
        if line.startswith("- "):
            line = line[2:]
        line = LABEL.sub("", line, count=1)
        for s in SENTENCE_END.split(line):
            s = s.strip()
            if s.count(" ") >= 2 and not s.startswith("["):
                out.append(s)
    return out


def problems(text, has_bmd, w, approved=False):
    bad = []
    seen = set()
    for s in sentences(text, w["sources"]):
        if s in seen:
            bad.append("sentence repeated: %r" % s)
        seen.add(s)
    low = text.lower()
    if any(c.lower() in low for c in w["critical"]) and any(l.lower() in low for l in w["low"]):
        bad.append("a low-risk line beside an urgent message")
    if has_bmd:
        for s in w["scan_first"]:
            if s.lower() in low:
                bad.append("%r said to a patient with a bone density result" % s)
    m = PLACEHOLDER.search(text)
    if m:
        bad.append("unfilled placeholder %s" % m.group(0))
    top = "\n".join([l for l in text.splitlines() if l.strip()][:5]).lower()
    if not approved and not any(r.lower() in top for r in w["review"]):
        bad.append("no review notice at the top")
    if "hip or a bone in your spine" in low:
        bad.append("a fracture named generically")
    return bad


def render(rec, audience, fmt="text", kb=None):
    args = [BIN, "assess", "--format", fmt, "--audience", audience, "-"]
    if kb:
        args[2:2] = ["--kb", kb]
    p = subprocess.run(args, input=json.dumps(rec).encode(), capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def strip_markup(text, fmt):
    if fmt == "html":
        text = re.sub(r"<(head)[^>]*>.*?</\1>", "", text, flags=re.S)
        text = re.sub(r"</(p|li|h[1-6]|footer)>", "\n", text)
        text = re.sub(r"<[^>]+>", "", text)
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    if fmt == "markdown":
        return re.sub(r"\\(.)", r"\1", text).replace("**", "")
    return text


def check_all(records, w, kb=None, formats=("text",)):
    """{what: [problems]} for every record, audience and format."""
    jobs = [(name, rec, aud, fmt) for name, rec in records for aud in ("clinician", "patient") for fmt in formats]
    failures = {}

    def one(job):
        name, rec, aud, fmt = job
        rc, out, err = render(rec, aud, fmt, kb)
        if rc == 2 and not kb:
            return job, None  # a record the contract refuses (synth --bad-rate 0 gives none)
        if rc != 0:
            return job, ["exit %d: %s" % (rc, err.strip())]
        return job, problems(strip_markup(out, fmt), bool(rec.get("bmd")), w)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2) * 2) as ex:
        for (name, rec, aud, fmt), bad in ex.map(one, jobs):
            if bad:
                failures["%s %s %s" % (name, aud, fmt)] = bad
    return failures


def self_test(w, vignettes, synth):
    """Every check fails on a planted defect."""
    ok = True
    planted = {
        "repeat": "Never stop denosumab on your own. Never stop denosumab on your own.",
        "low": "Read this first\n  - %s Denosumab is late.\n  - %s" % (w["critical"][1], w["low"][1]),
        "scan": w["scan_first"][1],
        "placeholder": "Bone scan (DXA): by {date}.",
        "review": "Your bone health plan\n=====================\nFor 2026-11-01\n",
        "generic": "You broke your hip or a bone in your spine after a small fall or bump.",
    }
    review = w["review"][1] + "\n"
    for what, text in planted.items():
        bad = problems(text if what == "review" else review + text, what == "scan", w)
        print("planted %-11s -> %s" % (what, bad))
        ok &= bool(bad)
    clean = problems(review + "Your risk of breaking a bone is high. You broke your hip on 2025-06-30.", True, w)
    print("clean text -> %s" % clean)
    ok &= not clean
    # a planted knowledge base: an unfilled placeholder and a low-risk line
    # that stands beside urgent messages must be found in real renderings
    tmp = tempfile.mkdtemp()
    try:
        kb = os.path.join(tmp, "kb")
        shutil.copytree(os.path.join(ROOT, "kb"), kb)
        texts = os.path.join(kb, "common", "texts.ini")
        t = open(texts, encoding="utf-8").read()
        t = t.replace("[ui.due]\nclinician = due\npatient = by\n", "[ui.due]\nclinician = due\npatient = by {value}\n")
        t = re.sub(r"(\[ui\.risk_low_urgent\]\nclinician = [^\n]*\npatient = )[^\n]*", r"\1" + w["low"][1], t)
        open(texts, "w", encoding="utf-8").write(t)
        found = check_all(vignettes + synth[:300], w, kb=kb)
        kinds = {p.split(" ")[0] for bad in found.values() for p in bad}
        print("planted knowledge base: %d renderings fail (%s)" % (len(found), ", ".join(sorted(kinds))))
        ok &= any("unfilled placeholder" in p for bad in found.values() for p in bad)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ok


def main():
    w = words(os.path.join(ROOT, "kb"))
    vdir = os.path.join(ROOT, "tests", "vignettes")
    vignettes = [(f, json.load(open(os.path.join(vdir, f)))["patient"]) for f in sorted(os.listdir(vdir)) if f.endswith(".json")]
    p = subprocess.run([BIN, "synth", "--count", str(COUNT), "--seed", SEED], capture_output=True, check=True)
    synth = [("synth-%d" % i, json.loads(l)) for i, l in enumerate(p.stdout.decode().splitlines()) if l.strip()]
    if not self_test(w, vignettes, synth):
        print("FAIL: a check did not fire on its planted defect")
        return 1
    failures = check_all(vignettes, w, formats=("text", "markdown", "html"))
    failures.update(check_all(synth, w))
    for what, bad in sorted(failures.items())[:40]:
        print("FAIL %s: %s" % (what, "; ".join(bad[:3])))
    n = (len(vignettes) * 3 + len(synth)) * 2
    print("%d renderings checked (%d vignettes in text, Markdown and HTML; %d synthetic records in text), %d failed"
          % (n, len(vignettes), len(synth), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
