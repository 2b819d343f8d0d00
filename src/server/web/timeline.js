/*
** timeline.js: the plan's timeline as SVG: past courses, fractures, the
** proposed phases and the due dates.
**
** Drawn at the width it is shown at (one SVG unit = one CSS pixel), so a
** label is as large on a phone as on a desktop; every label is measured and
** placed where it neither leaves the drawing nor covers another: inside its
** bar when it fits, else on a text row under the lane (with a leader to its
** bar), moved left where it would run past the right edge. A narrow drawing
** names its lanes above them instead of in a left column.
*/
"use strict";

import { el, svg, label } from "./common.js";

const ROW = 30, TEXT_ROW = 18, RIGHT = 8, NARROW = 560;

function day(s) { return s ? Date.parse(s + "T00:00:00Z") : NaN; }
function addMonths(ms, m) {
  const d = new Date(ms);
  const whole = Math.floor(m);
  const r = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + whole, d.getUTCDate()));
  return r.getTime() + (m - whole) * 30.44 * 864e5;
}
function iso(ms) { return new Date(ms).toISOString().slice(0, 10); }

/* Width in pixels of text drawn with class cls in the timeline's font. */
let meter = null;
function measure(text, cls) {
  if (!meter) {
    meter = svg("svg", { class: "timeline tl-measure", "aria-hidden": "true" });
    meter.append(svg("text", {}));
    document.body.append(meter);
  }
  const t = meter.firstChild;
  t.setAttribute("class", cls);
  t.textContent = text;
  return t.getComputedTextLength();
}

/* Rows of occupied [x0, x1] spans; place() puts a span on the first row
** from `from` where it touches nothing and returns that row. */
function rows() {
  const r = [];
  return {
    r,
    place(x0, x1, from) {
      for (let i = from; ; i++) {
        if (!r[i]) r[i] = [];
        if (r[i].every(([a, b]) => x1 + 6 <= a || x0 >= b + 6)) {
          r[i].push([x0, x1]);
          return i;
        }
      }
    },
  };
}

/* What to draw, in time: courses, fractures, phases and due items. */
function events(plan, rec) {
  const asOf = day(plan.as_of);
  const past = (rec.therapies || []).filter((c) => c && day(c.start) <= asOf).map((c) => ({
    agent: c.agent, from: day(c.start), to: c.end ? Math.min(day(c.end), asOf) : asOf, ongoing: !c.end || day(c.end) > asOf,
  })).filter((c) => !isNaN(c.from));
  const fx = (rec.fractures || []).filter((f) => f && f.mechanism !== "traumatic")
    .map((f) => ({ site: f.site, at: f.date ? day(f.date) : f.year ? Date.UTC(f.year, 6, 1) : NaN })).filter((f) => !isNaN(f.at));
  const phases = [];
  let at = asOf;
  for (const ph of plan.treatment.phases || []) {
    const open = ph.months === null || ph.months === undefined;
    const to = addMonths(at, open ? 24 : ph.months);
    phases.push({ ph, from: at, to, open });
    at = to;
  }
  const dues = (plan.monitoring || []).filter((m) => m.due).map((m) => ({ code: m.code, at: day(m.due), due: m.due }));
  return { asOf, past, fx, phases, dues, end: at };
}

function summary(ev) {
  const s = [];
  s.push(ev.past.length ? "Past courses: " + ev.past.map((c) => `${label("agent", c.agent)} ${iso(c.from)} to ${c.ongoing ? "now" : iso(c.to)}`).join("; ") + "." : "No past courses.");
  if (ev.fx.length) s.push("Fractures: " + ev.fx.map((f) => `${label("fracture_site", f.site)} ${iso(f.at)}`).join("; ") + ".");
  s.push(ev.phases.length ? "Proposed: " + ev.phases.map((p) => `${label("agent", p.ph.options[0] ? p.ph.options[0].agent : "")} from ${iso(p.from)}${p.open ? ", open-ended" : ` for ${p.ph.months} months`}`).join(", then ") + "." : "No drug proposed.");
  if (ev.dues.length) s.push("Due: " + ev.dues.map((d) => `${label("monitor", d.code)} ${d.due}`).join("; ") + ".");
  return s.join(" ");
}

