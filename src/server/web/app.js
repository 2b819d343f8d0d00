/*
** app.js: the clinician page of osteoplan serve.
**
** The page holds no clinical knowledge. It turns the form into a patient
** record (patient-record.md), posts it to /api/assess, and draws the plan it
** gets back (plan.js, timeline.js); every word that goes with a code comes
** from the knowledge base through /api/labels, every unit factor through
** /api/units (units.js), and the patient-language view is the server's own
** patient rendering (tested for reading level), not a second copy here.
** A FHIR file is read by the server's FHIR mapper (/api/record-from-fhir).
** Validation is the server's: its message is shown beside the field its
** JSON path names. No framework, no network beyond this server.
*/
"use strict";

import { $, $$, el, label, words, setLabels, labels } from "./common.js";
import { InputProblem, parseNumber, toRecordUnit, resetUnits, setupUnits } from "./units.js";
import { parseDate, setupDates } from "./dates.js";
import { renderPlan, redrawTimeline, headline } from "./plan.js";

const LISTS = ["bmd", "fractures", "therapies", "medications", "conditions", "labs.p1np", "labs.ctx"];
const NOUN = {
  bmd: "DXA result", fractures: "Fracture", therapies: "Osteoporosis drug", medications: "Medicine",
  conditions: "Condition", "labs.p1np": "P1NP result", "labs.ctx": "CTX result",
};

let extra = {};      /* fields of a loaded record the form has no input for */
let uid = 0;
let shown = null;    /* the plan on screen and the record it was made from */

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
** Numbers: see units.js (decimal comma, units); dates: dates.js (day-first
** and month-name forms); text that is neither is sent as text, so that the
** server's message names the field. */
function readValue(input) {
  const v = input.value.trim();
  const kind = input.dataset.kind;
  if (v === "") return undefined;
  if (kind === "number") return toRecordUnit(input, parseNumber(input, v));
  if (kind && kind.startsWith("date")) return parseDate(input, v, kind === "date-or-year");
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
    const dated = input.dataset.dated ? $(`[data-lab-date="${input.dataset.dated}"]`) : null;
    const d = dated ? readValue(dated) : undefined;
    /* a lab with its date is {value, date}; without, a plain number (patient-record.md) */
    if (d !== undefined) setPath(rec, input.dataset.path, v === undefined ? { date: d } : { value: v, date: d });
    else if (v !== undefined) setPath(rec, input.dataset.path, v);
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
  for (const input of $$("#patient-form input, #patient-form select:not(.unit)")) input.value = "";
  resetUnits();
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
    let v = getPath(rec, p);
    const dated = input.dataset.dated ? $(`[data-lab-date="${input.dataset.dated}"]`) : null;
    if (dated && v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).every((k) => k === "value" || k === "date")) {
      showValue(dated, v.date);
      v = v.value;
    }
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
  const codes = labels().record_codes[sel.dataset.codes] || [];
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
  const m = /^([a-z_0-9]+)(?: or [a-z_0-9]+| \(or [a-z_0-9]+\))? is required/.exec(message);
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

/* A number the page could not read (units.js): said beside its field as
** the server's messages are. */
function showProblem(p) {
  showError({ error: p.message, path: p.input.dataset.path || p.input.dataset.altPath });
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

/* The form as a record; null after showing the problem beside its field
** and msg in statusEl (a value the page itself refuses, before the server). */
function formOrProblem(statusEl, msg) {
  try {
    return readForm();
  } catch (e) {
    if (!(e instanceof InputProblem)) throw e;
    showProblem(e);
    statusEl.textContent = msg;
    return null;
  }
}

async function submit(ev) {
  ev.preventDefault();
  clearErrors();
  const status = $("#plan-status");
  const rec = formOrProblem(status, "The record was not accepted: see the message beside the field.");
  if (!rec) return;
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
    shown = { plan: plan.body, rec };
    renderPlan(plan.body, rec, planWidth());
    /* the server escapes every text of its rendering: it is safe to place */
    $("#plan-patient").innerHTML = pat.status === 200 ? pat.body : "";
    status.textContent = `Plan ready: ${headline(plan.body, rec)}`;
    document.body.classList.add("has-plan");
    toDecision();
  } catch (e) {
    status.textContent = "No plan: " + e.message;
  }
}

