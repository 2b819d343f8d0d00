"""The vignette checker: a vignette's "expect" against the plan (--format json).

Strict on purpose: a typo in an expectation must fail the case, never read
as "nothing to check". Every key must be one of KEYS, every value of the
type KEYS gives, and every code one the plan contract knows; the codes are
read at run time from the binary's own labels (GET /api/labels), so a code
added to or removed from the knowledge base needs no edit here.

Keys (the public vignette format, tests/vignettes/*.json):
  diagnosis, risk, status, action     one code; the plan's value must equal it
  criteria, findings                  codes that must all be in the plan
  phase_intents                       the intents of the phases, in order
                                      ([]: no phase)
  first_agent                         agent of the first option of the first
                                      phase (null: no phase has an option)
  not_in_phases                       agents no phase may offer
  avoid                               {agent: [reason, ...]}: avoided, for at
                                      least these reasons
  not_avoided                         agents that must not be avoided
  not_recommended                     agents that must be listed as such
  alerts                              {alert: severity}: present at that severity
  no_alerts                           alerts that must be absent
  monitoring                          {monitor: "YYYY-MM-DD" or null}: the item
                                      is in the plan and due on that date (null:
                                      no item with that code, as the
                                      2026.12 vignettes README says)
  goal                                true: the plan states a treatment goal;
                                      false: it states none
"""
import json
import re
import subprocess
import urllib.request

# key -> (shape, label family); shapes: code, codes, seq, agent_or_null,
# map_codes (code -> list of codes), map_code (code -> code), map_date, bool
KEYS = {
    "diagnosis": ("code", "diagnosis"),
    "risk": ("code", "risk"),
    "status": ("code", "status"),
    "action": ("code", "action"),
    "criteria": ("codes", "criterion"),
    "findings": ("codes", "finding"),
    "phase_intents": ("seq", "intent"),
    "first_agent": ("agent_or_null", "agent"),
    "not_in_phases": ("codes", "agent"),
    "avoid": ("map_codes", ("agent", "reason")),
    "not_avoided": ("codes", "agent"),
    "not_recommended": ("codes", "agent"),
    "alerts": ("map_code", ("alert", "severity")),
    "no_alerts": ("codes", "alert"),
    "monitoring": ("map_date", "monitor"),
    "goal": ("bool", None),
}

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def fetch_labels(binary):
    """The knowledge base's codes, from a server started for the purpose."""
    p = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--threads", "1"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        err = b""
        while True:
            line = p.stderr.readline()
            if not line:
                raise RuntimeError("server did not start: %s" % err.decode(errors="replace"))
            err += line
            m = re.search(rb"listening on (http://[0-9.]+:\d+)", err)
            if m:
                break
        with urllib.request.urlopen(m.group(1).decode() + "/api/labels", timeout=30) as r:
            return json.load(r)["labels"]
    finally:
        p.terminate()
        p.wait(timeout=30)


def validate(exp, labels):
    """What is wrong with the expectation itself: unknown keys, wrong types,
    codes the knowledge base does not have."""
    bad = []
    if not isinstance(exp, dict):
        return ["expect is not an object"]

    def known(fam, c, where):
        if not isinstance(c, str) or c not in labels.get(fam, {}):
            bad.append("%s: %r is not a %s code" % (where, c, fam))

    def is_list(v, k, empty_ok=False):
        if not isinstance(v, list) or not (v or empty_ok):
            bad.append("%s: expected a non-empty list" % k)
            return False
        return True

    for k, v in exp.items():
        if k not in KEYS:
            bad.append("unknown expect key %r" % k)
            continue
        shape, fam = KEYS[k]
        if shape == "code":
            known(fam, v, k)
        elif shape in ("codes", "seq"):
            if is_list(v, k, shape == "seq"):  # [] is a sequence: no phases
                for c in v:
                    known(fam, c, k)
        elif shape == "agent_or_null":
            if v is not None:
                known(fam, v, k)
        elif shape in ("map_codes", "map_code", "map_date"):
            if not isinstance(v, dict) or not v:
                bad.append("%s: expected a non-empty object" % k)
                continue
            kfam = fam[0] if isinstance(fam, tuple) else fam
            for c, val in v.items():
                known(kfam, c, k)
                if shape == "map_codes":
                    if is_list(val, "%s.%s" % (k, c)):
                        for r in val:
                            known(fam[1], r, "%s.%s" % (k, c))
                elif shape == "map_code":
                    known(fam[1], val, "%s.%s" % (k, c))
                elif val is not None and not (isinstance(val, str) and DATE.match(val)):
                    bad.append("%s.%s: %r is neither a date (YYYY-MM-DD) nor null" % (k, c, val))
        elif shape == "bool":
            if not isinstance(v, bool):
                bad.append("%s: %r is not true or false" % (k, v))
    return bad