/* One lane of bars: each bar on the first bar row where it fits; its label
** inside it when it fits, else on a text row under the bar rows. */
function barLane(items, x, W, left) {
  const bars = rows(), texts = rows();
  for (const it of items) {
    it.x0 = x(it.from);
    it.x1 = Math.max(it.x0 + 2, x(it.to));
    it.row = bars.place(it.x0, it.x1, 0);
    it.w = measure(it.text, "bar-label");
  }
  for (const it of items) {
    it.inside = it.w + 8 <= it.x1 - it.x0;
    if (it.inside) continue;
    it.tx = Math.max(left, Math.min(it.x0 + 2, W - RIGHT - it.w));
    it.trow = texts.place(it.tx, it.tx + it.w, 0);
  }
  return { items, nBars: Math.max(1, bars.r.length), nTexts: texts.r.length };
}

/* The due items: a diamond and its words beside it (left of it near the
** right edge), each on the first row where both fit. */
function dueLane(dues, x, W, left) {
  const r = rows();
  for (const d of dues) {
    d.text = `${label("monitor", d.code)} ${d.due}`;
    d.w = measure(d.text, "due-label");
    d.cx = x(d.at);
    d.tx = d.cx + 9 + d.w <= W - RIGHT ? d.cx + 9 : Math.max(left, d.cx - 9 - d.w);
    if (d.tx + d.w > W - RIGHT) d.tx = Math.max(left, W - RIGHT - d.w);
    d.row = r.place(Math.min(d.cx - 7, d.tx), Math.max(d.cx + 7, d.tx + d.w), 0);
  }
  return Math.max(1, r.r.length);
}

function drawBars(g, lane, y0, cls, fxOf) {
  for (const it of lane.items) {
    const y = y0 + it.row * ROW;
    g.append(svg("rect", { x: it.x0, y: y + 4, width: it.x1 - it.x0, height: ROW - 8, rx: 3, class: cls(it) }));
    if (it.inside) {
      g.append(svg("text", { x: it.x0 + 4, y: y + 19, class: "bar-label" }, it.text));
      continue;
    }
    const ty = y0 + lane.nBars * ROW + it.trow * TEXT_ROW + 13;
    const ax = Math.min(Math.max(it.x0 + 2, it.tx), it.x1);
    g.append(svg("line", { x1: ax, x2: ax, y1: y + ROW - 4, y2: ty - 11, class: "leader" }));
    g.append(svg("text", { x: it.tx, y: ty, class: "bar-label" }, it.text));
  }
  if (fxOf) fxOf(y0 + lane.nBars * ROW - 2);
}

function timeScale(ev, left, W) {
  const times = [ev.asOf, ...ev.past.map((c) => c.from), ...ev.fx.map((f) => f.at), ev.end, ...ev.dues.map((d) => d.at)].filter((t) => !isNaN(t));
  let t0 = Math.min(...times, addMonths(ev.asOf, -24));
  let t1 = Math.max(...times, addMonths(ev.asOf, 24));
  t0 = Date.UTC(new Date(t0).getUTCFullYear(), 0, 1);
  t1 = Date.UTC(new Date(t1).getUTCFullYear() + 1, 0, 1);
  return { t0, t1, x: (t) => left + ((t - t0) / (t1 - t0)) * (W - left - RIGHT) };
}

/* Year lines, and every step-th year named so that names never touch. */
function years(g, sc, top, bottom, W) {
  const y0 = new Date(sc.t0).getUTCFullYear(), y1 = new Date(sc.t1).getUTCFullYear();
  const perYear = sc.x(Date.UTC(y0 + 1, 0, 1)) - sc.x(Date.UTC(y0, 0, 1));
  const need = measure("2000", "year") + 10;
  const step = [1, 2, 5, 10, 20, 50].find((s) => s * perYear >= need) || 100;
  for (let yr = y0; yr <= y1; yr++) {
    const xx = sc.x(Date.UTC(yr, 0, 1));
    g.append(svg("line", { x1: xx, x2: xx, y1: top - 6, y2: bottom, class: "grid" }));
    if (yr % step === 0 && xx + 2 + need - 10 <= W - RIGHT) g.append(svg("text", { x: xx + 2, y: bottom + 14, class: "year" }, String(yr)));
  }
}

