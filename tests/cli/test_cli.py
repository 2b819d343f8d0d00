#!/usr/bin/env python3
"""End-to-end tests of `osteoplan` through the real binary.

usage: test_cli.py BINARY GROUP
GROUP is one of: vignettes, bad_input, options, kb, formats, readability,
consistency. Each group prints one line per failure and closes with
"N passed, M failed"; the exit status is 1 when anything failed.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

from expect import check_expect, fetch_labels

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VIGNETTES = os.path.join(ROOT, "tests", "vignettes")
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "osteoplan")
TMP = tempfile.mkdtemp(prefix="osteoplan-test-")

passed = 0
failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL %s: %s" % (name, why))


def run(args, stdin=None, timeout=60):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def write(name, data):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def vignette_cases():
    for f in sorted(os.listdir(VIGNETTES)):
        if f.endswith(".json"):
            with open(os.path.join(VIGNETTES, f)) as fh:
                yield f, json.load(fh)


def plan_for(record, extra=()):
    path = write("rec.json", json.dumps(record))
    rc, out, err = run(["assess", "--format", "json"] + list(extra) + [path])
    return rc, (json.loads(out) if rc == 0 else None), err


# ---- vignettes ---------------------------------------------------------------

def group_vignettes():
    labels = fetch_labels(BIN)
    for name, v in vignette_cases():
        unknown = set(v) - {"name", "about", "patient", "expect"}
        check(name + " keys", not unknown, "unknown vignette keys %s" % sorted(unknown))
        rc, plan, err = plan_for(v["patient"])
        if rc != 0:
            check(name, False, "exit %d: %s" % (rc, err.strip()))
            continue
        bad = check_expect(plan, v["expect"], labels)
        check(name, not bad, "; ".join(bad))
        # the screen-style output is a subset of the same plan: same as --format json again
        rc2, plan2, _ = plan_for(v["patient"])
        check(name + " deterministic", plan == plan2)
    inv = os.path.join(VIGNETTES, "invalid")
    for f in sorted(os.listdir(inv)):
        path = os.path.join(inv, f)
        want = ""
        if f.endswith(".json"):
            with open(path) as fh:
                v = json.load(fh)
            want = v["expect_error_mentions"]
            path = write("inv.json", json.dumps(v["patient"]))
        rc, out, err = run(["assess", "--format", "json", path])
        check("invalid/" + f, rc == 2 and not out and want in err, "rc=%d out=%r err=%r" % (rc, out[:60], err))


# ---- bad input ---------------------------------------------------------------

BASE = {"as_of": "2026-11-01", "sex": "female", "birth_date": "1955-01-01", "menopause": "post"}


def group_bad_input():
    cases = [
        ("empty file", b"", "empty input"),
        ("whitespace only", b" \n\t ", "empty input"),
        ("byte-order mark", b"\xef\xbb\xbf" + json.dumps(BASE).encode(), "byte-order mark"),
        ("NUL byte", json.dumps(BASE).encode()[:-1] + b"\x00}", "NUL"),
        ("not JSON", b"sex: female", "not valid JSON"),
        ("truncated", b'{"sex": "female", "age": 70,', "not valid JSON"),
        ("trailing comma", b'{"sex": "female", "age": 70,}', "not valid JSON"),
        ("invalid UTF-8", b'{"sex": "female", "age": 70, "id": "\xc3\x28"}', "invalid UTF-8"),
        ("1e999", b'{"sex": "female", "age": 1e999}', "age"),
        ("duplicate key", b'{"sex": "female", "age": 70, "age": 71}', "age"),
        ("array root", b"[]", "a JSON object"),
        ("string root", b'"x"', "a JSON object"),
        ("deep nesting", b'{"extensions":' + b"[" * 100000 + b"]" * 100000 + b"}", "nested"),
        ("wrong type", json.dumps(dict(BASE, bmd={"site": "total_hip"})).encode(), "bmd"),
        ("null sex", json.dumps(dict(BASE, sex=None)).encode(), "sex"),
        ("unknown code", json.dumps(dict(BASE, conditions=[{"code": "gout"}])).encode(), "conditions[0].code"),
        ("reversed dates", json.dumps(dict(BASE, medications=[{"class": "other", "start": "2024-01-01", "end": "2023-01-01"}])).encode(),
         "medications[0].end"),
        ("date after as_of", json.dumps(dict(BASE, fractures=[{"site": "hip", "date": "2027-01-01"}])).encode(), "fractures[0].date"),
        ("negative lab", json.dumps(dict(BASE, labs={"calcium_mg_dl": -1})).encode(), "labs.calcium_mg_dl"),
        ("bad as_of", json.dumps(dict(BASE, as_of="2026-11-31")).encode(), "as_of"),
        ("201 fractures", json.dumps(dict(BASE, fractures=[{"site": "rib", "year": 2000}] * 201)).encode(), "fractures: expected at most 200"),
    ]
    for name, data, want in cases:
        rc, out, err = run(["assess", "--format", "json", write("bad.json", data)])
        check("bad input: " + name, rc == 2 and out == "" and want in err, "rc=%d out=%r err=%r" % (rc, out[:40], err[:200]))
    # a line of more than 64 MiB is refused without reading it into the engine
    big = os.path.join(TMP, "big.json")
    with open(big, "wb") as f:
        f.write(b'{"sex":"female","age":70,"id":"')
        chunk = b"x" * (1 << 20)
        for _ in range(70):
            f.write(chunk)
        f.write(b'"}')
    rc, out, err = run(["assess", "--format", "json", big])
    check("bad input: 70 MB record", rc == 2 and out == "" and "larger than" in err, "rc=%d err=%r" % (rc, err[:200]))
    os.unlink(big)
    # the longest lists allowed, everything pairwise: a hang guard, not a speed
    # test (a healthy run takes tens of milliseconds; a quadratic blow-up of
    # the history checks would take minutes)
    worst = dict(BASE,
                 bmd=[{"site": "total_hip", "t_score": -2.0, "bmd_g_cm2": 0.8 - i * 0.001, "date": "2010-01-01" if i % 2 else "2015-06-01"} for i in range(200)],
                 fractures=[{"site": "rib", "date": "2016-01-01"}] * 200,
                 therapies=[{"agent": "alendronate", "start": "2012-01-01"}] * 200,
                 labs={"p1np": [{"value": 50, "date": "2012-01-01"}] * 200, "ctx": [{"value": 0.5, "date": "2012-03-01"}] * 200})
    import time
    t0 = time.time()
    rc, out, err = run(["assess", "--format", "json", write("worst.json", json.dumps(worst))])
    dt = time.time() - t0
    check("largest allowed record does not hang (%.2f s)" % dt, rc == 0 and dt < 20, "rc=%d %.2fs %s" % (rc, dt, err[:200]))
    rc, out, err = run(["assess", os.path.join(TMP, "does-not-exist.json")])
    check("missing file", rc == 2 and out == "" and "No such file" in err, err)
    rc, out, err = run(["assess", TMP])
    check("directory", rc == 2 and out == "", "rc=%d %s" % (rc, err))


# ---- options -----------------------------------------------------------------

def group_options():
    rc, out, err = run(["--help"])
    check("--help", rc == 0 and "assess" in out)
    rc, out, err = run(["assess", "--help"])
    for opt in ("--format", "--audience", "--as-of", "--kb", "exit status"):
        check("assess --help documents " + opt, rc == 0 and opt in out)
    rc, out, err = run(["--version"])
    check("--version", rc == 0 and re.search(r"osteoplan \d", out) and "knowledge base 2026" in out and "draft" in out, out)
    rc, out, err = run([])
    check("no command", rc == 2)
    rc, out, err = run(["frobnicate"])
    check("unknown command", rc == 2 and "unknown command" in err)
    ex = os.path.join(ROOT, "examples", "patient.json")
    rc, out, err = run(["assess", "--format", "yaml", ex])
    check("bad --format", rc == 2 and out == "" and "--format" in err)
    rc, out, err = run(["assess", "--audience", "family", ex])
    check("bad --audience", rc == 2 and out == "")
    rc, out, err = run(["assess", "--bogus", ex])
    check("unknown option", rc == 2 and out == "")
    rc, out, err = run(["assess", "--format"])
    check("option without value", rc == 2)
    rc, out, err = run(["assess", "--format", "json", ex, ex])
    check("two files", rc == 2)
    rc, out, err = run(["assess", "--format", "json", "-"], stdin=open(ex, "rb").read())
    check("standard input", rc == 0 and json.loads(out)["patient_id"] == "p-001", err)
    rc, out, err = run(["assess", "--format", "json", "--as-of", "2027-06-01", ex])
    plan = json.loads(out) if rc == 0 else {}
    check("--as-of overrides the record", plan.get("as_of") == "2027-06-01", err)
    rc, out, err = run(["assess", "--format", "json", "--as-of", "2020-01-01", ex])
    check("--as-of before the record's dates is bad input", rc == 2 and out == "" and "bmd[0].date" in err, err)
    rc, out, err = run(["assess", "--format", "json", "--as-of", "2026-02-30", ex])
    check("--as-of impossible date", rc == 2 and "--as-of" in err, err)
    # no as_of anywhere: today's date is used
    rec = dict(BASE)
    del rec["as_of"]
    rc, plan, err = plan_for(rec)
    check("as_of defaults to today", rc == 0 and re.match(r"\d{4}-\d\d-\d\d$", plan["as_of"]), err)
    rc, out, err = run(["assess", ex])  # stdout is a pipe: JSON by default
    check("default format off a terminal is json", rc == 0 and out.lstrip().startswith("{"))


# ---- knowledge base ----------------------------------------------------------

def group_kb():
    src = os.path.join(ROOT, "kb")
    d = os.path.join(TMP, "kb")
    shutil.copytree(src, d)
    ex = os.path.join(ROOT, "examples", "patient.json")
    rc, out, err = run(["assess", "--format", "json", "--kb", d, ex])
    check("--kb with a good copy", rc == 0, err)
    base = json.loads(out) if rc == 0 else None
    rc2, out2, _ = run(["assess", "--format", "json", ex])
    check("the copy gives the built-in plan", rc2 == 0 and json.loads(out2) == base)

    def edit(fname, old, new):
        shutil.rmtree(d)
        shutil.copytree(src, d)
        p = os.path.join(d, fname)
        text = open(p).read()
        assert old in text, old
        line = text[: text.index(old)].count("\n") + 1
        open(p, "w").write(text.replace(old, new, 1))
        return line

    # a clinical number really is data: move the osteoporosis threshold
    edit("profiles/default/profile.ini", "t_score_osteoporosis = -2.5", "t_score_osteoporosis = -3.0")
    rec = dict(BASE, bmd=[{"site": "total_hip", "t_score": -2.7, "date": "2026-01-01"}])
    rc, plan, err = plan_for(rec, ["--kb", d])
    check("threshold edited in kb/ changes the diagnosis", rc == 0 and plan["diagnosis"] == "osteopenia", err)
    rc, plan, err = plan_for(rec)
    check("built-in threshold unchanged", rc == 0 and plan["diagnosis"] == "osteoporosis", err)
    # a preference order is data
    edit("profiles/default/regimens.ini", "agents = alendronate, risedronate, zoledronic_acid, denosumab",
         "agents = risedronate, alendronate, zoledronic_acid, denosumab")
    rc, plan, err = plan_for(rec, ["--kb", d])
    check("preference order edited in kb/", rc == 0 and plan["treatment"]["phases"][0]["options"][0]["agent"] == "risedronate", err)
    # rejected copies: file:line and what
    bad = [
        ("profiles/default/profile.ini", "t_score_osteoporosis = -2.5", "t_score_osteoporosis = low", "expected a number"),
        ("common/texts.ini", "[risk.low]", "[risk.lowish]", "unknown section [risk.lowish]"),
        ("common/texts.ini", "sources = S004\n", "sources = S042\n", "source 'S042' does not exist"),
        ("common/agents.ini", "reasons = immunosuppression", "reasons = immunity", "unknown reason code 'immunity'"),
        ("profiles/default/regimens.ini", "agents = teriparatide\n", "agents = teriparatide, strontium\n", "unknown agent 'strontium'"),
    ]
    for fname, old, new, want in bad:
        line = edit(fname, old, new)
        rc, out, err = run(["assess", "--format", "json", "--kb", d, ex])
        where = "%s:%d:" % (fname, line)
        check("kb rejects: " + want, rc == 2 and out == "" and want in err and where in err, "rc=%d %s (want %s)" % (rc, err.strip(), where))
    # the prose names the profile's numbers: a moved threshold shows in the
    # disagreement's "applied" text
    edit("profiles/default/profile.ini", "frax_major_very_high_pct = 30", "frax_major_very_high_pct = 35")
    frax = dict(BASE, bmd=[{"site": "total_hip", "t_score": -1.9, "date": "2026-08-01"}],
                frax={"major_osteoporotic_pct": 22, "hip_pct": 2.1})
    rc, plan, err = plan_for(frax, ["--kb", d])
    applied = [g["applied"] for g in (plan or {}).get("disagreements", []) if g["topic"] == "frax_very_high_risk"]
    check("threshold edited in kb/ shows in the disagreement's applied text",
          applied == ["very high at FRAX major osteoporotic >= 35% or hip >= 4.5%"], "%s %s" % (applied, err))
    edit("profiles/default/disagreements.ini", "{risk.t_score_very_low}", "{risk.t_score_lowest}")
    rc, out, err = run(["assess", "--kb", d, ex])
    check("kb rejects an unknown number in prose", rc == 2 and "disagreements.ini:" in err and "{risk.t_score_lowest}" in err, err)
    # profiles: folders under profiles/, chosen with --profile; the plan names it
    shutil.rmtree(d)
    shutil.copytree(src, d)
    strict = os.path.join(d, "profiles", "strict")
    shutil.copytree(os.path.join(d, "profiles", "default"), strict)
    pf = os.path.join(strict, "profile.ini")
    text = open(pf).read()
    open(pf, "w").write(text.replace("profile = default", "profile = strict", 1))
    rc, plan, err = plan_for(rec, ["--kb", d, "--profile", "strict"])
    check("--profile strict: the plan names its profile", rc == 0 and plan["profile"] == "strict", err)
    rc, plan, err = plan_for(rec, ["--kb", d])
    check("no --profile: the default profile", rc == 0 and plan["profile"] == "default", err)
    rc, plan, err = plan_for(rec, ["--profile", "default"])
    check("--profile default, built in", rc == 0 and plan["profile"] == "default", err)
    for args in (["assess", "--kb", d, "--profile", "nogg", ex], ["screen", "--kb", d, "--profile", "nogg", ex]):
        rc, out, err = run(args)
        check(args[0] + " --profile unknown names the profiles there are",
              rc == 2 and out == "" and "unknown profile 'nogg' (profiles: default, strict)" in err, err)
    rc, out, err = run(["assess", "--profile", "nogg", ex])
    check("--profile unknown, built in", rc == 2 and "unknown profile 'nogg' (profiles: default)" in err, err)
    rc, out, err = run(["screen", "--kb", d, "--profile", "strict", write("one.ndjson", json.dumps(rec) + "\n")])
    check("screen --profile", rc == 0 and out.strip(), err)
    cfg = write("serve.ini", "[server]\nprofile = nogg\n")
    rc, out, err = run(["serve", "--config", cfg, "--listen", "127.0.0.1:0"], timeout=20)
    check("serve: [server] profile unknown is refused", rc == 2 and "unknown profile 'nogg'" in err, err)
    rc, out, err = run(["serve", "--config", cfg, "--profile", "nogg2", "--listen", "127.0.0.1:0"], timeout=20)
    check("serve: --profile wins over the file", rc == 2 and "unknown profile 'nogg2'" in err, err)
    shutil.rmtree(d)
    shutil.copytree(src, d)
    os.unlink(os.path.join(d, "profiles", "default", "rules.ini"))
    rc, out, err = run(["assess", "--kb", d, ex])
    check("kb missing file", rc == 2 and "rules.ini" in err, err)
    group_kb_wording(src, d, ex)


def group_kb_wording(src, d, ex):
    """The words around the values are the knowledge base's too: a copy with
    new wording shows it in the document, the cards' service list, and a copy
    without one of those texts is refused."""
    def copy_with(edits):
        shutil.rmtree(d)
        shutil.copytree(src, d)
        p = os.path.join(d, "common", "texts.ini")
        text = open(p).read()
        for old, new in edits:
            assert old in text, old
            text = text.replace(old, new, 1)
        open(p, "w").write(text)

    copy_with([("clinician = {other}; target T-score {value}; review by {date} {from}",
                "clinician = {other}; aim for a T-score of {value}; look again by {date} {from}"),
               ("patient = {other} It is {level}.", "patient = {other} This is {level}."),
               ("clinician = Osteoporosis drug order check", "clinician = Bone drug order check")])
    rc, out, err = run(["assess", "--format", "text", "--kb", d, ex])
    check("kb wording: the goal line", rc == 0 and "; aim for a T-score of -2.5; look again by " in out, err)
    rc, out, err = run(["assess", "--format", "text", "--audience", "patient", "--kb", d, ex])
    check("kb wording: the patient's decision line", rc == 0 and " This is " in out and " It is " not in out, err)
    sys.path.insert(0, os.path.join(ROOT, "tests", "server"))
    import serving
    proc, port, log = serving.start(BIN, "2026-11-01", "[jwt]\nrequired = false\n", extra=["--kb", d])
    try:
        status, body = serving.call(port, "GET", "/cds-services")[:2]
        titles = sorted(s["title"] for s in body["services"]) if status == 200 else body
    except OSError as e:
        titles = str(e)
    finally:
        serving.stop(proc, log)
    check("kb wording: the CDS services' titles", titles == ["Bone drug order check", "Osteoporosis treatment plan"],
          str(titles))
    copy_with([("[phrase.card_create]\nclinician = Draft MedicationRequest for {agent}\n", "")])
    rc, out, err = run(["assess", "--kb", d, ex])
    check("kb rejects a copy without a card text", rc == 2 and "no [phrase.card_create] section" in err, err)


# ---- formats -----------------------------------------------------------------

CODE_RE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def group_formats():
    ex = os.path.join(ROOT, "examples", "patient.json")
    rc, out, err = run(["assess", "--format", "text", ex])
    check("text", rc == 0 and out.startswith("Osteoporosis treatment plan") and "\033[" not in out)
    dec = out.index("Decision")
    check("text: decision first", dec < out.index("Why") < out.index("Avoid") < out.index("Alerts") < out.index("Monitoring")
          < out.index("Supplements") < out.index("Where the sources disagree") < out.index("Sources"))
    check("text: patient's values in the why", "-2.8 (lumbar spine, 2026-10-02)" in out)
    rc, out, err = run(["assess", "--format", "text", "--color", ex])
    check("text --color", rc == 0 and "\033[" in out)
    rc, out, err = run(["assess", "--format", "markdown", ex])
    check("markdown", rc == 0 and out.startswith("# ") and "\n## Decision" in out)
    rc, out, err = run(["assess", "--format", "html", ex])
    check("html document", rc == 0 and out.startswith("<!DOCTYPE html>") and out.rstrip().endswith("</html>"))
    check("html self-contained", not re.search(r"(src|href)\s*=|https?:|@import|<script", out))
    check("html has the decision", "teriparatide" in out and "class=\"decision\"" in out)
    for fmt in ("text", "markdown", "html"):
        for name, v in vignette_cases():
            path = write("v.json", json.dumps(v["patient"]))
            rc, out, err = run(["assess", "--format", fmt, "--audience", "patient", path])
            codes = [c for c in CODE_RE.findall(out) if c not in ("x",)]
            check("patient %s %s: no codes" % (fmt, name), rc == 0 and not codes, codes[:5])
            check("patient %s %s: do not start or stop" % (fmt, name), "Do not start or stop a bone drug on your own" in out)
            check("patient %s %s: no placeholder" % (fmt, name), "{" not in out.replace("{font", "").replace("{border", "")
                  .replace("{padding", "").replace("{margin", "").replace("{color", "").replace("{font-", "") or fmt == "html")
            rc, out, err = run(["assess", "--format", fmt, path])
            check("clinician %s %s" % (fmt, name), rc == 0 and (fmt == "html" or "{" not in out))
    # the safety messages a patient must hear
    rec = dict(BASE, bmd=[{"site": "total_hip", "t_score": -2.6, "date": "2026-01-01"}],
               therapies=[{"agent": "denosumab", "start": "2024-01-01", "last_dose": "2026-07-01"}])
    path = write("d.json", json.dumps(rec))
    rc, out, err = run(["assess", "--format", "text", "--audience", "patient", path])
    for msg in ("Never stop denosumab on your own", "thigh, groin or jaw", "dentist before any dental surgery"):
        check("patient safety message: " + msg, msg in out, out[:300])


# ---- readability -------------------------------------------------------------

def syllables(word):
    w = word.lower()
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    n = len(re.findall(r"[aeiouy]{1,2}", w))
    return max(1, n)


def fk_grade(text):
    """Flesch-Kincaid grade of a text: sentences end at . ! ? or a line end."""
    sentences = [s for s in re.split(r"[.!?:]+\s|\n+", text) if re.search(r"[A-Za-z]", s)]
    words = re.findall(r"[A-Za-z]+(?:'[a-z]+)?", text)
    if not words or not sentences:
        return 0.0
    syl = sum(syllables(w) for w in words)
    return 0.39 * len(words) / len(sentences) + 11.8 * syl / len(words) - 15.59


def group_readability():
    # the formula itself, on known text
    check("fk: simple text is low", fk_grade("The cat sat on the mat. It was a big cat.") < 3)
    check("fk: dense text is high", fk_grade(
        "Pharmacological intervention necessitates comprehensive individualized consideration of "
        "cardiovascular contraindications, concomitant immunosuppressive medications and renal insufficiency.") > 12)
    worst = 0
    for name, v in vignette_cases():
        path = write("v.json", json.dumps(v["patient"]))
        rc, out, err = run(["assess", "--format", "text", "--audience", "patient", path])
        body = "\n".join(l for l in out.splitlines() if not set(l) <= set("=") and l.strip())
        g = fk_grade(body)
        worst = max(worst, g)
        check("patient text of %s at or below grade 8 (%.1f)" % (name, g), rc == 0 and g <= 8.0, "grade %.1f" % g)
    print("worst Flesch-Kincaid grade of the patient texts: %.1f" % worst)


# ---- consistency -------------------------------------------------------------

AGENTS = ["alendronate", "risedronate", "ibandronate", "zoledronic_acid", "denosumab", "raloxifene",
          "hormone_therapy", "teriparatide", "abaloparatide", "romosozumab"]
CONDITIONS = ["osteoporosis", "myocardial_infarction", "stroke", "paget_disease", "bone_metastases",
              "hypercalcemia", "hyperparathyroidism", "hypocalcemia", "esophageal_disorder",
              "gi_intolerance_oral_bisphosphonate", "malabsorption", "organ_transplant", "osteonecrosis_of_jaw",
              "atypical_femoral_fracture", "thigh_or_groin_pain", "jaw_pain", "dental_surgery_planned",
              "venous_thromboembolism", "high_fall_risk"]
SITES = ["lumbar_spine", "total_hip", "femoral_neck", "one_third_radius"]
FX = ["hip", "vertebral", "wrist", "forearm", "humerus", "pelvis", "rib", "ankle", "other"]


def rdate(r, lo=2010, hi=2026):
    y = r.randint(lo, hi)
    m = r.randint(1, 12) if y < 2026 else r.randint(1, 10)
    return "%04d-%02d-%02d" % (y, m, r.randint(1, 28))


def random_record(r):
    rec = {"as_of": "2026-11-01", "sex": r.choice(["female", "female", "male"]), "age": r.randint(40, 95)}
    if rec["sex"] == "female" and r.random() < 0.7:
        rec["menopause"] = r.choice(["post", "post", "post", "peri", "pre"])
    if r.random() < 0.8:
        rec["bmd"] = [{"site": r.choice(SITES), "t_score": round(r.uniform(-4.5, 1), 1), "date": rdate(r, 2018),
                       **({"bmd_g_cm2": round(r.uniform(0.5, 1.1), 3)} if r.random() < 0.5 else {})}
                      for _ in range(r.randint(1, 4))]
    if r.random() < 0.4:
        rec["frax"] = {"major_osteoporotic_pct": round(r.uniform(2, 45), 1), "hip_pct": round(r.uniform(0, 9), 1)}
    if r.random() < 0.5:
        rec["fractures"] = [{"site": r.choice(FX), "date": rdate(r, 2015),
                             "mechanism": r.choice(["fragility", "fragility", "traumatic"])} for _ in range(r.randint(1, 3))]
    if r.random() < 0.6:
        th = []
        for _ in range(r.randint(1, 3)):
            start = rdate(r, 2012)
            t = {"agent": r.choice(AGENTS), "start": start}
            if r.random() < 0.5:
                end = rdate(r, int(start[:4]))
                t["end"] = max(end, start)
                if r.random() < 0.5:
                    t["stop_reason"] = r.choice(["completed", "intolerance", "adverse_event", "nonadherence", "other"])
            if t["agent"] in ("denosumab", "romosozumab", "zoledronic_acid") and r.random() < 0.6:
                t["last_dose"] = max(start, min(t.get("end", "2026-11-01"), rdate(r, int(start[:4]))))
            if t["agent"] in ("romosozumab", "zoledronic_acid") and r.random() < 0.5:
                t["doses"] = r.randint(1, 14)
            if "end" not in t and r.random() < 0.1:  # 2026.12: how a current course is taken
                t["adherence"] = r.choice(["good", "poor"])
            th.append(t)
        rec["therapies"] = th
    if r.random() < 0.3:
        rec["medications"] = [{"class": r.choice(["glucocorticoid", "immunosuppressant", "aromatase_inhibitor"]),
                               "dose_mg_per_day": r.choice([1, 2.5, 5, 7.5, 10, 30]), "start": rdate(r, 2020)}
                              for _ in range(r.randint(1, 2))]
    if r.random() < 0.5:
        rec["conditions"] = [dict({"code": r.choice(CONDITIONS)}, **({"date": rdate(r, 2024)} if r.random() < 0.6 else {}))
                             for _ in range(r.randint(1, 3))]
    if r.random() < 0.5:
        rec["labs"] = {"egfr_ml_min": r.choice([15, 24, 28, 29, 30, 32, 34, 35, 40, 70]),
                       "calcium_mg_dl": r.choice([8.0, 8.4, 8.5, 9.5, 10.5, 10.6]),
                       "vitamin_d_ng_ml": r.choice([12, 20, 35])}
        if r.random() < 0.15:  # 2026.12: a dated value, current or older than 12 months
            k = r.choice(["egfr_ml_min", "calcium_mg_dl", "vitamin_d_ng_ml"])
            rec["labs"][k] = {"value": rec["labs"][k], "date": rdate(r, 2024)}
    if r.random() < 0.3:
        rec["falls_past_year"] = r.randint(0, 4)
    if r.random() < 0.3:
        rec["lifestyle"] = {"smoker": r.random() < 0.5}
    return rec


def current_agents(rec):
    """The agents of the record's current courses (end absent, null or after as_of)."""
    as_of = rec.get("as_of", "2026-11-01")
    return {t["agent"] for t in rec.get("therapies", []) if not t.get("end") or t["end"] > as_of}


