/*
** units.js: numbers as a clinician types them, and the units of the labs.
**
** A decimal comma is a decimal mark ("2,4" is 2.4) in every number field. A
** number with both marks, or several commas ("1.234,5", "1,234,5"), could be
** read two ways: it is refused with a message naming the field, never
** guessed. Anything else that is not a number goes to the server as text, so
** that its message ("expected a number") names the field.
**
** The labs the record holds in US units (calcium mg/dL, 25-OH vitamin D
** ng/mL; patient-record.md) may be typed in SI units: the unit is chosen
** beside the field and the value converted with the factor the knowledge
** base gives the FHIR mapper (GET /api/units, each factor with its sources).
** No factor is written here.
*/
"use strict";

import { $, el } from "./common.js";

export class InputProblem extends Error {
  constructor(input, message) {
    super(message);
    this.input = input;
  }
}

/* The words a message uses for an input: its row ("DXA result 1") and label. */
export function fieldName(input) {
  const lab = input.labels && input.labels[0] ? input.labels[0].textContent.replace(/\s*\(required\)\s*/, " ").trim() : input.dataset.path;
  const row = input.closest("[data-row]");
  return row && row.getAttribute("aria-label") ? `${row.getAttribute("aria-label")}, ${lab}` : lab;
}

const PLAIN = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const ONE_COMMA = /^[-+]?(\d+,\d*|,\d+)$/;

/* raw as the record's number; the text itself when it is no number at all;
** throws InputProblem when it is a number that could be read two ways. */
export function parseNumber(input, raw) {
  const v = raw.trim();
  if (PLAIN.test(v)) return Number(v);
  if (ONE_COMMA.test(v)) return Number(v.replace(",", "."));
  const marks = (v.match(/[.,]/g) || []).length;
  if (/^[-+]?[\d.,]+$/.test(v) && /\d/.test(v) && v.includes(",") && marks > 1)
    throw new InputProblem(input, `${fieldName(input)}: “${v}” could be read two ways (a thousands separator and a decimal mark); ` +
      "type it with one decimal mark and no thousands separator, e.g. 1234.5 or 1234,5.");
  return v;
}

/* input -> {select, units: [{unit, factor}], record: record unit} */
const chosen = new Map();

/* Up to ten significant digits: the product without float noise
** (2.35 x 4.008 = 9.4188, not 9.418799999999999). */
function tidy(x) { return Number(x.toPrecision(10)); }

/* n, typed in the chosen unit of input, in the record's unit. */
export function toRecordUnit(input, n) {
  const u = chosen.get(input);
  if (!u || typeof n !== "number") return n;
  const f = u.units.find((x) => x.unit === u.select.value);
  return f && f.factor !== 1 ? tidy(n * f.factor) : n;
}

/* Every unit back to the record's: what fillForm puts there is in it. */
export function resetUnits() {
  for (const u of chosen.values()) {
    u.select.value = u.record;
    u.note.textContent = "";
  }
}

/* "= 9.4188 mg/dL" under a field typed in another unit than the record's. */
function showConversion(input) {
  const u = chosen.get(input);
  if (!u) return;
  u.note.textContent = "";
  if (u.select.value === u.record || !input.value.trim()) return;
  let n;
  try { n = parseNumber(input, input.value); } catch { return; }
  if (typeof n === "number") u.note.textContent = `= ${toRecordUnit(input, n)} ${u.record} (the record's unit)`;
}

/* A unit chooser beside each field /api/units names, in place of the
** record's unit written there. */
export function setupUnits(data) {
  for (const f of (data && data.fields) || []) {
    const input = $(`#patient-form [data-path="${CSS.escape(f.field)}"]`);
    if (!input || !f.record_unit || f.units.length < 2) continue;
    const box = input.closest(".with-unit");
    const select = el("select", { class: "unit", id: input.id + "-unit" },
      f.units.map((u) => el("option", { value: u.unit, title: u.sources.map((s) => s.cites).join("; ") }, u.unit)));
    select.value = f.record_unit;
    const note = el("p", { class: "converted", id: input.id + "-conv", "aria-live": "polite" });
    $(".unit", box).replaceWith(el("label", { for: select.id, class: "visually-hidden" }, `Unit of ${fieldName(input)}`), select);
    box.after(note);
    chosen.set(input, { select, units: f.units, record: f.record_unit, note });
    select.addEventListener("change", () => showConversion(input));
    input.addEventListener("input", () => showConversion(input));
  }
}
