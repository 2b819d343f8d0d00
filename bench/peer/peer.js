// The benchmark's peer: what a team could write in an afternoon with a
// general rules engine. The risk category and the main care gaps of the
// default profile as json-rules-engine rules, over the same NDJSON file.
// It validates nothing and covers far less than osteoplan; it is a speed
// reference, not a second implementation.
//
// usage: node peer.js FILE [LIMIT]   prints records, seconds, records/s
'use strict';
const fs = require('fs');
const readline = require('readline');
const { Engine } = require('json-rules-engine');

const DAY = 86400000, MONTH = 30.4375 * DAY;
const ANTIRESORPTIVE = new Set(['alendronate', 'risedronate', 'ibandronate', 'zoledronic_acid', 'denosumab', 'raloxifene', 'hormone_therapy']);
const ANABOLIC = new Set(['teriparatide', 'abaloparatide', 'romosozumab']);

function facts(r) {
  const asOf = Date.parse(r.as_of);
  const current = {};
  for (const s of r.bmd || []) if (!current[s.site] || s.date > current[s.site].date) current[s.site] = s;
  const ts = Object.values(current).map(s => s.t_score);
  const lowest = ts.length ? Math.min(...ts) : null;
  const fragility = (r.fractures || []).filter(f => f.mechanism !== 'traumatic')
    .map(f => ({ site: f.site, t: f.date ? Date.parse(f.date) : Date.UTC(f.year, 6, 1) }));
  const th = (r.therapies || []).map(t => ({ ...t, s: Date.parse(t.start), e: t.end ? Date.parse(t.end) : null }));
  const isCurrent = t => t.e === null || t.e > asOf;
  const followed = e => th.some(u => ANTIRESORPTIVE.has(u.agent) && u.s >= e);
  const dmab = th.find(t => t.agent === 'denosumab' && isCurrent(t));
  const last = dmab ? Date.parse(dmab.last_dose || dmab.start) : null;
  const age = (asOf - Date.parse(r.birth_date || '1950-01-01')) / (365.25 * DAY);
  return {
    lowest, age: r.age || age,
    hipSpine: fragility.some(f => f.site === 'hip' || f.site === 'vertebral'),
    recent: fragility.some(f => asOf - f.t <= 24 * MONTH && f.t <= asOf),
    fractures: fragility.length,
    mof: r.frax ? r.frax.major_osteoporotic_pct || 0 : 0,
    hip: r.frax ? r.frax.hip_pct || 0 : 0,
    onTreatment: th.some(isCurrent),
    denosumabOverdue: last !== null && asOf - last > 7 * MONTH,
    denosumabStopped: th.some(t => t.agent === 'denosumab' && !isCurrent(t) && !followed(t.e)),
    anabolicEnded: th.some(t => ANABOLIC.has(t.agent) && !isCurrent(t) && !followed(t.e)),
  };
}

function engine() {
  const e = new Engine([], { allowUndefinedFacts: true });
  const high = { any: [
    { fact: 'lowest', operator: 'lessThanInclusive', value: -2.5 },
    { fact: 'hipSpine', operator: 'equal', value: true },
    { all: [{ fact: 'lowest', operator: 'lessThan', value: -1.0 },
            { any: [{ fact: 'mof', operator: 'greaterThanInclusive', value: 20 },
                    { fact: 'hip', operator: 'greaterThanInclusive', value: 3 }] }] },
  ] };
  const veryHigh = { any: [
    { fact: 'recent', operator: 'equal', value: true },
    { fact: 'fractures', operator: 'greaterThanInclusive', value: 2 },
    { fact: 'lowest', operator: 'lessThanInclusive', value: -3.0 },
    { fact: 'mof', operator: 'greaterThanInclusive', value: 30 },
    { fact: 'hip', operator: 'greaterThanInclusive', value: 4.5 },
    { all: [{ fact: 'age', operator: 'greaterThanInclusive', value: 75 }, { fact: 'lowest', operator: 'lessThanInclusive', value: -2.5 }] },
  ] };
  e.addRule({ conditions: { all: [high, veryHigh] }, event: { type: 'risk', params: { v: 'very_high' } }, priority: 2 });
  e.addRule({ conditions: { all: [high] }, event: { type: 'risk', params: { v: 'high' } }, priority: 1 });
  e.addRule({ conditions: { all: [high, { fact: 'onTreatment', operator: 'equal', value: false }] }, event: { type: 'gap', params: { v: 'untreated_high_risk' } } });
  e.addRule({ conditions: { all: [high, { fact: 'onTreatment', operator: 'equal', value: false },
    { any: [{ fact: 'recent', operator: 'equal', value: true }, { fact: 'hipSpine', operator: 'equal', value: true }] }] },
    event: { type: 'gap', params: { v: 'untreated_after_fracture' } } });
  e.addRule({ conditions: { all: [{ fact: 'denosumabOverdue', operator: 'equal', value: true }] }, event: { type: 'gap', params: { v: 'denosumab_overdue' } } });
  e.addRule({ conditions: { all: [{ fact: 'denosumabStopped', operator: 'equal', value: true }] }, event: { type: 'gap', params: { v: 'denosumab_stopped_without_followup' } } });
  e.addRule({ conditions: { all: [{ fact: 'anabolicEnded', operator: 'equal', value: true }] }, event: { type: 'gap', params: { v: 'anabolic_without_followup' } } });
  return e;
}

async function main() {
  const file = process.argv[2], limit = Number(process.argv[3] || Infinity);
  const e = engine();
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  const t0 = process.hrtime.bigint();
  let n = 0, gaps = 0;
  for await (const line of rl) {
    if (n >= limit) break;
    let r;
    try { r = JSON.parse(line); } catch (_) { continue; }
    const { events } = await e.run(facts(r));
    gaps += events.filter(ev => ev.type === 'gap').length;
    n++;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ records: n, seconds: s, records_per_s: n / s, gaps }));
}
main();