def invariants_2026(plan, rec):
    """The safety invariants of profile 2026.12 (issue 15)."""
    bad = []
    t = plan["treatment"]
    phases = t["phases"]
    # every anabolic phase is followed by an antiresorptive phase, or the plan
    # is `refer` (no_safe_followon); the issue names start, switch,
    # transition and resume, and the spec's "in every rule" covers continue
    if t["action"] != "refer":
        for i, ph in enumerate(phases):
            if ph["intent"] == "anabolic" and not any(q["intent"] == "antiresorptive" for q in phases[i + 1:]):
                bad.append("%s: anabolic phase %d with no antiresorptive phase after it" % (t["action"], i))
    # a current agent with a stop reason (in avoid) is not continued, except
    # denosumab kept under `refer` (rule 0)
    avoided = {a["agent"] for a in plan["avoid"]}
    kept = {o["agent"] for o in phases[0]["options"] if o.get("current")} if phases else set()
    if t["action"] == "continue" and phases:
        kept |= {o["agent"] for o in phases[0]["options"]}
    for agent in sorted(current_agents(rec) & avoided & kept):
        if not (agent == "denosumab" and t["action"] == "refer"):
            bad.append("current %s is in avoid and continued (%s)" % (agent, t["action"]))
    # `assess` means "measure BMD first": never for a record that has one
    if t["action"] == "assess" and rec.get("bmd"):
        bad.append("assess with a T-score in the record")
    return bad


