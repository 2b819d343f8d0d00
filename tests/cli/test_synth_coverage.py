#!/usr/bin/env python3
"""Every code the plan can carry appears somewhere in a synthetic population.

usage: test_synth_coverage.py BINARY [--count N] [--seed S]

`osteoplan synth --count N --seed S` (default 2,000 records of seed 1, the
benchmarks' seed) is screened (every line must be valid: synth output is
checked by the real reader) and each record is assessed (--format json).
The codes of the contract are read from src/kb/codes.h (every X-macro
list the plan uses), and the care gaps from the binary's own screening
summary (the knowledge base it was built with), so a code added later is
checked without editing this file. The test fails when a code never
appears and is not in EXCLUDED below, when an excluded code does appear
(the exclusion is stale), when a line is invalid, or when screening and
assessment disagree on a record's care gaps, or when the CSV output does
not carry the gaps the NDJSON output has.

Beside the contract's codes it checks the parts of profile 2026.12 that
are not codes: a monitoring item due since before as_of (`overdue_since`),
calcium supplements held (`calcium_hold`), the goal without a T-score
target, the ICD-10-CM code for drug-induced osteoporosis (M81.8), and
both severities of anabolic_followup_required.

The checker is first run on made-up sets (a code taken out must be
reported, a stale exclusion must be reported): a test that cannot fail is
no test. Environment: SYNTH_COVERAGE_N overrides --count.
"""
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CODES_H = os.path.join(ROOT, "src", "kb", "codes.h")
GAPS_INI = os.path.join(ROOT, "kb", "profiles", "default", "gaps.ini")

# The X-macro lists of codes.h whose codes a plan carries, by the name this
# test gives the kind. (Record-side lists, such as conditions and sites, are
# inputs: synth writes them, the plan does not echo them as codes.)
PLAN_LISTS = {
    "diagnosis": "OP_DIAGNOSIS_LIST", "risk": "OP_RISK_LIST", "criterion": "OP_CRITERION_LIST",
    "status": "OP_STATUS_LIST", "finding": "OP_FINDING_LIST", "action": "OP_ACTION_LIST",
    "intent": "OP_INTENT_LIST", "reason": "OP_REASON_LIST", "severity": "OP_SEVERITY_LIST",
    "alert": "OP_ALERT_LIST", "monitor": "OP_MONITOR_LIST", "lifestyle": "OP_LIFESTYLE_LIST",
    "disagreement": "OP_DISAGREEMENT_LIST", "rule": "OP_RULE_LIST",
}

# Parts of 2026.12 that are not a code of codes.h (see the docstring).
EXTRAS = ["overdue_since", "calcium_hold", "goal_without_target", "goal_with_target", "icd10_M81.8",
          "icd10_M81.0", "alert_severity:anabolic_followup_required:critical",
          "alert_severity:anabolic_followup_required:info"]

# Codes that synth cannot produce by design, each with the reason. A code
# listed here that does appear fails the test, so the list stays true.
EXCLUDED = {
    # default-profile.md section 5 [2026.12]: hypocalcaemia is no longer an
    # avoid reason (it is corrected first: hypocalcemia_correct_first); the
    # code stays in plan.md's list of reasons for older profiles.
    "reason:hypocalcemia": "2026.12: no longer an avoid reason",
    # Rule 7 at high risk with every antiresorptive avoided falls back to
    # teriparatide with an antiresorptive follow-on (section 6, S002). The
    # follow-on list (alendronate, zoledronic acid, denosumab, risedronate) is
    # the same four agents as the high-risk list, so that follow-on is always
    # empty too and the plan is refer with no_safe_followon (rule
    # no_safe_followon): the fallback can never stand as a plan.
    "rule:start_high_teriparatide": "unreachable in 2026.12: its follow-on is always empty (refer, no_safe_followon)",
}


def codes_of_header(path):
    """{kind: [code, ...]} from the X-macro lists of codes.h."""
    text = open(path).read()
    out = {}
    for kind, macro in PLAN_LISTS.items():
        m = re.search(r"#define %s\(X\)(.*?)(?:\n\n|\n#)" % macro, text, re.S)
        if not m:
            raise SystemExit("codes.h: no list %s" % macro)
        out[kind] = re.findall(r'X\(\s*\w+\s*,\s*"([a-z0-9_]+)"\s*\)', m.group(1))
        if not out[kind]:
            raise SystemExit("codes.h: list %s is empty" % macro)
    return out


