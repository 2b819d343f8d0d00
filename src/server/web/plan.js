/*
** plan.js: the plan for the clinician, drawn from the plan JSON of
** /api/assess. The words are the plan's and the knowledge base's: the
** decision card opens with what the plan says must be done first (its
** critical alerts, the messages the CDS service gives a card each), then the
** action as the knowledge base words it, as the command line's rendering
** does; its colour is critical only when such an alert is there (a routine
** start is not a warning). Every printed page carries the patient and the
** plan date (an @page header made here, the one place that knows them).
*/
"use strict";

import { $, el, label, ui, cap } from "./common.js";
import { timeline } from "./timeline.js";

function sources(list) {
  if (!list || !list.length) return null;
  return el("span", { class: "srcs" }, " [", list.map((s, i) => [i ? ", " : "", el("a", { href: "#src-" + s }, s)]), "]");
}

function optionText(o) {
  return [o.dose, o.route, o.frequency].filter(Boolean).join(" ");
}

function section(id, title, ...kids) {
  return el("section", { class: "block", "aria-labelledby": id }, el("h3", { id }, title), ...kids);
}

function alertItem(a) {
  return el("li", { class: "sev-" + a.severity, "data-code": a.code },
    el("span", { class: "sev-word" }, cap(label("severity", a.severity)) + ":"), " ", a.message, sources(a.sources));
}

/* The action in words. As the command line's rendering (render_doc.c,
** action_words): "assess" with a bone density on record asks for what is
** missing, not for the scan. */
function actionWords(plan, rec) {
  const t = plan.treatment;
  if (t.action === "assess" && (rec.bmd || []).length) return ui("assess_has_bmd");
  return label("action", t.action);
}

/* The risk in words; "low" never stands beside an urgent message
** (render_doc.c, risk_words). */
function riskWords(plan) {
  const urgent = (plan.alerts || []).some((a) => a.severity === "critical");
  return plan.risk.category === "low" && urgent ? ui("risk_low_urgent") : label("risk", plan.risk.category);
}

/* What the plan says first: its first critical alert, else its action and
** first agent. The status line says it when the plan is ready. */
export function headline(plan, rec) {
  const urgent = (plan.alerts || []).find((a) => a.severity === "critical");
  if (urgent) return urgent.message;
  const t = plan.treatment;
  const first = t.phases && t.phases[0] && t.phases[0].options[0];
  return cap(actionWords(plan, rec)) + (first ? ": " + label("agent", first.agent) : "") + ".";
}

function phaseLine(ph, i) {
  const first = ph.options[0];
  const dur = ph.months === null || ph.months === undefined ? ui("open_ended") : `${ph.months} ${ui("months")}`;
  const div = el("div", { class: "phase", "data-intent": ph.intent, "data-agents": ph.options.map((o) => o.agent).join(" ") });
  div.append(el("p", {},
    el("span", { class: "step" }, i === 0 ? cap(ui("best_choice")) + ":" : cap(ui("then")) + ":"), " ",
    first ? el("strong", { "data-testid": i === 0 ? "first-agent" : null, "data-code": first.agent }, label("agent", first.agent)) : "",
    first ? ` ${optionText(first)}` : "", `, ${dur} `, el("span", { class: "intent" }, `(${label("intent", ph.intent)})`)));
  if (ph.options.length > 1)
    div.append(el("p", { class: "alts" }, cap(ui("alternatives")) + ": ",
      ph.options.slice(1).map((o, k) => [k ? "; " : "", label("agent", o.agent), ` ${optionText(o)}`])));
  return div;
}

/* The decision card: focusable, so that the page can take the clinician
** to it when the plan is ready. */
function decisionCard(plan, rec) {
  const t = plan.treatment;
  const urgent = (plan.alerts || []).filter((a) => a.severity === "critical");
  const card = el("section", { class: "decision" + (urgent.length ? " sev-critical" : ""), id: "decision", tabindex: "-1",
    "aria-labelledby": "dec-h", "data-testid": "decision", "data-indicator": plan.indicator });
  card.append(el("h3", { id: "dec-h" }, ui("decision")));
  if (urgent.length) card.append(el("ul", { class: "alerts urgent", "data-testid": "urgent" }, urgent.map(alertItem)));
  card.append(el("p", { class: "risk", "data-testid": "risk", "data-code": plan.risk.category },
    el("strong", {}, cap(riskWords(plan))), " · ",
    el("span", { "data-testid": "diagnosis", "data-code": plan.diagnosis }, label("diagnosis", plan.diagnosis)),
    plan.age !== undefined && plan.age !== null ? ` · ${ui("age")} ${plan.age}` : "", " · ", label("status", t.status)));
  card.append(el("p", { class: "action", "data-testid": "action", "data-code": t.action }, cap(actionWords(plan, rec))));
  if (!t.phases || !t.phases.length) card.append(el("p", {}, cap(ui("no_phases"))));
  (t.phases || []).forEach((ph, i) => card.append(phaseLine(ph, i)));
  if (t.rationale) card.append(el("p", { class: "rationale" }, t.rationale, sources(t.sources)));
  return card;
}