def invariants(plan, rec=None):
    bad = invariants_2026(plan, rec) if rec is not None else []
    t = plan["treatment"]
    avoided = {a["agent"] for a in plan["avoid"]} | {a["agent"] for a in plan["not_recommended"]}
    for i, ph in enumerate(t["phases"]):
        for o in ph["options"]:
            if o["agent"] in avoided and not (t["action"] == "continue" and i == 0 and o.get("current")):
                bad.append("%s recommended and avoided" % o["agent"])
        if not ph["options"]:
            bad.append("empty phase")
    if t["action"] in ("start", "switch", "transition", "continue", "resume") and not t["phases"]:
        bad.append("%s without phases" % t["action"])
    if t["action"] in ("holiday", "no_drug_therapy", "assess", "out_of_scope", "stop") and t["phases"]:
        bad.append("%s with phases" % t["action"])
    if t["action"] == "out_of_scope" and plan["risk"]["category"] != "unknown":
        bad.append("out of scope with a risk")
    if not t["sources"]:
        bad.append("decision without sources")
    cited = set(t["sources"])
    for group in ("criteria",):
        for c in plan["risk"][group]:
            if not c["sources"]:
                bad.append("criterion without sources")
            cited |= set(c["sources"])
    for a in plan["avoid"] + plan["not_recommended"] + plan["alerts"]:
        if not a["sources"]:
            bad.append("%s without sources" % a.get("agent", a.get("code")))
        cited |= set(a["sources"])
    missing = cited - set(plan["sources"])
    if missing:
        bad.append("sources cited but not described: %s" % sorted(missing))
    sev = {"critical": 0, "warning": 1, "info": 2}
    order = [sev[a["severity"]] for a in plan["alerts"]]
    if order != sorted(order):
        bad.append("alerts not by severity")
    def strings(x):
        if isinstance(x, str):
            yield x
        elif isinstance(x, dict):
            for v in x.values():
                yield from strings(v)
        elif isinstance(x, list):
            for v in x:
                yield from strings(v)
    if any("{" in s or "}" in s for s in strings(plan)):
        bad.append("unfilled placeholder")
    return bad


