/*
** app.js: the clinician page of osteoplan serve.
**
** The page holds no clinical knowledge. It turns the form into a patient
** record (patient-record.md), posts it to /api/assess, and draws the plan it
** gets back; every word that goes with a code comes from the knowledge base
** through /api/labels, and the patient-language view is the server's own
** patient rendering (tested for reading level), not a second copy here.
** Validation is the server's: its message is shown beside the field its
** JSON path names. No framework, no network beyond this server.
*/
"use strict";

(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  const LISTS = ["bmd", "fractures", "therapies", "medications", "conditions", "labs.p1np", "labs.ctx"];
  const NOUN = {
    bmd: "DXA result", fractures: "Fracture", therapies: "Osteoporosis drug", medications: "Medicine",
    conditions: "Condition", "labs.p1np": "P1NP result", "labs.ctx": "CTX result",
  };
  const SVG = "http://www.w3.org/2000/svg";

  let L = { labels: {}, record_codes: {} }; /* /api/labels */
  let extra = {};      /* fields of a loaded record the form has no input for */
  let uid = 0;

  /* ---- small helpers ---------------------------------------------------- */

  function words(code) { return String(code).replace(/_/g, " "); }
  function label(kind, code) {
    const k = L.labels[kind];
    return (k && k[code]) || words(code);
  }
  function ui(key) { return label("ui", key); }
  function cap(s) { return s ? s.charAt(0).toUpperCase() + s.slice(1) : s; }

  /* el("p", {class: "x"}, "text", child, ...): text is always text, never HTML */
  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "text") n.textContent = v;
      else n.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of kids.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  }
  function svg(tag, attrs, text) {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function getPath(obj, path) {
    return path.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
  }
  function setPath(obj, path, value) {
    const ks = path.split(".");
    let o = obj;
    for (let i = 0; i < ks.length - 1; i++) {
      if (typeof o[ks[i]] !== "object" || o[ks[i]] === null || Array.isArray(o[ks[i]])) o[ks[i]] = {};
      o = o[ks[i]];
    }
    o[ks[ks.length - 1]] = value;
  }

  /* ---- reading and filling the form ------------------------------------- */

  /* The value of one input as the record holds it; undefined when empty.
  ** Text that is not a number is sent as text, so that the server's message
  ** ("expected a number") names the field, rather than the page guessing. */
  function readValue(input) {
    const v = input.value.trim();
    const kind = input.dataset.kind;
    if (v === "") return undefined;
    if (kind === "number") return /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v) ? Number(v) : v;
    if (kind === "bool") return v === "true";
    return v;
  }
  function showValue(input, v) {
    if (v === undefined || v === null) input.value = "";
    else input.value = String(v);
  }

  function readRow(row) {
    const o = row.dataset.extra ? JSON.parse(row.dataset.extra) : {};
    let any = false;
    for (const input of $$("[data-field]", row)) {
      const v = readValue(input);
      if (v === undefined) continue;
      any = true;
      if (input.dataset.kind === "date-or-year" && /^\d{4}$/.test(v)) o.year = Number(v);
      else o[input.dataset.field] = v;
    }
    return any || Object.keys(o).length ? o : null;
  }

  function readForm() {
    const rec = JSON.parse(JSON.stringify(extra));
    for (const input of $$("#patient-form [data-path]:not([data-row] [data-path])")) {
      if (!input.matches("input, select")) continue;
      const v = readValue(input);
      if (v !== undefined) setPath(rec, input.dataset.path, v);
    }
    for (const list of LISTS) {
      const rows = $$(`fieldset[data-list="${list}"] [data-row]`).map(readRow).filter(Boolean);
      if (rows.length) setPath(rec, list, rows);
    }
    return rec;
  }

  function clearForm() {
    extra = {};
    if (document.body.classList.contains("has-plan")) $("#plan-stale").hidden = false;
    for (const input of $$("#patient-form input, #patient-form select")) input.value = "";
    for (const list of LISTS) for (const row of $$(`fieldset[data-list="${list}"] [data-row]`)) row.remove();
    clearErrors();
  }

  /* Puts a record into the form. What the form cannot show is kept and sent
  ** back as it was, so nothing is dropped silently (and the server names
  ** whatever it does not accept). */
  function fillForm(rec) {
    clearForm();
    if (!rec || typeof rec !== "object" || Array.isArray(rec)) throw new Error("the file does not hold one JSON object");
    const rest = JSON.parse(JSON.stringify(rec));
    for (const input of $$("#patient-form [data-path]:not([data-row] [data-path])")) {
      if (!input.matches("input, select")) continue;
      const p = input.dataset.path;
      const v = getPath(rec, p);
      if (v === undefined || (typeof v === "object" && v !== null)) continue;
      showValue(input, v);
      removePath(rest, p);
    }
    for (const list of LISTS) {
      const arr = getPath(rec, list);
      if (!Array.isArray(arr)) continue;
      const kept = [];
      for (const item of arr) {
        if (!item || typeof item !== "object" || Array.isArray(item)) { kept.push(item); continue; }
        addRow(list, item);
      }
      if (kept.length) setPath(rest, list, kept); else removePath(rest, list);
    }
    for (const k of ["frax", "labs", "lifestyle"])
      if (rest[k] && typeof rest[k] === "object" && !Object.keys(rest[k]).length) delete rest[k];
    extra = rest;
  }
  function removePath(obj, path) {
    const ks = path.split(".");
    const parent = ks.length > 1 ? getPath(obj, ks.slice(0, -1).join(".")) : obj;
    if (parent && typeof parent === "object") delete parent[ks[ks.length - 1]];
  }

  /* ---- repeatable rows --------------------------------------------------- */

  function fillSelect(sel) {
    const codes = L.record_codes[sel.dataset.codes] || [];
    const kind = sel.dataset.labels;
    for (const c of codes) sel.append(el("option", { value: c }, kind ? label(kind, c) : words(c)));
  }

  function addRow(list, values) {
    const fs = $(`fieldset[data-list="${list}"]`);
    const tpl = document.getElementById("row-" + list);
    const row = tpl.content.firstElementChild.cloneNode(true);
    row.setAttribute("role", "group");
    for (const f of $$(".field", row)) {
      const input = $("input, select", f);
      const id = "f" + ++uid;
      input.id = id;
      $("label", f).htmlFor = id;
      if (input.tagName === "SELECT") fillSelect(input);
    }
    const rm = el("button", { type: "button", class: "remove" }, "Remove");
    rm.addEventListener("click", () => {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber(list);
      (next ? $("input, select", next) : $(`[data-add="${list}"]`)).focus();
    });
    row.append(rm);
    if (values) {
      const rest = Object.assign({}, values);
      for (const input of $$("[data-field]", row)) {
        const f = input.dataset.field;
        if (input.dataset.kind === "date-or-year" && rest.date === undefined && rest.year !== undefined) {
          showValue(input, rest.year);
          delete rest.year;
          continue;
        }
        if (rest[f] !== undefined && (rest[f] === null || typeof rest[f] !== "object")) {
          showValue(input, rest[f]);
          delete rest[f];
        }
      }
      if (Object.keys(rest).length) row.dataset.extra = JSON.stringify(rest);
    }
    $(".rows", fs).append(row);
    renumber(list);
    return row;
  }

  /* Row paths follow the order on screen, as the record's array will. */
  function renumber(list) {
    $$(`fieldset[data-list="${list}"] [data-row]`).forEach((row, i) => {
      row.dataset.path = `${list}[${i}]`;
      row.setAttribute("aria-label", `${NOUN[list]} ${i + 1}`);
      for (const input of $$("[data-field]", row)) {
        input.dataset.path = `${list}[${i}].${input.dataset.field}`;
        if (input.dataset.kind === "date-or-year") input.dataset.altPath = `${list}[${i}].year`;
      }
      $(".remove", row).setAttribute("aria-label", `Remove ${NOUN[list].toLowerCase()} ${i + 1}`);
    });
  }

  /* ---- validation messages beside their fields ---------------------------- */

  function clearErrors() {
    for (const m of $$(".field-error")) m.remove();
    for (const i of $$("[aria-invalid]")) {
      i.removeAttribute("aria-invalid");
      i.removeAttribute("aria-describedby");
    }
    const box = $("#form-errors");
    box.hidden = true;
    box.textContent = "";
  }

  /* The element a JSON path names: the input, else (for "bmd[0]: t_score is
  ** required") the named member, else the nearest row or group that holds it. */
  function fieldFor(path, message) {
    const find = (p) => $(`#patient-form [data-path="${CSS.escape(p)}"], #patient-form [data-alt-path="${CSS.escape(p)}"]`);
    const m = /^([a-z_0-9]+)(?: or [a-z_0-9]+)? is required/.exec(message);
    const tries = [];
    if (m) tries.push(path ? `${path}.${m[1]}` : m[1]);
    if (path) tries.push(path);
    for (const t of tries) { const n = find(t); if (n) return n; }
    let p = path;
    while (p) {
      p = p.replace(/(\.[a-z_0-9]+|\[\d+\])$/, "");
      const n = find(p) || $(`#patient-form [data-list="${CSS.escape(p)}"]`);
      if (n) return n;
      if (!/[.[]/.test(p)) break;
    }
    return null;
  }

  function showError(err) {
    clearErrors();
    const msg = String(err.error || "the record was not accepted");
    const path = err.path || "";
    const short = path && msg.startsWith(path + ": ") ? msg.slice(path.length + 2) : msg;
    const target = fieldFor(path, short);
    const id = "err" + ++uid;
    const note = el("p", { class: "field-error", id }, el("strong", {}, "Not accepted: "), short);
    const box = $("#form-errors");
    box.hidden = false;
    box.append(el("p", {}, el("strong", {}, "The record was not accepted. "), msg));
    if (target && target.matches("input, select")) {
      target.setAttribute("aria-invalid", "true");
      target.setAttribute("aria-describedby", id);
      target.closest(".field").append(note);
      const go = el("button", { type: "button", class: "linklike" }, "Go to the field");
      go.addEventListener("click", () => target.focus());
      box.append(go);
      target.focus();
    } else if (target) {
      target.prepend(note);
      note.tabIndex = -1;
      note.focus();
    } else {
      box.tabIndex = -1;
      box.focus();
    }
  }

  /* ---- the plan ------------------------------------------------------------ */

  function sources(list) {
    if (!list || !list.length) return null;
    return el("span", { class: "srcs" }, " [", list.map((s, i) => [i ? ", " : "", el("a", { href: "#src-" + s }, s)]), "]");
  }

  function optionText(o) {
    return [o.dose, o.route, o.frequency].filter(Boolean).join(" ");
  }

  function decisionCard(plan) {
    const t = plan.treatment;
    const sev = plan.indicator; // the plan's severity, decided by the engine
    const card = el("section", { class: "decision sev-" + sev, "aria-labelledby": "dec-h", "data-testid": "decision" });
    card.append(el("p", { class: "badge" }, cap(label("severity", sev))));
    card.append(el("h3", { id: "dec-h" }, ui("decision")));
    card.append(el("p", { class: "risk", "data-testid": "risk", "data-code": plan.risk.category },
      el("strong", {}, cap(label("risk", plan.risk.category))), " · ",
      el("span", { "data-testid": "diagnosis", "data-code": plan.diagnosis }, label("diagnosis", plan.diagnosis)),
      plan.age !== undefined && plan.age !== null ? ` · ${ui("age")} ${plan.age}` : "", " · ", label("status", t.status)));
    card.append(el("p", { class: "action", "data-testid": "action", "data-code": t.action }, cap(label("action", t.action))));
    if (!t.phases || !t.phases.length) {
      card.append(el("p", {}, cap(ui("no_phases"))));
    }
    (t.phases || []).forEach((ph, i) => {
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
      card.append(div);
    });
    if (t.rationale) card.append(el("p", { class: "rationale" }, t.rationale, sources(t.sources)));
    return card;
  }

  /* ---- the timeline (SVG) ---- */

  function day(s) { return s ? Date.parse(s + "T00:00:00Z") : NaN; }
  function addMonths(ms, m) {
    const d = new Date(ms);
    const whole = Math.floor(m);
    const r = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + whole, d.getUTCDate()));
    return r.getTime() + (m - whole) * 30.44 * 864e5;
  }
  function iso(ms) { return new Date(ms).toISOString().slice(0, 10); }

  function timeline(plan, rec) {
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
    if (!past.length && !fx.length && !phases.length && !dues.length) return el("p", {}, "Nothing to draw: no courses, fractures, proposed drugs or due dates.");
    const times = [asOf, ...past.map((c) => c.from), ...fx.map((f) => f.at), at, ...dues.map((d) => d.at)].filter((x) => !isNaN(x));
    let t0 = Math.min(...times, addMonths(asOf, -24));
    let t1 = Math.max(...times, addMonths(asOf, 24));
    t0 = Date.UTC(new Date(t0).getUTCFullYear(), 0, 1);
    t1 = Date.UTC(new Date(t1).getUTCFullYear() + 1, 0, 1);

    const W = 760, left = 130, right = 16, lane = 30;
    const x = (t) => left + ((t - t0) / (t1 - t0)) * (W - left - right);
    const lanes = [];
    const pastLanes = [];
    for (const c of past.sort((a, b) => a.from - b.from)) {
      let k = pastLanes.findIndex((end) => end < c.from);
      if (k < 0) { k = pastLanes.length; pastLanes.push(0); }
      pastLanes[k] = c.to;
      c.lane = k;
    }
    const nPast = Math.max(pastLanes.length, 1);
    lanes.push({ name: "Past courses", rows: nPast });
    lanes.push({ name: "Proposed", rows: 1 });
    lanes.push({ name: "Due", rows: Math.max(1, Math.min(dues.length, 3)) });
    const top = 24;
    let y = top;
    const laneY = lanes.map((l) => { const y0 = y; y += l.rows * lane + 8; return y0; });
    const H = y + 22;

    const g = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "tl-title tl-desc", class: "timeline" });
    const summary = [];
    summary.push(past.length ? "Past courses: " + past.map((c) => `${label("agent", c.agent)} ${iso(c.from)} to ${c.ongoing ? "now" : iso(c.to)}`).join("; ") + "." : "No past courses.");
    if (fx.length) summary.push("Fractures: " + fx.map((f) => `${label("fracture_site", f.site)} ${iso(f.at)}`).join("; ") + ".");
    summary.push(phases.length ? "Proposed: " + phases.map((p) => `${label("agent", p.ph.options[0] ? p.ph.options[0].agent : "")} from ${iso(p.from)}${p.open ? ", open-ended" : ` for ${p.ph.months} months`}`).join(", then ") + "." : "No drug proposed.");
    if (dues.length) summary.push("Due: " + dues.map((d) => `${label("monitor", d.code)} ${d.due}`).join("; ") + ".");
    g.append(svg("title", { id: "tl-title" }, "Timeline of treatment"));
    g.append(svg("desc", { id: "tl-desc" }, summary.join(" ")));

    /* years */
    for (let yr = new Date(t0).getUTCFullYear(); yr <= new Date(t1).getUTCFullYear(); yr++) {
      const t = Date.UTC(yr, 0, 1);
      const span = new Date(t1).getUTCFullYear() - new Date(t0).getUTCFullYear();
      const step = span > 24 ? 5 : span > 12 ? 2 : 1;
      g.append(svg("line", { x1: x(t), x2: x(t), y1: top - 6, y2: H - 20, class: "grid" }));
      if (yr % step === 0) g.append(svg("text", { x: x(t) + 2, y: H - 6, class: "year" }, String(yr)));
    }
    lanes.forEach((l, i) => g.append(svg("text", { x: 4, y: laneY[i] + 19, class: "lane" }, l.name)));

    for (const c of past) {
      const yy = laneY[0] + c.lane * lane;
      g.append(svg("rect", { x: x(c.from), y: yy + 4, width: Math.max(2, x(c.to) - x(c.from)), height: lane - 8, rx: 3, class: "bar past" }));
      g.append(svg("text", { x: x(c.from) + 4, y: yy + 19, class: "bar-label" }, label("agent", c.agent) + (c.ongoing ? " (current)" : "")));
    }
    for (const f of fx) {
      const cx = x(f.at), cy = laneY[0] + nPast * lane - 2;
      g.append(svg("path", { d: `M${cx - 5},${cy - 5}L${cx + 5},${cy + 5}M${cx - 5},${cy + 5}L${cx + 5},${cy - 5}`, class: "fracture" }));
      g.append(svg("title", {}, `${label("fracture_site", f.site)} fracture ${iso(f.at)}`));
    }
    phases.forEach((p) => {
      const yy = laneY[1];
      const cls = "bar " + (p.ph.intent === "anabolic" ? "anabolic" : "antiresorptive") + (p.open ? " open" : "");
      g.append(svg("rect", { x: x(p.from), y: yy + 4, width: Math.max(2, x(p.to) - x(p.from)), height: lane - 8, rx: 3, class: cls }));
      const name = p.ph.options[0] ? label("agent", p.ph.options[0].agent) : label("intent", p.ph.intent);
      g.append(svg("text", { x: x(p.from) + 4, y: yy + 19, class: "bar-label on-dark" }, `${name} ${p.open ? "→" : `${p.ph.months} mo`}`));
    });
    dues.forEach((d, i) => {
      const yy = laneY[2] + (i % 3) * lane;
      const cx = x(d.at);
      g.append(svg("path", { d: `M${cx},${yy + 6}l6,9l-6,9l-6,-9z`, class: "due" }));
      g.append(svg("text", { x: cx + 9, y: yy + 19, class: "due-label" }, `${label("monitor", d.code)} ${d.due}`));
    });
    g.append(svg("line", { x1: x(asOf), x2: x(asOf), y1: top - 10, y2: H - 20, class: "now" }));
    g.append(svg("text", { x: x(asOf) + 3, y: top - 12, class: "now-label" }, `plan date ${plan.as_of}`));

    return el("figure", { class: "timeline-fig" }, g,
      el("figcaption", {}, "Timeline: past courses (grey bars), fractures (×), the proposed sequence with each drug named (anabolic blue, antiresorptive green; an open-ended phase is dashed and ends in an arrow) and due dates (◆)."));
  }

  function section(id, title, ...kids) {
    return el("section", { class: "block", "aria-labelledby": id }, el("h3", { id }, title), ...kids);
  }

  function renderPlan(plan, rec) {
    const out = $("#plan-clinician");
    out.textContent = "";
    out.append(el("p", { class: "who" },
      `${ui("patient")} ${plan.patient_id || "-"} · ${ui("age")} ${plan.age ?? "-"} · plan date ${plan.as_of}`));
    // rules nobody has reviewed say so at the top (default-profile.md section 10)
    const kb = plan.knowledge_base;
    if (kb && kb.status !== "approved")
      out.append(el("p", { class: "review-notice", role: "note", "data-testid": "kb-review" },
        ui("kb_not_reviewed").replace("{level}", kb.status)));
    out.append(decisionCard(plan));
    out.append(section("tl-h", "Timeline", timeline(plan, rec)));

    /* the rest in reading order; printed in two columns to fit a handout */
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

    if ((plan.alerts || []).length) {
      const order = ["critical", "warning", "info"];
      const alerts = plan.alerts.slice().sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
      details.append(section("alerts-h", cap(ui("alerts")), el("ul", { class: "alerts" }, alerts.map((a) =>
        el("li", { class: "sev-" + a.severity, "data-code": a.code },
          el("span", { class: "sev-word" }, cap(label("severity", a.severity)) + ":"), " ", a.message, sources(a.sources))))));
    }

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

    out.append(details);
    out.append(el("p", { class: "disclaimer" }, ui("disclaimer"),
      kb ? ` Knowledge base ${kb.version} (${kb.status}, ${kb.updated}${kb.reviewed_by ? `; reviewed by ${kb.reviewed_by}, ${kb.reviewed_on}` : ""}).` : ""));
  }

  function setView(v) {
    $("#plan-clinician").hidden = v !== "clinician";
    $("#plan-patient").hidden = v !== "patient";
    $("#view-clinician").setAttribute("aria-pressed", String(v === "clinician"));
    $("#view-patient").setAttribute("aria-pressed", String(v === "patient"));
    document.body.dataset.view = v;
  }

  async function post(query, rec) {
    const r = await fetch("api/assess" + query, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(rec),
    });
    const type = r.headers.get("Content-Type") || "";
    return { status: r.status, body: type.startsWith("application/json") ? await r.json() : await r.text() };
  }

  async function submit(ev) {
    ev.preventDefault();
    clearErrors();
    const rec = readForm();
    const status = $("#plan-status");
    status.textContent = "Working…";
    /* never leave an earlier patient's plan beside a new entry */
    $("#plan-clinician").textContent = "";
    $("#plan-patient").textContent = "";
    $("#plan-stale").hidden = true;
    document.body.classList.remove("has-plan");
    try {
      const [plan, pat] = await Promise.all([post("", rec), post("?format=fragment&audience=patient", rec)]);
      if (plan.status === 422) {
        showError(plan.body);
        status.textContent = "The record was not accepted: see the message beside the field.";
        return;
      }
      if (plan.status !== 200) throw new Error((plan.body && plan.body.error) || "HTTP " + plan.status);
      renderPlan(plan.body, rec);
      /* the server escapes every text of its rendering: it is safe to place */
      $("#plan-patient").innerHTML = pat.status === 200 ? pat.body : "";
      const t = plan.body.treatment;
      const first = t.phases && t.phases[0] && t.phases[0].options[0];
      status.textContent = `Plan ready: ${label("action", t.action)}${first ? ", " + label("agent", first.agent) : ""}.`;
      document.body.classList.add("has-plan");
      $("#plan").focus();
    } catch (e) {
      status.textContent = "No plan: " + e.message;
    }
  }

  /* ---- files ---------------------------------------------------------------- */

  function saveFile() {
    const rec = readForm();
    const blob = new Blob([JSON.stringify(rec, null, 2) + "\n"], { type: "application/json" });
    const a = el("a", { href: URL.createObjectURL(blob), download: (rec.id ? String(rec.id).replace(/[^\w.-]+/g, "_") : "patient") + ".json" });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    $("#file-status").textContent = "Saved the record as " + a.download + ".";
  }

  async function openFile(ev) {
    const f = ev.target.files && ev.target.files[0];
    if (!f) return;
    try {
      fillForm(JSON.parse(await f.text()));
      $("#file-status").textContent = `Loaded ${f.name}.`;
    } catch (e) {
      $("#file-status").textContent = `Could not load ${f.name}: ${e.message}.`;
    }
    ev.target.value = "";
  }

  async function loadExample() {
    const r = await fetch("example.json");
    fillForm(await r.json());
    $("#file-status").textContent = "Loaded the example patient. Choose “Get plan”.";
    $("#f-sex").focus();
  }

  /* ---- start ------------------------------------------------------------------ */

  async function start() {
    try {
      L = await (await fetch("api/labels")).json();
      const kb = L.knowledge_base;
      $("#kb-version").textContent = `Knowledge base ${kb.version} (${kb.status}, updated ${kb.updated}). Decision support: the treating clinician decides.`;
    } catch (e) {
      $("#kb-version").textContent = "The knowledge base could not be read from the server: " + e.message;
    }
    for (const sel of $$("select[data-codes]:not(template select)")) fillSelect(sel);
    for (const b of $$("[data-add]")) b.addEventListener("click", () => {
      const row = addRow(b.dataset.add);
      $("input, select", row).focus();
    });
    $("#patient-form").addEventListener("submit", submit);
    /* a plan drawn from other values than those on screen says so */
    const stale = () => { if (document.body.classList.contains("has-plan")) $("#plan-stale").hidden = false; };
    $("#patient-form").addEventListener("input", stale);
    $("#patient-form").addEventListener("click", (e) => { if (e.target.closest(".remove, .add")) stale(); });
    $("#load-example").addEventListener("click", loadExample);
    $("#save-file").addEventListener("click", saveFile);
    $("#open-file").addEventListener("change", openFile);
    $("#clear-form").addEventListener("click", () => { clearForm(); $("#file-status").textContent = "Cleared."; $("#f-sex").focus(); });
    $("#view-clinician").addEventListener("click", () => setView("clinician"));
    $("#view-patient").addEventListener("click", () => setView("patient"));
    $("#print-plan").addEventListener("click", () => window.print());
    setView("clinician");
    document.body.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", start);
})();