/* Why, avoid, alerts, monitoring, supplements, goal, notes, disagreements,
** sources: in reading order; printed in two columns to fit a handout. */
function details(plan) {
  const details = el("div", { class: "details" });
  const why = el("ul", {});
  for (const c of plan.risk.criteria || [])
    why.append(el("li", { "data-criterion": c.code }, el("strong", {}, cap(label("criterion", c.code)) + ": "), c.detail || "", sources(c.sources)));
  if (!why.children.length) why.append(el("li", {}, cap(label("risk", plan.risk.category))));
  // a finding is {code, agent?}: the agent it concerns is named after it
  const findings = (plan.treatment.findings || []).map((f) =>
    el("li", { "data-finding": f.code }, cap(label("finding", f.code)) + (f.agent ? ` (${label("agent", f.agent)})` : "")));
  details.append(section("why-h", cap(ui("why")), why,
    findings.length ? [el("h4", {}, cap(ui("findings"))), el("ul", {}, findings)] : null));

  const avoidList = (list, attr) => el("ul", {}, list.map((a) => el("li", { [attr]: a.agent, "data-reasons": a.reasons.join(" ") },
    el("strong", {}, label("agent", a.agent) + ": "), a.reasons.map((r) => label("reason", r)).join("; "),
    a.detail ? ` (${a.detail})` : "", sources(a.sources))));
  if ((plan.avoid || []).length) details.append(section("avoid-h", cap(ui("avoid")), avoidList(plan.avoid, "data-avoid-agent")));
  if ((plan.not_recommended || []).length) details.append(section("notrec-h", cap(ui("not_recommended")), avoidList(plan.not_recommended, "data-notrec-agent")));

  /* the critical alerts head the decision card: each message once. The
  ** clinician's reminders follow the alerts of their severity, as in the
  ** command line's rendering (render_doc.c, messages); a reminder whose
  ** words an alert has said already is not said again. */
  const order = ["critical", "warning", "info"];
  const said = new Set((plan.alerts || []).map((a) => a.message));
  const items = [];
  for (const sev of order) {
    for (const a of plan.alerts || []) if (a.severity === sev && sev !== "critical") items.push(alertItem(a));
    for (const m of plan.reminders || []) {
      const text = label("reminder", m.code);
      if (m.severity !== sev || !(m.audiences || []).includes("clinician") || said.has(text)) continue;
      said.add(text);
      items.push(el("li", { class: "reminder", "data-reminder": m.code }, el("span", { class: "sev-word" }, ui("reminder")), " ", text));
    }
  }
  if (items.length) details.append(section("alerts-h", cap(ui("alerts")), el("ul", { class: "alerts" }, items)));

  if ((plan.monitoring || []).length)
    details.append(section("mon-h", cap(ui("monitoring")), el("table", { class: "monitoring" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, cap(ui("due"))), el("th", { scope: "col" }, "What"), el("th", { scope: "col" }, "Why"))),
      el("tbody", {}, plan.monitoring.map((m) => el("tr", { "data-code": m.code, "data-due": m.due },
        // an item that fell due before the plan's date is due now
        el("td", {}, m.overdue_since ? ui("due_now").replace("{date}", m.overdue_since) : m.due || "-"),
        el("td", {}, cap(label("monitor", m.code))), el("td", {}, m.reason || "", sources(m.sources))))))));

  const sup = plan.supplements;
  if (sup || (plan.lifestyle || []).length) {
    const items = [];
    // calcium held until the cause of a raised calcium is known: no dose
    if (sup && sup.calcium_hold) items.push(el("li", { "data-testid": "calcium-hold" }, label("supplements", "calcium_hold")));
    else if (sup && sup.calcium_mg_per_day) items.push(el("li", {}, `${cap(ui("calcium"))} ${sup.calcium_mg_per_day.join("–")} mg/day`));
    if (sup && sup.vitamin_d_iu_per_day) items.push(el("li", {}, `${cap(ui("vitamin_d"))} ${sup.vitamin_d_iu_per_day.join("–")} IU/day` +
      (sup.vitamin_d_target_ng_ml ? `, target ≥ ${sup.vitamin_d_target_ng_ml} ng/mL` : ""), sources(sup.sources)));
    for (const l of plan.lifestyle || []) items.push(el("li", {}, cap(label("lifestyle", l))));
    details.append(section("sup-h", `${cap(ui("supplements"))}, ${ui("lifestyle")}`, el("ul", {}, items)));
  }

  if (plan.goal)
    details.append(section("goal-h", cap(ui("goal")), el("p", {}, plan.goal.summary, plan.goal.review_by ? ` (review by ${plan.goal.review_by})` : "", sources(plan.goal.sources)),
      (plan.diagnosis_codes || []).length ? el("p", {}, `${cap(ui("diagnosis_codes"))}: ` + plan.diagnosis_codes.map((d) => `${d.system} ${d.code}`).join(", ")) : null));

  if ((plan.input_notes || []).length)
    details.append(section("notes-h", cap(ui("input_notes")), el("ul", {}, plan.input_notes.map((n) => el("li", {}, n)))));

  if ((plan.disagreements || []).length)
    details.append(section("dis-h", cap(ui("disagreements")), el("ul", {}, plan.disagreements.map((d) => el("li", {},
      el("strong", {}, label("disagreement", d.topic) + ": "), d.positions.map((p, i) => [i ? "; " : "", el("a", { href: "#src-" + p.source }, p.source), ": ", p.statement]),
      `. ${cap(ui("applied"))}: ${d.applied}.`)))));

  const srcs = Object.entries(plan.sources || {});
  if (srcs.length)
    details.append(section("src-h", cap(ui("sources")), el("dl", { class: "sources" }, srcs.map(([id, s]) => [
      el("dt", { id: "src-" + id }, id),
      el("dd", {}, s.title || "", s.review_status ? ` (${s.review_status})` : ""),
    ])), el("p", { class: "note" }, ui("sources_note"))));

  return details;
}