def consistency_selftest():
    """Each 2026.12 invariant fails on a plan with a planted violation (and
    passes on the plan it was planted in)."""
    import copy
    rv = {"as_of": "2026-11-01", "sex": "female", "age": 71, "menopause": "post",
          "bmd": [{"site": "lumbar_spine", "t_score": -3.2, "date": "2026-10-01"}],
          "labs": {"egfr_ml_min": 70, "calcium_mg_dl": 9.4, "vitamin_d_ng_ml": 30}}
    rc, plan, err = plan_for(rv)
    if rc != 0:
        return check("selftest: plan for a very-high record", False, err)
    t = plan["treatment"]
    check("selftest: anabolic then antiresorptive passes", t["phases"] and t["phases"][0]["intent"] == "anabolic"
          and not invariants_2026(plan, rv), invariants_2026(plan, rv))
    for action in ("start", "switch", "transition", "resume", "continue"):
        bad = copy.deepcopy(plan)
        bad["treatment"]["action"] = action
        bad["treatment"]["phases"] = [p for p in bad["treatment"]["phases"] if p["intent"] == "anabolic"]
        check("selftest: %s of an anabolic alone fails" % action,
              any("no antiresorptive phase after it" in b for b in invariants_2026(bad, rv)))
    bad["treatment"]["action"] = "refer"
    check("selftest: refer of an anabolic alone passes", not invariants_2026(bad, rv), invariants_2026(bad, rv))
    # a current agent with a stop reason, continued
    rc_ = dict(rv, therapies=[{"agent": "zoledronic_acid", "start": "2025-01-01"}])
    cont = copy.deepcopy(plan)
    cont["treatment"]["action"] = "continue"
    cont["treatment"]["phases"] = [{"intent": "antiresorptive", "months": None,
                                    "options": [{"agent": "zoledronic_acid", "current": True}]}]
    check("selftest: continued current agent not avoided passes", not invariants_2026(cont, rc_))
    cont["avoid"] = cont["avoid"] + [{"agent": "zoledronic_acid", "reasons": ["renal_impairment"], "sources": ["LABEL"]}]
    check("selftest: continued current agent in avoid fails",
          any("in avoid and continued" in b for b in invariants_2026(cont, rc_)))
    dm = dict(rv, therapies=[{"agent": "denosumab", "start": "2024-01-01", "last_dose": "2026-07-01"}])
    ref = copy.deepcopy(cont)
    ref["treatment"]["phases"][0]["options"][0]["agent"] = "denosumab"
    ref["avoid"][-1]["agent"] = "denosumab"
    check("selftest: denosumab in avoid, continued, fails",
          any("in avoid and continued" in b for b in invariants_2026(ref, dm)))
    ref["treatment"]["action"] = "refer"
    check("selftest: denosumab kept under refer passes", not invariants_2026(ref, dm), invariants_2026(ref, dm))
    # assess with a T-score
    ass = copy.deepcopy(plan)
    ass["treatment"]["action"] = "assess"
    ass["treatment"]["phases"] = []
    check("selftest: assess with a T-score fails", any("assess with a T-score" in b for b in invariants_2026(ass, rv)))
    check("selftest: assess without a T-score passes",
          not invariants_2026(ass, {k: v for k, v in rv.items() if k != "bmd"}))