def check_expect(plan, exp, labels):
    """Every way the plan differs from the expectation (empty: it matches)."""
    bad = validate(exp, labels)
    if bad:
        return bad
    t = plan["treatment"]
    phases = t["phases"]
    if "diagnosis" in exp and plan["diagnosis"] != exp["diagnosis"]:
        bad.append("diagnosis %s" % plan["diagnosis"])
    if "risk" in exp and plan["risk"]["category"] != exp["risk"]:
        bad.append("risk %s" % plan["risk"]["category"])
    crit = [c["code"] for c in plan["risk"]["criteria"]]
    bad += ["criterion %s missing" % c for c in exp.get("criteria", []) if c not in crit]
    if "status" in exp and t["status"] != exp["status"]:
        bad.append("status %s" % t["status"])
    # a finding is {"code", "agent"?} (2026.12); a bare code is still read
    got_findings = [f["code"] if isinstance(f, dict) else f for f in t["findings"]]
    bad += ["finding %s missing" % f for f in exp.get("findings", []) if f not in got_findings]
    if "action" in exp and t["action"] != exp["action"]:
        bad.append("action %s" % t["action"])
    if "phase_intents" in exp and [p["intent"] for p in phases] != exp["phase_intents"]:
        bad.append("intents %s" % [p["intent"] for p in phases])
    if "first_agent" in exp:
        fa = phases[0]["options"][0]["agent"] if phases and phases[0]["options"] else None
        if fa != exp["first_agent"]:
            bad.append("first agent %s" % fa)
    in_ph = {o["agent"] for p in phases for o in p["options"]}
    bad += ["%s in phases" % a for a in exp.get("not_in_phases", []) if a in in_ph]
    avoid = {a["agent"]: a["reasons"] for a in plan["avoid"]}
    for a, rs in exp.get("avoid", {}).items():
        if a not in avoid:
            bad.append("%s not avoided" % a)
        else:
            bad += ["%s reason %s missing" % (a, r) for r in rs if r not in avoid[a]]
    bad += ["%s avoided" % a for a in exp.get("not_avoided", []) if a in avoid]
    nrec = {a["agent"] for a in plan["not_recommended"]}
    bad += ["%s not in not_recommended" % a for a in exp.get("not_recommended", []) if a not in nrec]
    alerts = {}
    for a in plan["alerts"]:
        alerts.setdefault(a["code"], set()).add(a["severity"])
    for c, sev in exp.get("alerts", {}).items():
        if sev not in alerts.get(c, set()):
            bad.append("alert %s/%s missing" % (c, sev))
    bad += ["alert %s present" % c for c in exp.get("no_alerts", []) if c in alerts]
    mon = {m["code"]: m["due"] for m in plan["monitoring"]}
    for c, due in exp.get("monitoring", {}).items():
        if due is None:  # null: no item with that code (vignettes README)
            if c in mon:
                bad.append("monitoring %s present (due %s)" % (c, mon[c]))
        elif c not in mon:
            bad.append("monitoring %s not in the plan" % c)
        elif mon[c] != due:
            bad.append("monitoring %s due %s" % (c, mon[c]))
    if "goal" in exp and (plan.get("goal") is not None) != exp["goal"]:
        bad.append("goal %s" % ("stated" if plan.get("goal") is not None else "not stated"))
    return bad
