#!/usr/bin/env python3
"""Tests of the vignette checkers: wrong expectations must fail.

usage: test_expect.py BINARY [NODE]

For every vignette's plan this builds the full right expectation (every key
of the format, read off the plan) and, key by key, wrong ones: a code with a
typo, a value of the wrong type, a right-looking code the plan does not
match, an unknown key. The CLI checker (expect.py) and, with NODE, the
page's checker (tests/web/expect.mjs, through expect_self.mjs) must pass
the right expectations (and each vignette's own) and fail every wrong one.
Every key of the format must have been given at least one wrong value of
each kind, so a key the checker stops reading fails this test too.
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

from expect import KEYS, check_expect, fetch_labels

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VIGNETTES = os.path.join(ROOT, "tests", "vignettes")
BIN = sys.argv[1]
NODE = sys.argv[2] if len(sys.argv) > 2 else None


def plan_for(record):
    p = subprocess.run([BIN, "assess", "--format", "json", "-"], input=json.dumps(record).encode(),
                       capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def full_expect(plan):
    """Every key the plan can answer, with the plan's own values."""
    t = plan["treatment"]
    phases = t["phases"]
    in_ph = [o["agent"] for p in phases for o in p["options"]]
    avoid = {a["agent"]: a["reasons"] for a in plan["avoid"]}
    alerts = {}
    for a in plan["alerts"]:
        alerts.setdefault(a["code"], a["severity"])
    e = {
        "diagnosis": plan["diagnosis"], "risk": plan["risk"]["category"], "status": t["status"],
        "action": t["action"], "criteria": [c["code"] for c in plan["risk"]["criteria"]],
        "findings": [f["code"] for f in t["findings"]], "phase_intents": [p["intent"] for p in phases],
        "first_agent": phases[0]["options"][0]["agent"] if phases and phases[0]["options"] else None,
        "not_in_phases": [a for a in LABELS["agent"] if a not in in_ph],
        "avoid": avoid, "not_avoided": [a for a in LABELS["agent"] if a not in avoid],
        "not_recommended": [a["agent"] for a in plan["not_recommended"]],
        "alerts": alerts, "no_alerts": [c for c in LABELS["alert"] if c not in alerts],
        "monitoring": {m["code"]: m["due"] for m in plan["monitoring"]},
        "goal": plan.get("goal") is not None,
    }
    return {k: v for k, v in e.items() if v not in ([], {}) or k == "phase_intents"}


def other(fam, *not_these):
    """A code of the family that is none of not_these (None if there is none)."""
    for c in LABELS[fam]:
        if c not in not_these:
            return c
    return None


def wrongs(plan, e):
    """(key, kind, expectation) for every wrong expectation built from e."""
    out = []

    def add(k, kind, v):
        w = copy.deepcopy(e)
        w[k] = v
        out.append((k, kind, w))

    for k, v in e.items():
        shape, fam = KEYS[k]
        if shape == "code":
            add(k, "typo", v + "x")
            add(k, "wrong", other(fam, v))
            add(k, "type", [v])
        elif shape in ("codes", "seq"):
            if v:
                add(k, "typo", v[:-1] + [v[-1] + "_typo"])
            add(k, "type", v[0] if v else "")
            if shape == "seq":
                add(k, "wrong", v + [other(fam)])
            else:
                # a real code the plan contradicts: one it has (not_*) or lacks
                have = {"not_in_phases": [o["agent"] for p in plan["treatment"]["phases"] for o in p["options"]],
                        "not_avoided": [a["agent"] for a in plan["avoid"]],
                        "no_alerts": [a["code"] for a in plan["alerts"]]}.get(k)
                c = (have[0] if have else None) if have is not None else other(fam, *v)
                if c:
                    add(k, "wrong", v + [c])
        elif shape == "agent_or_null":
            add(k, "typo", (v or "denosumab") + "x")
            add(k, "type", [v] if v else False)
            add(k, "wrong", other("agent", v) if v else "alendronate")
            if v:
                add(k, "wrong", None)
        elif shape == "map_codes":
            a, rs = next(iter(v.items()))
            add(k, "typo", dict(v, **{a + "x": rs}))
            add(k, "typo", dict(v, **{a: rs + [rs[0] + "x"]}))
            add(k, "type", dict(v, **{a: rs[0]}))
            r = other("reason", *rs)
            add(k, "wrong", dict(v, **{a: rs + [r]}))
            n = other("agent", *v)
            if n:
                add(k, "wrong", dict(v, **{n: [rs[0]]}))
        elif shape == "map_code":
            c, sev = next(iter(v.items()))
            add(k, "typo", dict(v, **{c + "x": sev}))
            add(k, "typo", dict(v, **{c: sev + "x"}))
            add(k, "type", dict(v, **{c: [sev]}))
            add(k, "wrong", dict(v, **{c: other("severity", sev)}))
            n = other("alert", *v)
            if n:
                add(k, "wrong", dict(v, **{n: sev}))
        elif shape == "map_date":
            c, due = next(iter(v.items()))
            add(k, "typo", dict(v, **{c + "x": None}))  # mon-<typo> with no due date
            add(k, "typo", dict(v, **{c + "x": due}))
            add(k, "type", dict(v, **{c: "next year"}))
            add(k, "wrong", dict(v, **{c: "1999-01-01"}))
            if due is not None:
                add(k, "wrong", dict(v, **{c: None}))
            n = other("monitor", *v)
            if n:
                add(k, "wrong", dict(v, **{n: due or "2026-11-01"}))  # an item the plan lacks
        elif shape == "bool":
            add(k, "type", "yes" if not v else "no")
            add(k, "typo", "true" if v else "false")
            add(k, "wrong", not v)
    w = dict(e, gaol=e.get("goal", True))
    out.append(("(unknown key)", "type", w))
    out.append(("(unknown key)", "type", dict(e, expect_error_mentions="x")))
    return out