export function timeline(plan, rec, width) {
  const ev = events(plan, rec);
  if (!ev.past.length && !ev.fx.length && !ev.phases.length && !ev.dues.length)
    return el("p", {}, "Nothing to draw: no courses, fractures, proposed drugs or due dates.");
  const W = Math.max(280, Math.round(width || 760));
  const names = ["Past courses", "Proposed", "Due"];
  const narrow = W < NARROW;
  const left = narrow ? 4 : Math.ceil(Math.max(...names.map((n) => measure(n, "lane")))) + 14;
  const sc = timeScale(ev, left, W);
  for (const c of ev.past) c.text = label("agent", c.agent) + (c.ongoing ? " (current)" : "");
  for (const p of ev.phases)
    p.text = `${p.ph.options[0] ? label("agent", p.ph.options[0].agent) : label("intent", p.ph.intent)} ${p.open ? "→" : `${p.ph.months} mo`}`;
  const pastLane = barLane(ev.past, sc.x, W, left), phaseLane = barLane(ev.phases, sc.x, W, left);
  const nDue = dueLane(ev.dues, sc.x, W, left);
  const nameH = narrow ? TEXT_ROW : 0;
  const heights = [pastLane.nBars * ROW + pastLane.nTexts * TEXT_ROW, phaseLane.nBars * ROW + phaseLane.nTexts * TEXT_ROW, nDue * ROW];
  const top = 34;
  let y = top;
  const laneY = heights.map((h) => { const y0 = y + nameH; y = y0 + h + 8; return y0; });
  const H = y + 20;

  const g = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-labelledby": "tl-title tl-desc", class: "timeline" });
  g.append(svg("title", { id: "tl-title" }, "Timeline of treatment"));
  g.append(svg("desc", { id: "tl-desc" }, summary(ev)));
  years(g, sc, top, H - 20, W);
  names.forEach((n, i) => g.append(svg("text", { x: 4, y: narrow ? laneY[i] - 5 : laneY[i] + 19, class: "lane" }, n)));
  drawBars(g, pastLane, laneY[0], () => "bar past", (fy) => {
    for (const f of ev.fx) {
      const cx = sc.x(f.at);
      g.append(svg("path", { d: `M${cx - 5},${fy - 5}L${cx + 5},${fy + 5}M${cx - 5},${fy + 5}L${cx + 5},${fy - 5}`, class: "fracture" },
        undefined));
      g.lastChild.append(svg("title", {}, `${label("fracture_site", f.site)} fracture ${iso(f.at)}`));
    }
  });
  drawBars(g, phaseLane, laneY[1], (p) => "bar " + (p.ph.intent === "anabolic" ? "anabolic" : "antiresorptive") + (p.open ? " open" : ""));
  for (const d of ev.dues) {
    const yy = laneY[2] + d.row * ROW;
    g.append(svg("path", { d: `M${d.cx},${yy + 6}l6,9l-6,9l-6,-9z`, class: "due" }));
    g.append(svg("text", { x: d.tx, y: yy + 19, class: "due-label" }, d.text));
  }
  const nx = sc.x(ev.asOf), nowText = `plan date ${plan.as_of}`, nw = measure(nowText, "now-label");
  g.append(svg("line", { x1: nx, x2: nx, y1: top - 10, y2: H - 20, class: "now" }));
  g.append(svg("text", { x: Math.max(0, Math.min(nx + 3, W - RIGHT - nw)), y: top - 16, class: "now-label" }, nowText));

  return el("figure", { class: "timeline-fig" }, g,
    el("figcaption", {}, "Timeline: past courses (grey bars), fractures (×), the proposed sequence with each drug named (anabolic blue, antiresorptive green; an open-ended phase is dashed and ends in an arrow) and due dates (◆)."));
}
