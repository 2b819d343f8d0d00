// The page's vignette checker: a vignette's "expect" against what the page
// shows (test_page.mjs reads it off the DOM; expect_self.mjs builds it from
// a plan to test this checker without a browser).
//
// Strict on purpose, like tests/cli/expect.py (same keys, same meaning): an
// unknown key, a value of the wrong type or a code the knowledge base does
// not have (labels from GET /api/labels, read at run time) fails the case.

// key -> [shape, label family]; map shapes name [key family, value family]
export const KEYS = {
  diagnosis: ["code", "diagnosis"],
  risk: ["code", "risk"],
  status: ["code", "status"],
  action: ["code", "action"],
  criteria: ["codes", "criterion"],
  findings: ["codes", "finding"],
  phase_intents: ["seq", "intent"],
  first_agent: ["agent_or_null", "agent"],
  not_in_phases: ["codes", "agent"],
  avoid: ["map_codes", ["agent", "reason"]],
  not_avoided: ["codes", "agent"],
  not_recommended: ["codes", "agent"],
  alerts: ["map_code", ["alert", "severity"]],
  no_alerts: ["codes", "alert"],
  monitoring: ["map_date", ["monitor", null]],
  goal: ["bool", null],
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/* What is wrong with the expectation itself. */
export function validate(e, labels) {
  const bad = [];
  if (!isObj(e)) return ["expect is not an object"];
  const known = (fam, c, where) => {
    if (typeof c !== "string" || !Object.hasOwn(labels[fam] || {}, c)) bad.push(`${where}: ${JSON.stringify(c)} is not a ${fam} code`);
  };
  const list = (v, k, emptyOk) => {
    if (!Array.isArray(v) || (!v.length && !emptyOk)) {
      bad.push(`${k}: expected a non-empty list`);
      return false;
    }
    return true;
  };
  for (const [k, v] of Object.entries(e)) {
    if (!Object.hasOwn(KEYS, k)) {
      bad.push(`unknown expect key ${JSON.stringify(k)}`);
      continue;
    }
    const [shape, fam] = KEYS[k];
    if (shape === "code") known(fam, v, k);
    else if (shape === "codes" || shape === "seq") {
      if (list(v, k, shape === "seq")) for (const c of v) known(fam, c, k); /* [] is a sequence: no phases */
    } else if (shape === "agent_or_null") {
      if (v !== null) known(fam, v, k);
    } else if (shape === "bool") {
      if (typeof v !== "boolean") bad.push(`${k}: ${JSON.stringify(v)} is not true or false`);
    } else {
      if (!isObj(v) || !Object.keys(v).length) {
        bad.push(`${k}: expected a non-empty object`);
        continue;
      }
      for (const [c, val] of Object.entries(v)) {
        known(fam[0], c, k);
        if (shape === "map_codes") {
          if (list(val, `${k}.${c}`, false)) for (const r of val) known(fam[1], r, `${k}.${c}`);
        } else if (shape === "map_code") known(fam[1], val, `${k}.${c}`);
        else if (val !== null && !(typeof val === "string" && DATE.test(val)))
          bad.push(`${k}.${c}: ${JSON.stringify(val)} is neither a date (YYYY-MM-DD) nor null`);
      }
    }
  }
  return bad;
}

/* Every way what the page shows (s) differs from the expectation (e). s:
** {diagnosis, risk, statusText, action, criteria, findings, intents, first,
** phaseAgents, avoid {agent: [reasons]}, notrec, alerts {code: severity},
** monitoring {code: due or null}, goal (bool)}. */
export function checkShown(s, e, labels) {
  const bad = validate(e, labels);
  if (bad.length) return bad;
  const want = (ok, what) => { if (!ok) bad.push(what); };
  for (const k of ["diagnosis", "risk", "action"])
    if (k in e) want(s[k] === e[k], `${k} ${s[k]} want ${e[k]}`);
  if ("status" in e) want(s.statusText === labels.status[e.status], `status "${s.statusText}" want ${e.status}`);
  for (const c of e.criteria || []) want(s.criteria.includes(c), `criterion ${c} shown (${s.criteria})`);
  for (const f of e.findings || []) want(s.findings.includes(f), `finding ${f} shown (${s.findings})`);
  if ("phase_intents" in e)
    want(JSON.stringify(s.intents) === JSON.stringify(e.phase_intents), `phases ${s.intents} want ${e.phase_intents}`);
  if ("first_agent" in e) want(s.first === e.first_agent, `first agent ${s.first} want ${e.first_agent}`);
  for (const a of e.not_in_phases || []) want(!s.phaseAgents.includes(a), `${a} not proposed`);
  for (const [a, reasons] of Object.entries(e.avoid || {}))
    want(Object.hasOwn(s.avoid, a) && reasons.every((r) => s.avoid[a].includes(r)), `avoid ${a} for ${reasons} (${JSON.stringify(s.avoid)})`);
  for (const a of e.not_avoided || []) want(!Object.hasOwn(s.avoid, a), `${a} not avoided`);
  for (const a of e.not_recommended || []) want(s.notrec.includes(a), `not recommended ${a}`);
  for (const [code, sev] of Object.entries(e.alerts || {})) want(s.alerts[code] === sev, `alert ${code} ${s.alerts[code]} want ${sev}`);
  for (const code of e.no_alerts || []) want(!Object.hasOwn(s.alerts, code), `no alert ${code}`);
  for (const [code, due] of Object.entries(e.monitoring || {}))
    /* null: no item with that code (2026.12 vignettes README) */
    want(due === null ? !Object.hasOwn(s.monitoring, code) : Object.hasOwn(s.monitoring, code) && s.monitoring[code] === due,
         `${code} due ${s.monitoring[code]} want ${due}`);
  if ("goal" in e) want(s.goal === e.goal, `goal ${s.goal ? "shown" : "not shown"} want ${e.goal}`);
  return bad;
}