/* ---- files ---------------------------------------------------------------- */

function saveFile() {
  const rec = formOrProblem($("#file-status"), "Not saved: see the message beside the field.");
  if (!rec) return;
  const blob = new Blob([JSON.stringify(rec, null, 2) + "\n"], { type: "application/json" });
  const a = el("a", { href: URL.createObjectURL(blob), download: (rec.id ? String(rec.id).replace(/[^\w.-]+/g, "_") : "patient") + ".json" });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  $("#file-status").textContent = "Saved the record as " + a.download + ".";
}

/* FHIR rather than a patient record: a resource or Bundle, a CDS Hooks
** request, or a prefetch object (its values are resources). */
function isFhir(o) {
  if (!o || typeof o !== "object" || Array.isArray(o)) return false;
  if (typeof o.resourceType === "string" || (o.hook && o.prefetch)) return true;
  const vals = Object.values(o);
  return vals.length > 0 && vals.every((v) => v === null || (v && typeof v === "object" && typeof v.resourceType === "string"));
}

/* The record the server's FHIR mapper reads from text; throws with the
** server's message. */
async function recordFromFhir(text) {
  const r = await fetch("api/record-from-fhir", { method: "POST", headers: { "Content-Type": "application/json" }, body: text });
  const body = await r.json().catch(() => ({}));
  if (r.status !== 200) throw new Error(body.error || "HTTP " + r.status);
  return body;
}

async function openFile(ev) {
  const f = ev.target.files && ev.target.files[0];
  if (!f) return;
  const st = $("#file-status");
  st.textContent = `Reading ${f.name}…`;
  try {
    const text = await f.text();
    const doc = JSON.parse(text);
    if (isFhir(doc)) {
      const rec = await recordFromFhir(text);
      fillForm(rec);
      const notes = (rec.extensions && rec.extensions.input_notes) || [];
      st.replaceChildren(`Loaded ${f.name} through the FHIR reader.`,
        notes.length ? el("ul", { class: "input-notes" }, notes.map((n) => el("li", {}, n))) : "");
    } else {
      fillForm(doc);
      st.textContent = `Loaded ${f.name}.`;
    }
  } catch (e) {
    st.textContent = `Could not load ${f.name}: ${e.message}`;
  }
  ev.target.value = "";
}

async function loadExample() {
  const r = await fetch("example.json");
  fillForm(await r.json());
  $("#file-status").textContent = "Loaded the example patient. Choose “Get plan”.";
  $("#f-sex").focus();
}

/* The width the plan is drawn at: its column's (the clinician view may be
** hidden behind the patient view). */
function planWidth() {
  const n = $("#plan");
  const cs = getComputedStyle(n);
  return n.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
}

/* The decision takes the focus and comes into view, whatever the screen:
** on a phone the plan is below the whole form. */
function toDecision() {
  const card = document.body.dataset.view === "patient" ? $("#plan-patient .decision") || $("#plan-patient") : $("#decision");
  if (!card) return;
  if (!card.hasAttribute("tabindex")) card.tabIndex = -1;
  card.focus({ preventScroll: true });
  card.scrollIntoView({ block: "start", inline: "nearest" });
}

/* ---- start ------------------------------------------------------------------ */

async function start() {
  const [lab, units] = await Promise.allSettled([fetch("api/labels").then((r) => r.json()), fetch("api/units").then((r) => r.json())]);
  if (lab.status === "fulfilled") {
    setLabels(lab.value);
    const kb = lab.value.knowledge_base;
    $("#kb-version").textContent = `Knowledge base ${kb.version} (${kb.status}, updated ${kb.updated}). Decision support: the treating clinician decides.`;
  } else {
    $("#kb-version").textContent = "The knowledge base could not be read from the server: " + lab.reason.message;
  }
  if (units.status === "fulfilled") setupUnits(units.value);
  setupDates($("#patient-form"));
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
  /* the timeline is drawn at its width: again when that changes */
  let drawnAt = 0, timer = 0;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const w = planWidth();
      if (shown && Math.abs(w - drawnAt) > 1) redrawTimeline(shown.plan, shown.rec, (drawnAt = w));
    }, 100);
  });
  setView("clinician");
  document.body.dataset.ready = "true";
}

document.addEventListener("DOMContentLoaded", start);