def failures(expected, seen, excluded):
    """Lines that make the test fail: codes never seen, stale exclusions."""
    bad = []
    for key in sorted(expected):
        if key in excluded:
            if seen.get(key):
                bad.append("%s appears %d times but is excluded (%s): remove the exclusion"
                           % (key, seen[key], excluded[key]))
        elif not seen.get(key):
            bad.append("%s never appears" % key)
    for key in sorted(set(excluded) - set(expected)):
        bad.append("%s is excluded but is no code of the contract" % key)
    return bad


def self_test():
    """The checker must fail on a code taken out and on a stale exclusion."""
    expected = {"action:stop", "action:start", "alert:no_safe_followon", "reason:hypocalcemia"}
    seen = collections.Counter({"action:stop": 3, "action:start": 9, "alert:no_safe_followon": 1})
    excl = {"reason:hypocalcemia": "why"}
    ok = failures(expected, seen, excl) == []
    less = collections.Counter(seen)
    del less["alert:no_safe_followon"]
    ok &= failures(expected, less, excl) == ["alert:no_safe_followon never appears"]
    stale = collections.Counter(seen, **{"reason:hypocalcemia": 2})
    ok &= len(failures(expected, stale, excl)) == 1 and "remove the exclusion" in failures(expected, stale, excl)[0]
    ok &= failures(expected, seen, dict(excl, **{"alert:nope": "x"})) == ["alert:nope is excluded but is no code of the contract"]
    ok &= codes_of_header(CODES_H)["action"][:2] == ["out_of_scope", "assess"]
    return ok


def screen(binary, path, fmt):
    p = subprocess.run([binary, "screen", "--threads", "2", "--format", fmt, path], capture_output=True, timeout=600)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def assess(binary, line):
    p = subprocess.run([binary, "assess", "--format", "json", "-"], input=line, capture_output=True, timeout=120)
    if p.returncode != 0:
        return None, p.stderr.decode()
    return json.loads(p.stdout), None


def plan_codes(plan):
    """Every kind:code of one plan (and the extras it shows)."""
    t = plan["treatment"]
    got = ["diagnosis:" + plan["diagnosis"], "risk:" + plan["risk"]["category"], "status:" + t["status"],
           "action:" + t["action"], "rule:" + t["rule"]]
    got += ["criterion:" + c["code"] for c in plan["risk"]["criteria"]]
    got += ["finding:" + (f if isinstance(f, str) else f["code"]) for f in t["findings"]]
    got += ["intent:" + ph["intent"] for ph in t["phases"]]
    for a in plan["alerts"] or []:
        got += ["alert:" + a["code"], "severity:" + a["severity"],
                "alert_severity:%s:%s" % (a["code"], a["severity"])]
    for entry in (plan["avoid"] or []) + (plan["not_recommended"] or []):
        got += ["reason:" + r for r in entry["reasons"]]
    for m in plan["monitoring"] or []:
        got.append("monitor:" + m["code"])
        if m.get("overdue_since"):
            got.append("overdue_since")
    got += ["lifestyle:" + x for x in plan["lifestyle"] or []]
    got += ["disagreement:" + d["topic"] for d in plan["disagreements"] or []]
    got += ["gap:" + g for g in plan["care_gaps"]]
    if (plan.get("supplements") or {}).get("calcium_hold"):
        got.append("calcium_hold")
    goal = plan.get("goal")
    if goal:
        got.append("goal_with_target" if goal.get("t_score_target") is not None else "goal_without_target")
    got += ["icd10_" + c["code"] for c in plan.get("diagnosis_codes") or [] if c["system"] == "ICD-10-CM"]
    return got


def main():
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    binary = args[0]
    opt = {"--count": "2000", "--seed": "1"}
    for i in range(1, len(args), 2):
        opt[args[i]] = args[i + 1]
    count = os.environ.get("SYNTH_COVERAGE_N", opt["--count"])
    problems = []
    if not self_test():
        problems.append("self-test: the checker does not fail where it must")

    with tempfile.TemporaryDirectory(prefix="osteoplan-coverage-") as tmp:
        return run(binary, opt, count, tmp, problems)