def group_consistency():
    consistency_selftest()
    n = int(os.environ.get("OSTEOPLAN_CONSISTENCY_N", "1500"))
    r = random.Random(20261101)
    rejected = 0
    for i in range(n):
        rec = random_record(r)
        rc, plan, err = plan_for(rec)
        if rc == 2:
            rejected += 1
            continue
        if rc != 0:
            check("record %d" % i, False, "exit %d: %s %s" % (rc, err, json.dumps(rec)))
            continue
        bad = invariants(plan, rec)
        check("record %d" % i, not bad, "; ".join(bad) + " :: " + json.dumps(rec))
    check("most random records are valid", rejected < n // 4, "%d of %d rejected" % (rejected, n))
    # the vignettes too
    for name, v in vignette_cases():
        rc, plan, err = plan_for(v["patient"])
        check("consistency " + name, rc == 0 and not invariants(plan, v["patient"]),
              invariants(plan, v["patient"]) if plan else err)


# ---- screen and synth ----------------------------------------------------------

def screen(args, data=None, path=None):
    if path is None:
        path = write("in.ndjson", data)
    p = subprocess.run([BIN, "screen"] + args + [path], capture_output=True, timeout=300)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def group_screen():
    # screen gives the same fields as assess, for every vignette
    recs = [v["patient"] for _, v in vignette_cases()]
    rc, out, err = screen(["--threads", "2"], "\n".join(json.dumps(r) for r in recs) + "\n")
    lines = out.splitlines()
    check("screen: one line per vignette", rc == 0 and len(lines) == len(recs), "rc=%d %d lines %s" % (rc, len(lines), err))
    for rec, line in zip(recs, lines):
        got = json.loads(line)
        rc, plan, err = plan_for(rec)
        phases = plan["treatment"]["phases"]
        want = {"patient_id": plan["patient_id"], "risk": plan["risk"]["category"], "action": plan["treatment"]["action"],
                "first_agent": phases[0]["options"][0]["agent"] if phases and phases[0]["options"] else None,
                "alerts": sorted(a["code"] for a in plan["alerts"]), "findings": sorted(f["code"] for f in plan["treatment"]["findings"]),
                "gaps": sorted(plan["care_gaps"])}
        got = dict(got, alerts=sorted(got["alerts"]), findings=sorted(got["findings"]), gaps=sorted(got["gaps"]))
        check("screen equals assess: %s" % rec.get("id"), got == want, "%s != %s" % (got, want))
    # bad lines: reported with their numbers, every good line still written
    good = json.dumps(recs[0])
    data = "\n".join([good, "{not json", good, "", json.dumps(dict(recs[1], tscore=1)), good,
                      json.dumps(dict(recs[2], therapies=[{"agent": "alendronate", "start": "2024-01-01", "end": "2020-01-01"}]))]) + "\n"
    for threads in ("1", "3"):
        rc, out, err = screen(["--threads", threads], data)
        check("bad lines: good ones written (%s threads)" % threads, rc == 0 and len(out.splitlines()) == 3, out)
        for want in ("line 2: not valid JSON", "line 5: tscore: unknown field", "line 7: therapies[0].end"):
            check("bad lines reported: " + want, want in err, err)
        check("summary counts", "3 records, 3 bad lines, 1 blank lines" in err, err)
    errfile = os.path.join(TMP, "errors.txt")
    rc, out, err = screen(["--errors", errfile], data)
    check("--errors FILE", rc == 0 and "line 2:" in open(errfile).read() and "line 2:" not in err, err)
    # order with several threads equals one thread, byte for byte
    p = subprocess.run([BIN, "synth", "--count", "12000", "--seed", "11", "--bad-rate", "0.02"], capture_output=True)
    synth = p.stdout
    path = write("synth.ndjson", synth)
    outs = {}
    for t in ("1", "2", "4"):
        rc, outs[t], err = screen(["--threads", t], path=path)
    check("order: 2 threads = 1 thread", outs["2"] == outs["1"] and len(outs["1"].splitlines()) > 11000)
    check("order: 4 threads = 1 thread", outs["4"] == outs["1"])
    ids = [json.loads(l)["patient_id"] for l in outs["1"].splitlines()]
    nums = [int(i.split("-")[1]) for i in ids if i and i.startswith("syn-")]
    check("order: input order kept", nums == sorted(nums))
    check("synth bad lines counted", "bad lines" in err and re.search(r", (2\d\d) bad lines", err), err)
    # gzip, CRLF, no final newline, empty input
    import gzip
    gz = os.path.join(TMP, "synth.ndjson.gz")
    with gzip.open(gz, "wb") as f:
        f.write(synth)
    rc, out, err = screen(["--threads", "2"], path=gz)
    check("gzip input", rc == 0 and out == outs["1"], err[-300:])
    few = b"\n".join(synth.splitlines()[:50])
    rc, a, _ = screen([], few + b"\n")
    rc, b, _ = screen([], few)
    check("no final newline", a == b and len(b.splitlines()) > 40)
    rc, c, _ = screen([], few.replace(b"\n", b"\r\n") + b"\r\n")
    check("CRLF", c == a)
    rc, out, err = screen([], b"")
    check("empty input", rc == 0 and out == "" and "0 records, 0 bad lines" in err, err)
    # standard input, plain and gzip, through a pipe
    for name, payload in (("plain", synth), ("gzip", open(gz, "rb").read())):
        p = subprocess.run([BIN, "screen", "--threads", "2", "-"], input=payload, capture_output=True, timeout=300)
        check("pipe (%s) on standard input" % name, p.returncode == 0 and p.stdout.decode() == outs["1"], p.stderr[-200:])
    rc, out, err = screen([], b"\n\n\n")
    check("blank lines only", rc == 0 and out == "" and "3 blank lines" in err, err)
    # a line longer than the limit is bad, the next ones are still read
    long_line = b'{"id":"' + b"x" * (9 << 20) + b'"}\n'
    rc, out, err = screen([], long_line + good.encode() + b"\n")
    check("overlong line skipped", rc == 0 and len(out.splitlines()) == 1 and "line 1: invalid record: longer than" in err, err[:300])
    # CSV and --gaps-only
    rc, out, err = screen(["--format", "csv"], path=path)
    rows = out.splitlines()
    check("csv header", rows[0] == "patient_id,risk,action,first_agent,alerts,findings,gaps,name,mrn", rows[0])
    check("csv rows", len(rows) - 1 == len(outs["1"].splitlines()))
    rc, out, err = screen(["--gaps-only"], path=path)
    gl = [json.loads(l) for l in out.splitlines()]
    check("--gaps-only keeps only gaps", gl and all(g["gaps"] for g in gl)
          and len(gl) == sum(1 for l in outs["1"].splitlines() if json.loads(l)["gaps"]))
    # every gap, action and alert fires somewhere in a synthetic population
    seen = {"gaps": set(), "alerts": set(), "findings": set(), "action": set()}
    for l in outs["1"].splitlines():
        r = json.loads(l)
        seen["gaps"] |= set(r["gaps"]); seen["alerts"] |= set(r["alerts"]); seen["findings"] |= set(r["findings"])
        seen["action"].add(r["action"])
    gaps = [l.strip().split(".", 1)[1].rstrip("]") for l in open(os.path.join(ROOT, "kb", "profiles", "default", "gaps.ini")) if l.startswith("[gap.")]
    check("synth: every care gap fires", set(gaps) <= seen["gaps"], sorted(set(gaps) - seen["gaps"]))
    actions = set(fetch_labels(BIN)["action"])  # every action code, 2026.12's stop, resume and refer too
    check("synth: every action fires", actions <= seen["action"], sorted(actions - seen["action"]))
    check("synth: most alerts fire", len(seen["alerts"]) >= 16, sorted(seen["alerts"]))
    check("synth: every finding fires", len(seen["findings"]) >= 13, sorted(seen["findings"]))  # all: synth_coverage
    # options
    rc, out, err = screen(["--threads", "0"], b"")
    check("bad --threads", rc == 2)
    rc, out, err = screen(["--format", "xml"], b"")
    check("bad --format", rc == 2)
    rc, out, err = screen([], path=os.path.join(TMP, "missing.ndjson"))
    check("missing input", rc == 2 and "No such file" in err, err)
    rc, out, err = screen(["--as-of", "2030-01-01"], path=path)
    check("--as-of for all", rc == 0 and len(out.splitlines()) > 11000, err[-200:])
    # synth determinism
    a = subprocess.run([BIN, "synth", "--count", "2000", "--seed", "5"], capture_output=True).stdout
    b = subprocess.run([BIN, "synth", "--count", "2000", "--seed", "5"], capture_output=True).stdout
    c = subprocess.run([BIN, "synth", "--count", "2000", "--seed", "6"], capture_output=True).stdout
    check("synth: same seed, same bytes", a == b and len(a.splitlines()) == 2000)
    check("synth: another seed, other bytes", a != c)
    d = subprocess.run([BIN, "synth", "--count", "2000", "--seed", "5", "--bad-rate", "0.1"], capture_output=True).stdout
    diff = sum(1 for x, y in zip(a.splitlines(), d.splitlines()) if x != y)
    check("synth: bad lines replace about the rate, good ones unchanged", 120 < diff < 280, diff)
    rc, out, err = screen(["--threads", "1"], a)
    check("synth: all good lines valid", "2000 records, 0 bad lines" in err, err)
    p = subprocess.run([BIN, "synth", "--count", "x", "--seed", "1"], capture_output=True)
    check("synth: bad --count", p.returncode == 2)


# ---- valgrind ----------------------------------------------------------------

def group_valgrind():
    vg = shutil.which("valgrind")
    check("valgrind is installed (.ci/run installs it)", vg is not None)
    if not vg:
        return
    inputs = [os.path.join(ROOT, "examples", "patient.json")]
    for name, v in list(vignette_cases())[::4]:
        inputs.append(write("vg-%s" % name, json.dumps(v["patient"])))
    inputs.append(write("vg-bad.json", b'{"sex": "female", "age": 70, "bmd": [{"site": "hip"}]}'))
    synth = subprocess.run([BIN, "synth", "--count", "300", "--seed", "3", "--bad-rate", "0.05"], capture_output=True).stdout
    spath = write("vg-synth.ndjson", synth)
    for threads in ("1", "2"):
        p = subprocess.run([vg, "-q", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=all",
                            BIN, "screen", "--threads", threads, spath], capture_output=True, timeout=300)
        errs = [l for l in p.stderr.decode().splitlines() if l.startswith("==")]
        check("valgrind screen --threads %s" % threads, p.returncode == 0 and not errs, "\n".join(errs[-10:]))
    # FHIR input: the Synthea Bulk Data export, and one patient's Bundle
    synthea = os.path.join(ROOT, "tests", "data", "fhir", "synthea-bulk-10")
    p = subprocess.run([vg, "-q", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=all",
                        BIN, "screen", "--input", "fhir", "--as-of", "2026-11-01", synthea], capture_output=True,
                       timeout=300)
    errs = [l for l in p.stderr.decode().splitlines() if l.startswith("==")]
    check("valgrind screen --input fhir", p.returncode == 0 and not errs, "\n".join(errs[-10:]))
    entries = []
    for f in ("Patient.000.ndjson", "Condition.000.ndjson", "MedicationRequest.000.ndjson"):
        for line in open(os.path.join(synthea, f)):
            r = json.loads(line)
            if "a5cb8ce9" in r.get("id", "") or "a5cb8ce9" in r.get("subject", {}).get("reference", ""):
                entries.append({"resource": r})
    bundle = write("vg-bundle.json", json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    for path, extra in [(p_, []) for p_ in inputs] + [(bundle, ["--input", "fhir"])]:
        for fmt in ("json", "text"):
            p = subprocess.run([vg, "-q", "--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=all",
                                BIN, "assess", *extra, "--format", fmt, path], capture_output=True, timeout=120)
            check("valgrind %s %s" % (os.path.basename(path), fmt), p.returncode in (0, 2) and not p.stderr.count(b"=="),
                  p.stderr.decode()[-400:])


GROUPS = {
    "screen": group_screen,
    "valgrind": group_valgrind,
    "vignettes": group_vignettes, "bad_input": group_bad_input, "options": group_options, "kb": group_kb,
    "formats": group_formats, "readability": group_readability, "consistency": group_consistency,
}

if __name__ == "__main__":
    group = sys.argv[2] if len(sys.argv) > 2 else None
    if group not in GROUPS:
        print("usage: test_cli.py BINARY {%s}" % "|".join(GROUPS))
        sys.exit(2)
    try:
        GROUPS[group]()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or not passed else 0)
