/*
** dates.js: dates as a clinician types them.
**
** The record holds dates as YYYY-MM-DD (patient-record.md). The page also
** takes the forms clinicians outside the US type, and turns them into that
** form before anything is sent:
**   3.5.2024, 03.05.2024    day first, as dotted dates are written;
**   3 May 2024, May 3, 2024, 03-MAY-2024
**                           the month by its English name or abbreviation;
**   2024/05/03, 2024.05.03  year first.
** A date with slashes or dashes and the year last (03/05/2024, 03-05-2024)
** is 3 May in one country and 5 March in another: it is read only when one
** reading alone is a date (15/05/2024), and otherwise refused with a message
** naming the field, never guessed. So is a year of two digits (which
** century?). Anything else goes to the server as typed, so that its message
** ("not a date") names the field. Whether the day exists (30 February) and
** whether the date is after the plan date are the server's checks.
*/
"use strict";

import { InputProblem, fieldName } from "./units.js";

const MONTHS = ["january", "february", "march", "april", "may", "june", "july",
                "august", "september", "october", "november", "december"];

/* 1..12 for an English month name, its three-letter abbreviation or
** "sept"; 0 for anything else. */
function monthOf(word) {
  const w = word.toLowerCase();
  if (w === "sept") return 9;
  for (let i = 0; i < 12; i++)
    if (w === MONTHS[i] || (w.length === 3 && MONTHS[i].startsWith(w))) return i + 1;
  return 0;
}

const pad = (n) => String(n).padStart(2, "0");
/* YYYY-MM-DD when day and month are in range; null otherwise (the server
** then names the field). */
function iso(y, m, d) {
  return m >= 1 && m <= 12 && d >= 1 && d <= 31 ? `${y}-${pad(m)}-${pad(d)}` : null;
}

const ISO = /^\d{4}-\d{2}-\d{2}$/;
const YEAR_FIRST = /^(\d{4})([/.])(\d{1,2})\2(\d{1,2})$/;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const SLASHED = /^(\d{1,2})([/-])(\d{1,2})\2(\d{4})$/;
const SHORT_YEAR = /^\d{1,2}([/.-])\d{1,2}\1\d{2}$/;
const DAY_NAME = /^(\d{1,2})[ -]([A-Za-z]+)\.?,?[ -](\d{4})$/;
const NAME_DAY = /^([A-Za-z]+)\.? (\d{1,2}),? (\d{4})$/;

/* raw as the record's YYYY-MM-DD; the text itself when it is no date the
** page knows (the server names the field); throws InputProblem for a date
** that could be read two ways. yearOnly: a bare year is kept as typed. */
export function parseDate(input, raw, yearOnly) {
  const v = raw.trim();
  if (ISO.test(v) || (yearOnly && /^\d{4}$/.test(v))) return v;
  let m;
  if ((m = YEAR_FIRST.exec(v))) return iso(m[1], +m[3], +m[4]) || v;
  if ((m = DOTTED.exec(v))) return iso(m[3], +m[2], +m[1]) || v;
  if ((m = DAY_NAME.exec(v)) && monthOf(m[2])) return iso(m[3], monthOf(m[2]), +m[1]) || v;
  if ((m = NAME_DAY.exec(v)) && monthOf(m[1])) return iso(m[3], monthOf(m[1]), +m[2]) || v;
  if ((m = SLASHED.exec(v))) {
    const dayFirst = iso(m[4], +m[3], +m[1]), monthFirst = iso(m[4], +m[1], +m[3]);
    if (dayFirst && monthFirst && dayFirst !== monthFirst)
      throw new InputProblem(input, `${fieldName(input)}: “${v}” could be read as two dates (${dayFirst} or ${monthFirst}); ` +
        "type it as YYYY-MM-DD, or with the month's name (e.g. 3 May 2024).");
    return dayFirst || monthFirst || v;
  }
  if (SHORT_YEAR.test(v))
    throw new InputProblem(input, `${fieldName(input)}: “${v}” has a two-digit year; type the year in full (YYYY-MM-DD).`);
  return v;
}

/* What was read, in the field itself, once the clinician leaves it: the
** form then shows the date that will be sent. A date the page refuses is
** left as typed; the message comes when the plan is asked for. */
export function setupDates(form) {
  form.addEventListener("change", (ev) => {
    const input = ev.target;
    if (!input.matches || !input.matches("input[data-kind^=date]")) return;
    try {
      const d = parseDate(input, input.value, input.dataset.kind === "date-or-year");
      if (d !== input.value.trim() && ISO.test(d)) input.value = d;
    } catch (e) {
      if (!(e instanceof InputProblem)) throw e;
    }
  });
}