def run_page_checker(cases):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"labels": LABELS, "cases": [{"plan": p, "expect": e} for p, e in cases]}, f)
    try:
        p = subprocess.run([NODE, os.path.join(ROOT, "tests", "web", "expect_self.mjs"), f.name],
                           capture_output=True, timeout=120)
        if p.returncode != 0:
            raise RuntimeError(p.stderr.decode())
        return json.loads(p.stdout)
    finally:
        os.unlink(f.name)


def main():
    global LABELS
    LABELS = fetch_labels(BIN)
    cases = []  # (name, plan, expect, must_pass)
    seen = set()
    for f in sorted(os.listdir(VIGNETTES)):
        if not f.endswith(".json"):
            continue
        with open(os.path.join(VIGNETTES, f)) as fh:
            v = json.load(fh)
        plan = plan_for(v["patient"])
        cases.append((f + " own", plan, v["expect"], True))
        e = full_expect(plan)
        cases.append((f + " full", plan, e, True))
        for k, kind, w in wrongs(plan, e):
            seen.add((k, kind))
            cases.append(("%s %s %s %s" % (f, k, kind, json.dumps(w.get(k), sort_keys=True)[:80]), plan, w, False))
        if not e["goal"]:
            cases.append((f + " goal=yes without a goal", plan, dict(v["expect"], goal="yes"), False))
            cases.append((f + " goal=true without a goal", plan, dict(v["expect"], goal=True), False))
            seen.add(("goal", "no goal"))
    failed = 0
    # every key got a typo (codes), a wrong type and a wrong value somewhere
    for k, (shape, _) in KEYS.items():
        for kind in ("typo", "type", "wrong"):
            if (k, kind) not in seen:
                print("FAIL self-test never tried a %s for %s" % (kind, k))
                failed += 1
    if ("goal", "no goal") not in seen:
        print("FAIL no vignette without a goal: goal=yes never tried")
        failed += 1
    checkers = [("cli", [check_expect(p, e, LABELS) for _, p, e, _ in cases])]
    if NODE:
        checkers.append(("page", run_page_checker([(p, e) for _, p, e, _ in cases])))
    for who, verdicts in checkers:
        for (name, _, _, must_pass), bad in zip(cases, verdicts):
            if must_pass and bad:
                print("FAIL %s checker rejects a right expectation: %s: %s" % (who, name, "; ".join(bad)))
                failed += 1
            elif not must_pass and not bad:
                print("FAIL %s checker passes a wrong expectation: %s" % (who, name))
                failed += 1
    n = len(cases) * len(checkers)
    print("%d passed, %d failed (%d cases, checkers: %s)" % (n - failed, failed, len(cases),
                                                            ", ".join(c for c, _ in checkers)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
