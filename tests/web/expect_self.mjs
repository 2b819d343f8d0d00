// The page's vignette checker without a browser, for tests/cli/test_expect.py:
//
//   node expect_self.mjs CASES.json
//
// CASES.json is {labels, cases: [{plan, expect}]}; for each case this prints
// (one JSON array on stdout) what checkShown finds wrong, after building
// from the plan what the page shows of it (the same fields test_page.mjs
// reads off the DOM, as app.js draws them).
import { readFileSync } from "node:fs";
import { checkShown } from "./expect.mjs";

function shownFromPlan(plan, labels) {
  const t = plan.treatment;
  const opts = (p) => p.options.map((o) => o.agent);
  return {
    diagnosis: plan.diagnosis,
    risk: plan.risk.category,
    statusText: labels.status[t.status],
    action: t.action,
    criteria: plan.risk.criteria.map((c) => c.code),
    findings: t.findings.map((f) => f.code),
    intents: t.phases.map((p) => p.intent),
    first: t.phases.length && t.phases[0].options.length ? t.phases[0].options[0].agent : null,
    phaseAgents: t.phases.flatMap(opts),
    avoid: Object.fromEntries(plan.avoid.map((a) => [a.agent, a.reasons])),
    notrec: plan.not_recommended.map((a) => a.agent),
    alerts: Object.fromEntries(plan.alerts.map((a) => [a.code, a.severity])),
    monitoring: Object.fromEntries(plan.monitoring.map((m) => [m.code, m.due ?? null])),
    goal: !!plan.goal,
  };
}

const { labels, cases } = JSON.parse(readFileSync(process.argv[2], "utf8"));
process.stdout.write(JSON.stringify(cases.map((c) => checkShown(shownFromPlan(c.plan, labels), c.expect, labels))));