def run(binary, opt, count, tmp, problems):
    path = os.path.join(tmp, "synth.ndjson")
    p = subprocess.run([binary, "synth", "--count", count, "--seed", opt["--seed"]], capture_output=True, timeout=600)
    if p.returncode != 0:
        raise SystemExit("synth failed: %s" % p.stderr.decode())
    with open(path, "wb") as f:
        f.write(p.stdout)
    lines = p.stdout.splitlines()

    # screening: every line valid; the gaps of the binary's knowledge base
    rc, out, err = screen(binary, path, "ndjson")
    if rc != 0 or ("%s records, 0 bad lines" % count) not in err:
        bad = [ln for ln in err.splitlines() if ln.startswith("line ")]
        problems.append("screen: not every synthetic line is valid: %s" % "; ".join(bad[:5] or [err[-300:]]))
    m = re.search(r"^  gaps:(.*)$", err, re.M)
    gap_names = re.findall(r" ([a-z0-9_]+) \d+", m.group(1)) if m else []
    ini_gaps = re.findall(r"^\[gap\.([a-z0-9_]+)\]", open(GAPS_INI).read(), re.M)
    if not gap_names or gap_names != ini_gaps:
        problems.append("the binary's gaps %s differ from gaps.ini %s (rebuild?)" % (gap_names, ini_gaps))
    rows = [json.loads(ln) for ln in out.splitlines()]
    seen = collections.Counter()
    for r in rows:
        seen.update(["action:" + r["action"]] + ["alert:" + a for a in r["alerts"]] +
                    ["finding:" + f for f in r["findings"]] + ["gap:" + g for g in r["gaps"]])
    # CSV carries the same gaps (the column named gaps), --gaps-only keeps exactly those rows
    rc, csv, err = screen(binary, path, "csv")
    head = csv.splitlines()[0].split(",")
    csv_gaps = [ln.split(",")[head.index("gaps")] for ln in csv.splitlines()[1:]]
    if csv_gaps != [";".join(r["gaps"]) for r in rows]:
        problems.append("screen --format csv: the gaps column differs from the NDJSON gaps")
    p = subprocess.run([binary, "screen", "--threads", "2", "--gaps-only", path], capture_output=True, timeout=600)
    if [json.loads(ln) for ln in p.stdout.decode().splitlines()] != [r for r in rows if r["gaps"]]:
        problems.append("screen --gaps-only: not exactly the rows with a gap")

    # assessment of every record: the codes screening does not show
    by_id = {r["patient_id"]: r for r in rows}
    plan_seen = collections.Counter()
    assess_failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        for line, (plan, why) in zip(lines, pool.map(lambda ln: assess(binary, ln), lines)):
            if plan is None:
                assess_failed.append("%s: %s" % (why.strip()[:200], line[:60].decode(errors="replace")))
                continue
            codes = plan_codes(plan)
            plan_seen.update(codes)
            row = by_id.get(plan["patient_id"])
            if row is not None and sorted(row["gaps"]) != sorted(plan["care_gaps"]):
                problems.append("%s: screen gaps %s, plan care_gaps %s" % (plan["patient_id"], row["gaps"], plan["care_gaps"]))
    if assess_failed:
        problems.append("assess failed on %d records, e.g. %s" % (len(assess_failed), "; ".join(assess_failed[:3])))
    for key, n in plan_seen.items():
        seen[key] = max(seen[key], n)

    expected = set(EXTRAS)
    for kind, codes in codes_of_header(CODES_H).items():
        expected |= {kind + ":" + c for c in codes}
    expected |= {"gap:" + g for g in gap_names}
    problems += failures(expected, seen, EXCLUDED)

    print("synth --count %s --seed %s: how often each code appears" % (count, opt["--seed"]))
    for key in sorted(expected):
        print("  %-62s %6d%s" % (key, seen.get(key, 0), "  (excluded)" if key in EXCLUDED else ""))
    for why in problems[:100]:
        print("FAIL " + why)
    print("%d codes checked, %d problems" % (len(expected), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