/* "Patient p-001 (name, MRN) · plan date 2026-11-01": who and when, on
** every printed page. */
export function patientRef(plan) {
  const who = plan.patient || {};
  const extra = [who.name, who.mrn ? ui("mrn").replace("{value}", who.mrn) : null].filter(Boolean).join(", ");
  return `${ui("patient")} ${plan.patient_id || "-"}${extra ? ` (${extra})` : ""} · plan date ${plan.as_of}`;
}

/* A CSS string: every character outside plain ASCII letters, digits and
** spaces as an escape, so a patient's id can never end the string. */
function cssString(s) {
  return '"' + Array.from(String(s)).map((ch) => (/[A-Za-z0-9 ]/.test(ch) ? ch : `\\${ch.codePointAt(0).toString(16)} `)).join("") + '"';
}

/* The running header of the printed plan: an @page margin box (the page's
** style sheet may not be inline: its policy forbids that; the CSS object
** model may add to it). Replaced for each plan. */
function printHeader(plan) {
  const sheet = Array.from(document.styleSheets).find((s) => s.href && s.href.endsWith("/app.css"));
  if (!sheet) return;
  const rules = Array.from(sheet.cssRules);
  for (let i = rules.length - 1; i >= 0; i--)
    if (rules[i] instanceof CSSPageRule && rules[i].cssText.includes("top-left")) sheet.deleteRule(i);
  const text = cssString(patientRef(plan));
  sheet.insertRule(`@page { @top-left { content: ${text}; font: 9pt system-ui, sans-serif; color: #1a1a1a; } ` +
    `@top-right { content: counter(page) " / " counter(pages); font: 9pt system-ui, sans-serif; } }`, sheet.cssRules.length);
}

export function renderPlan(plan, rec, width) {
  const out = $("#plan-clinician");
  out.textContent = "";
  out.append(el("p", { class: "who", "data-testid": "who" }, patientRef(plan) + ` · ${ui("age")} ${plan.age ?? "-"}`));
  // rules nobody has reviewed say so at the top (default-profile.md section 10)
  const kb = plan.knowledge_base;
  if (kb && kb.status !== "approved")
    out.append(el("p", { class: "review-notice", role: "note", "data-testid": "kb-review" },
      ui("kb_not_reviewed").replace("{level}", kb.status)));
  out.append(decisionCard(plan, rec));
  out.append(section("tl-h", "Timeline", el("div", { class: "tl-box" }, timeline(plan, rec, width))));
  out.append(details(plan));
  out.append(el("p", { class: "disclaimer" }, ui("disclaimer"),
    kb ? ` Knowledge base ${kb.version} (${kb.status}, ${kb.updated}${kb.reviewed_by ? `; reviewed by ${kb.reviewed_by}, ${kb.reviewed_on}` : ""}).` : ""));
  printHeader(plan);
}

/* The timeline again at a new width (the window was resized). */
export function redrawTimeline(plan, rec, width) {
  const box = $("#plan-clinician .tl-box");
  if (box) box.replaceChildren(timeline(plan, rec, width));
}
