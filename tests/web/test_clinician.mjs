// The page keeps up with a clinician (issue 18, part 4), in Debian's
// chromium driven by playwright-core, at a desktop (1280x800) and a phone
// (390x844) size each:
//   1. after "Get plan" the decision card is in view and has the focus;
//   2. its colour and first words are the plan's: a routine start is not a
//      warning, an overdue denosumab dose reads as the plan's critical alert
//      ("give the dose now"), said once; the clinician's reminders listed as
//      the command line lists them;
//   3. SI units (calcium mmol/L, vitamin D nmol/L) converted with the
//      knowledge base's factors (/api/units), the unit beside the field; a
//      decimal comma read, an ambiguous number refused naming its field;
//      dates typed day first (3.5.2024), with the month's name or year
//      first sent as YYYY-MM-DD and shown so in the field; a date that could
//      be read two ways (03/05/2024) or a two-digit year refused naming its
//      field, nothing sent;
//   4. a FHIR Bundle, a CDS Hooks prefetch or hook request opened from a file
//      fills the form through the server's FHIR reader; its errors are the
//      server's;
//   5. no timeline label leaves the drawing or covers another, the text is
//      drawn at its size, and the page never scrolls sideways;
//   6. every printed page carries the patient reference and the plan date
//      (pdftotext on each page of a PDF of several pages);
//   7. the hint's required fields are exactly what the server refuses.
//
//   node test_clinician.mjs OSTEOPLAN VIGNETTE_DIR FHIR_DIR SHOT_DIR
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServer, typeInto, typeRecord, submitAndWait } from "./page_lib.mjs";

const [bin, vigDir, fhirDir, shotDir] = process.argv.slice(2);
if (!bin || !vigDir || !fhirDir || !shotDir) {
  console.error("usage: node test_clinician.mjs OSTEOPLAN VIGNETTE_DIR FHIR_DIR SHOT_DIR");
  process.exit(2);
}
mkdirSync(shotDir, { recursive: true });
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const PDFTOTEXT = process.env.PDFTOTEXT || "/usr/bin/pdftotext";
const SIZES = [{ name: "desktop", width: 1280, height: 800 }, { name: "mobile", width: 390, height: 844 }];
const ONLY = process.env.ONLY ? process.env.ONLY.split(",") : null; /* run some parts while working on them */

let failures = 0, checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) {
    failures++;
    console.log("FAIL:", what);
  }
}

const vignette = (name) => JSON.parse(readFileSync(join(vigDir, name), "utf8"));
const fhirFile = (name) => JSON.parse(readFileSync(join(fhirDir, name), "utf8"));

/* A plan with much to draw and print: several short past courses (labels
** too long for their bars), fractures, alerts, due dates. */
const LONG = {
  id: "tl-long-ref", as_of: "2026-11-01", sex: "female", birth_date: "1948-05-05", menopause: "post",
  bmd: [{ site: "lumbar_spine", t_score: -3.1, date: "2026-09-01" }, { site: "total_hip", t_score: -2.6, date: "2026-09-01" }],
  fractures: [{ site: "vertebral", date: "2026-03-01" }, { site: "wrist", date: "2019-05-01" }],
  therapies: [
    { agent: "alendronate", start: "2014-01-01", end: "2019-01-01", stop_reason: "completed" },
    { agent: "raloxifene", start: "2019-03-01", end: "2019-06-01", stop_reason: "intolerance" },
    { agent: "risedronate", start: "2019-08-01", end: "2020-02-01", stop_reason: "intolerance" },
    { agent: "zoledronic_acid", start: "2021-01-01", end: "2024-01-01", last_dose: "2023-01-10", doses: 3 },
  ],
  conditions: [{ code: "myocardial_infarction", date: "2026-05-20" }, { code: "dental_surgery_planned" }],
  labs: { egfr_ml_min: 55, calcium_mg_dl: 9.4, vitamin_d_ng_ml: 18 },
};

async function api(url, path, body) {
  const r = await fetch(url + path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const type = r.headers.get("Content-Type") || "";
  return { status: r.status, body: /json/.test(type) ? await r.json() : await r.text() };
}

async function fresh(page, url) {
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]");
}

/* Opens a JSON file (a record or FHIR) with "Open JSON file..." and waits for the page to say so. */
async function openJson(page, name, doc) {
  const f = join(shotDir, name);
  writeFileSync(f, typeof doc === "string" ? doc : JSON.stringify(doc, null, 1));
  await page.evaluate(() => { document.getElementById("file-status").textContent = ""; });
  await page.setInputFiles("#open-file", f);
  await page.waitForFunction(() => /^(Loaded|Could not)/.test(document.getElementById("file-status").textContent));
  return page.textContent("#file-status");
}

/* ---- 1. the decision in view and focused ---- */
async function focusPart(page, url, size) {
  await fresh(page, url);
  await typeRecord(page, vignette("02_very_high_recent_vertebral.json").patient);
  for (const from of ["top", "bottom"]) {
    await page.evaluate((f) => window.scrollTo(0, f === "top" ? 0 : document.documentElement.scrollHeight), from);
    const st = await submitAndWait(page, false);
    const r = await page.evaluate(() => {
      const d = document.getElementById("decision");
      const b = d.getBoundingClientRect(), h = d.querySelector("h3").getBoundingClientRect();
      const bar = document.querySelector(".submit-row").getBoundingClientRect();
      return { focused: document.activeElement === d, tabindex: d.getAttribute("tabindex"), top: b.top, headBottom: h.bottom,
               vh: innerHeight, barTop: bar.top < innerHeight && bar.bottom > 0 ? bar.top : innerHeight, firstLine: d.querySelector("h3").nextElementSibling.getBoundingClientRect().bottom };
    });
    check(st.startsWith("Plan ready"), `${size.name} from the ${from}: plan (${st})`);
    check(r.focused && r.tabindex === "-1", `${size.name} from the ${from}: the decision card has the focus (tabindex -1)`);
    check(r.top >= 0 && r.firstLine <= Math.min(r.vh, r.barTop), `${size.name} from the ${from}: the decision is in view: ${JSON.stringify(r)}`);
    await page.screenshot({ path: join(shotDir, `${size.name}-1-decision-from-${from}.png`) });
  }
  /* the patient view: its decision the same way */
  await page.click("#view-patient");
  await page.evaluate(() => window.scrollTo(0, 0));
  await submitAndWait(page, false);
  const p = await page.evaluate(() => {
    const d = document.activeElement, b = d.getBoundingClientRect();
    return { inPatient: !!d.closest("#plan-patient"), top: b.top, vh: innerHeight };
  });
  check(p.inPatient && p.top >= 0 && p.top < p.vh / 2, `${size.name}: the patient view's decision in view and focused: ${JSON.stringify(p)}`);
  await page.click("#view-clinician");
}

/* ---- 2. the plan's indicator and words ---- */
async function wordingPart(page, url, size) {
  await fresh(page, url);
  const start = vignette("01_naive_high_tscore.json").patient;
  const planStart = (await api(url, "api/assess", start)).body;
  await typeRecord(page, start);
  await submitAndWait(page, false);
  const s = await page.evaluate(() => {
    const d = document.getElementById("decision");
    return { cls: d.className, text: d.innerText, indicator: d.dataset.indicator };
  });
  check(planStart.treatment.action === "start" && !planStart.alerts.some((a) => a.severity === "critical"), "vignette 01 is a routine start");
  check(!/sev-/.test(s.cls) && !/\bwarning\b/i.test(s.text), `${size.name}: a routine start is neutral, not WARNING (${s.cls}): ${s.text.slice(0, 80)}`);
  check(s.indicator === planStart.indicator, `${size.name}: the card carries the plan's indicator (${s.indicator})`);
  await sameReminders(page, url, start, size, "vignette 01", true);

  const over = vignette("09_denosumab_overdue.json").patient;
  const plan = (await api(url, "api/assess", over)).body;
  const crit = plan.alerts.filter((a) => a.severity === "critical");
  await typeRecord(page, over);
  const status = await submitAndWait(page, false);
  const o = await page.evaluate(() => {
    const d = document.getElementById("decision");
    return { cls: d.className, first: d.querySelector("h3").nextElementSibling.innerText, all: document.getElementById("plan-clinician").innerText };
  });
  check(crit.length > 0 && /give the dose now/.test(crit[0].message), "the plan words the overdue dose: " + (crit[0] || {}).message);
  check(/sev-critical/.test(o.cls), `${size.name}: overdue denosumab card is critical (${o.cls})`);
  check(o.first.includes(crit[0].message) && /give the dose now/.test(o.first) && !/^continue/i.test(o.first.trim()),
        `${size.name}: the card opens with the plan's words: ${o.first}`);
  check(status.includes(crit[0].message), `${size.name}: the status says it: ${status}`);
  const times = o.all.split(crit[0].message).length - 1;
  check(times === 1, `${size.name}: the critical message is said once (${times})`);
  await sameReminders(page, url, over, size, "vignette 09", false);
  await page.locator("#decision").screenshot({ path: join(shotDir, `${size.name}-2-overdue-denosumab.png`) });
}

/* The clinician's reminders on the page are the command line's "Reminder:"
** lines of the same plan, in the same order, each said once. */
async function sameReminders(page, url, rec, size, what, some) {
  const text = (await api(url, "api/assess?format=text", rec)).body;
  const want = String(text).split("\n").map((l) => /^\s*- Reminder: (.*)$/.exec(l)).filter(Boolean).map((m) => m[1]);
  const got = await page.evaluate(() => [...document.querySelectorAll("#plan-clinician [data-reminder]")]
    .map((li) => li.innerText.replace(/^Reminder:\s*/, "").trim()));
  check((!some || want.length > 0) && JSON.stringify(got) === JSON.stringify(want),
        `${size.name}: ${what}: the page's reminders are the plan's: ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
}

/* ---- 3. SI units and the decimal comma ---- */
async function unitsPart(page, url, size) {
  const units = (await api(url, "api/units")).body;
  const factor = (field, unit) => units.fields.find((f) => f.field === field).units.find((u) => u.unit === unit).factor;
  const fCa = factor("labs.calcium_mg_dl", "mmol/L"), fD = factor("labs.vitamin_d_ng_ml", "nmol/L");
  /* molar masses: calcium 40.08 g/mol, 25(OH)D3 400.6 g/mol */
  check(Math.abs(fCa - 4.008) < 0.01 && Math.abs(fD - 0.4006) < 0.001, `the knowledge base's factors (${fCa}, ${fD})`);
  await fresh(page, url);
  await typeRecord(page, { sex: "female", age: 70, as_of: "2026-11-01", weight_kg: "58,5",
    bmd: [{ site: "lumbar_spine", t_score: "-2,7", date: "2026-10-01" }] });
  await typeInto(page.locator("#f-calcium"), "2,35");
  await page.selectOption("#f-calcium-unit", "mmol/L");
  await typeInto(page.locator("#f-vitd"), "75");
  await page.selectOption("#f-vitd-unit", "nmol/L");
  const beside = await page.evaluate(() => {
    const i = document.getElementById("f-calcium").getBoundingClientRect(), u = document.getElementById("f-calcium-unit").getBoundingClientRect();
    return { right: u.left >= i.right - 1 && u.top < i.bottom && u.bottom > i.top, label: document.getElementById("f-calcium-unit").labels.length,
             note: document.getElementById("f-calcium-conv").textContent };
  });
  check(beside.right && beside.label === 1, `${size.name}: the unit chooser sits beside the field, labelled: ${JSON.stringify(beside)}`);
  check(/mg\/dL/.test(beside.note), `${size.name}: the converted value is shown: ${beside.note}`);
  await page.locator("fieldset[data-path=labs]").screenshot({ path: join(shotDir, `${size.name}-3-units.png`) });
  const req = page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/api/assess"));
  const st = await submitAndWait(page, false);
  const sent = JSON.parse((await req).postData());
  check(st.startsWith("Plan ready"), `${size.name}: SI record planned (${st})`);
  check(sent.weight_kg === 58.5 && sent.bmd[0].t_score === -2.7, `${size.name}: "58,5" and "-2,7" read as 58.5 and -2.7: ${sent.weight_kg} ${sent.bmd[0].t_score}`);
  check(Math.abs(sent.labs.calcium_mg_dl - 2.35 * fCa) < 1e-9, `${size.name}: calcium 2,35 mmol/L sent as ${sent.labs.calcium_mg_dl} mg/dL`);
  check(Math.abs(sent.labs.vitamin_d_ng_ml - 75 * fD) < 1e-9, `${size.name}: vitamin D 75 nmol/L sent as ${sent.labs.vitamin_d_ng_ml} ng/mL`);

  /* an ambiguous number: refused beside its field, nothing sent */
  let posted = 0;
  const count = (r) => { if (r.url().includes("/api/assess")) posted++; };
  page.on("request", count);
  await typeInto(page.locator("#f-weight_kg"), "1.234,5");
  const st2 = await submitAndWait(page, false);
  page.off("request", count);
  const msg = await page.evaluate(() => {
    const n = document.getElementById("f-weight_kg");
    return { invalid: n.getAttribute("aria-invalid"), msg: n.closest(".field").querySelector(".field-error")?.textContent, focused: document.activeElement === n };
  });
  check(st2.includes("not accepted") && posted === 0, `${size.name}: "1.234,5" refused before sending (${st2}, ${posted} sent)`);
  check(msg.invalid === "true" && msg.focused && /Weight \(kg\)/.test(msg.msg || "") && /1\.234,5/.test(msg.msg || ""),
        `${size.name}: the message names the field: ${JSON.stringify(msg)}`);
  await page.screenshot({ path: join(shotDir, `${size.name}-3-ambiguous.png`) });
}

/* ---- 3b. dates as clinicians type them ---- */
async function datesPart(page, url, size) {
  await fresh(page, url);
  const typed = { sex: "female", birth_date: "3.5.1956", as_of: "2026/11/01",
    bmd: [{ site: "lumbar_spine", t_score: -2.7, date: "1 Oct 2026" }],
    fractures: [{ site: "wrist", date: "15/05/2025" }],
    therapies: [{ agent: "alendronate", start: "September 2, 2025" }],
    labs: { calcium_mg_dl: { value: 9.4, date: "20-OCT-2026" } } };
  const want = { birth_date: "1956-05-03", as_of: "2026-11-01", bmd: "2026-10-01", fracture: "2025-05-15", start: "2025-09-02", calcium: "2026-10-20" };
  await typeRecord(page, typed);
  await page.locator("#f-sex").focus(); /* leaving the last field: every "change" has fired */
  const inForm = await page.evaluate(() => ({
    birth_date: document.getElementById("f-birth_date").value, as_of: document.getElementById("f-as_of").value,
    bmd: document.querySelector("fieldset[data-list=bmd] [data-field=date]").value,
    fracture: document.querySelector("fieldset[data-list=fractures] [data-field=date]").value,
    start: document.querySelector("fieldset[data-list=therapies] [data-field=start]").value,
    calcium: document.getElementById("f-calcium-date").value }));
  check(JSON.stringify(inForm) === JSON.stringify(want), `${size.name}: each date shown as read, YYYY-MM-DD: ${JSON.stringify(inForm)}`);
  /* typed again without leaving the field: the record sent still holds ISO dates */
  await typeInto(page.locator("#f-birth_date"), "03.05.1956");
  const req = page.waitForRequest((r) => r.method() === "POST" && r.url().endsWith("/api/assess"));
  const st = await submitAndWait(page, false);
  const sent = JSON.parse((await req).postData());
  check(st.startsWith("Plan ready"), `${size.name}: the record with typed dates is planned (${st})`);
  const got = { birth_date: sent.birth_date, as_of: sent.as_of, bmd: sent.bmd[0].date, fracture: sent.fractures[0].date,
                start: sent.therapies[0].start, calcium: sent.labs.calcium_mg_dl.date };
  check(JSON.stringify(got) === JSON.stringify(want), `${size.name}: the dates sent: ${JSON.stringify(got)}`);

  /* two readings, or a two-digit year: refused beside the field, nothing sent */
  const refused = [["#f-frax-date", "03/05/2026", /2026-05-03 or 2026-03-05/], ["#f-calcium-date", "04-06-2026", /2026-06-04 or 2026-04-06/],
                   ["#f-birth_date", "03.05.56", /two-digit year/]];
  for (const [sel, text, why] of refused) {
    await fresh(page, url);
    await typeRecord(page, { sex: "female", age: 70, as_of: "2026-11-01" });
    await typeInto(page.locator(sel), text);
    await page.locator("#f-sex").focus();
    let posted = 0;
    const count = (r) => { if (r.url().includes("/api/assess")) posted++; };
    page.on("request", count);
    const st2 = await submitAndWait(page, false);
    page.off("request", count);
    const msg = await page.evaluate((s) => {
      const n = document.querySelector(s);
      return { value: n.value, invalid: n.getAttribute("aria-invalid"), msg: n.closest(".field").querySelector(".field-error")?.textContent || "",
               focused: document.activeElement === n };
    }, sel);
    check(st2.includes("not accepted") && posted === 0, `${size.name}: "${text}" refused before sending (${st2}, ${posted} sent)`);
    check(msg.value === text && msg.invalid === "true" && msg.focused && why.test(msg.msg) && msg.msg.includes(text),
          `${size.name}: "${text}" left as typed, the message beside it: ${JSON.stringify(msg)}`);
  }
  await page.screenshot({ path: join(shotDir, `${size.name}-3-ambiguous-date.png`) });
}

/* ---- 4. FHIR files through the server's reader ---- */
function prefetchOf(bundle) {
  const res = bundle.entry.map((e) => e.resource);
  const search = (type) => ({ resourceType: "Bundle", type: "searchset", entry: res.filter((r) => r.resourceType === type).map((resource) => ({ resource })) });
  return { patient: res.find((r) => r.resourceType === "Patient"), observations: search("Observation"),
           conditions: search("Condition"), medicationRequests: search("MedicationRequest") };
}

async function formHas(page) {
  return page.evaluate(() => ({
    sex: document.getElementById("f-sex").value, birth: document.getElementById("f-birth_date").value,
    agents: [...document.querySelectorAll('fieldset[data-list=therapies] [data-field=agent]')].map((n) => n.value),
    t: [...document.querySelectorAll('fieldset[data-list=bmd] [data-field=t_score]')].map((n) => n.value),
    calcium: document.getElementById("f-calcium").value, calciumDate: document.getElementById("f-calcium-date").value,
    unit: document.getElementById("f-calcium-unit").value,
  }));
}

async function fhirPart(page, url, size) {
  await fresh(page, url);
  const deno = fhirFile("denosumab_syringe.json");
  const pat = deno.entry.find((e) => e.resource.resourceType === "Patient").resource;
  /* a Bundle, with a calcium in mmol/L added: the form shows the record's mg/dL and the date */
  const withCa = structuredClone(deno);
  withCa.entry.push({ resource: { resourceType: "Observation", id: "ca1", status: "final", subject: { reference: "Patient/" + pat.id },
    code: { coding: [{ system: "http://loinc.org", code: "17861-6" }] }, effectiveDateTime: "2026-10-01",
    valueQuantity: { value: 2.35, unit: "mmol/L", system: "http://unitsofmeasure.org", code: "mmol/L" } } });
  const fCa = (await api(url, "api/units")).body.fields[0].units.find((u) => u.unit === "mmol/L").factor;
  let st = await openJson(page, "fhir-bundle.json", withCa);
  let f = await formHas(page);
  check(/FHIR reader/.test(st), `${size.name}: the Bundle was read by the FHIR reader: ${st}`);
  check(f.sex === pat.gender && f.birth === pat.birthDate && f.agents.includes("denosumab") && f.t.includes("-2.9"),
        `${size.name}: the Bundle fills the form: ${JSON.stringify(f)}`);
  check(Math.abs(Number(f.calcium) - 2.35 * fCa) < 0.01 && f.calciumDate === "2026-10-01" && f.unit === "mg/dL",
        `${size.name}: its calcium in the record's unit, with its date: ${JSON.stringify(f)}`);
  await page.screenshot({ path: join(shotDir, `${size.name}-4-fhir-loaded.png`) });
  st = await submitAndWait(page, false);
  check(st.startsWith("Plan ready"), `${size.name}: Get plan works on the Bundle's record (${st})`);

  const alen = fhirFile("alendronate_scd.json");
  const apat = alen.entry.find((e) => e.resource.resourceType === "Patient").resource;
  const prefetch = prefetchOf(alen);
  const hook = { hook: "patient-view", hookInstance: "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", context: { patientId: apat.id, userId: "Practitioner/1" }, prefetch };
  for (const [name, doc] of [["prefetch", prefetch], ["hook request", hook]]) {
    await page.click("#clear-form");
    st = await openJson(page, `fhir-${name.replace(" ", "-")}.json`, doc);
    f = await formHas(page);
    check(/FHIR reader/.test(st) && f.birth === apat.birthDate && f.agents.includes("alendronate"), `${size.name}: a ${name} fills the form: ${st} ${JSON.stringify(f)}`);
    const ps = await submitAndWait(page, false);
    check(ps.startsWith("Plan ready"), `${size.name}: Get plan works on the ${name}'s record (${ps})`);
  }

  /* the reader's refusal, in the server's words */
  const noPatient = { resourceType: "Bundle", type: "collection", entry: withCa.entry.filter((e) => e.resource.resourceType !== "Patient") };
  const want = (await api(url, "api/record-from-fhir", noPatient)).body.error;
  st = await openJson(page, "fhir-no-patient.json", noPatient);
  check(want && st.includes(want) && st.startsWith("Could not load"), `${size.name}: the server's message is shown: "${st}" (server: "${want}")`);
}

/* ---- 5. the timeline ---- */
async function timelineGeometry(page) {
  return page.evaluate(() => {
    const g = document.querySelector("#plan-clinician svg.timeline");
    const box = g.getBoundingClientRect();
    const texts = [...g.querySelectorAll("text")].map((n) => ({ s: n.textContent, r: n.getBoundingClientRect() }))
      .filter((x) => x.s.trim());
    const out = texts.filter(({ r }) => r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5).map((x) => x.s);
    const over = [];
    for (let i = 0; i < texts.length; i++)
      for (let k = i + 1; k < texts.length; k++) {
        const a = texts[i].r, b = texts[k].r;
        if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) over.push(`${texts[i].s} / ${texts[k].s}`);
      }
    const scale = box.width / g.viewBox.baseVal.width;
    const font = parseFloat(getComputedStyle(g.querySelector("text")).fontSize) * scale;
    const doc = document.documentElement;
    return { n: texts.length, out, over, font, svgRight: box.right, vw: doc.clientWidth, scrollW: doc.scrollWidth };
  });
}

async function timelinePart(page, url, size) {
  await fresh(page, url);
  await openJson(page, "long-record.json", LONG);
  const st = await submitAndWait(page, false);
  check(st.startsWith("Plan ready"), `${size.name}: long plan (${st})`);
  const t = await timelineGeometry(page);
  check(t.n >= 8, `${size.name}: the timeline has its labels (${t.n})`);
  check(!t.out.length, `${size.name}: no label leaves the timeline: ${t.out.join(" | ")}`);
  check(!t.over.length, `${size.name}: no label covers another: ${t.over.join(" | ")}`);
  check(t.font >= 11, `${size.name}: labels drawn at a readable size (${t.font.toFixed(1)} px)`);
  check(t.svgRight <= t.vw && t.scrollW <= t.vw, `${size.name}: nothing wider than the screen (svg ${t.svgRight}, page ${t.scrollW}, screen ${t.vw})`);
  await page.locator("#plan-clinician .timeline-fig").screenshot({ path: join(shotDir, `${size.name}-5-timeline.png`) });
  if (size.width < 500) return;
  /* a window made narrow: the timeline is drawn again at its new width */
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.querySelector("#plan-clinician svg.timeline").viewBox.baseVal.width < 400);
  const n = await timelineGeometry(page);
  check(!n.out.length && !n.over.length && n.font >= 11 && n.scrollW <= n.vw, `${size.name} made narrow: the timeline redrawn to fit: ${JSON.stringify(n)}`);
  await page.setViewportSize({ width: size.width, height: size.height });
}

/* ---- 6. print: the patient and the plan date on every page ---- */
async function printPart(page, url, size) {
  /* the long plan is on screen (timelinePart) */
  const ref = LONG.id, date = LONG.as_of;
  for (const view of ["clinician", "patient"]) {
    await page.click("#view-" + view);
    await page.emulateMedia({ media: "print" });
    const pdf = await page.pdf({ format: "A5", printBackground: true });
    await page.emulateMedia({ media: "screen" });
    const file = join(shotDir, `${size.name}-6-print-${view}.pdf`);
    writeFileSync(file, pdf);
    if (!existsSync(PDFTOTEXT)) {
      /* without poppler: the @page header the page made for this plan */
      const rule = await page.evaluate(() => [...document.styleSheets].flatMap((s) => [...s.cssRules]).filter((r) => r instanceof CSSPageRule).map((r) => r.cssText).join(" "));
      check(/@top-left\s*\{\s*content:\s*"[^"]*tl-long-ref[^"]*2026-11-01/.test(rule), `${size.name} ${view}: @page header names the patient and date (${rule.slice(0, 160)})`);
      console.log("NOTE: no pdftotext; checked the @page rule, not the PDF's pages");
      continue;
    }
    const pages = execFileSync(PDFTOTEXT, ["-layout", file, "-"], { encoding: "utf8" }).split("\f").filter((p) => p.trim());
    check(pages.length >= 2, `${size.name} ${view}: a plan of several pages (${pages.length})`);
    pages.forEach((p, i) => check(p.includes(ref) && p.includes(date), `${size.name} ${view}: page ${i + 1} names ${ref} and ${date}: ${p.slice(0, 120)}`));
  }
  await page.click("#view-clinician");
}

/* ---- 7. the hint says what is required ---- */
const MINIMAL = {
  bmd: { site: "lumbar_spine", t_score: -2.0, date: "2026-01-01" },
  fractures: { site: "wrist", date: "2020-01-01" },
  therapies: { agent: "alendronate", start: "2020-01-01" },
  medications: { class: "proton_pump_inhibitor" },
  conditions: { code: "high_fall_risk" },
  "labs.p1np": { value: 40, date: "2026-01-01" },
  "labs.ctx": { value: 0.3, date: "2026-01-01" },
};

async function refusedAt(page, rec) {
  await typeRecord(page, rec);
  const st = await submitAndWait(page, false);
  const at = await page.evaluate(() => document.querySelector("[aria-invalid=true]")?.dataset.path || null);
  return { ok: st.startsWith("Plan ready"), at, st };
}

async function hintPart(page, url, size) {
  await fresh(page, url);
  const base = { sex: "female", age: 70, as_of: "2026-11-01" };
  const hint = await page.innerText("#form-hint");
  check(/sex/.test(hint) && /birth date or age/.test(hint), `${size.name}: the hint names sex and birth date or age: ${hint}`);
  /* and the rows' required fields: it points to the marks and names them */
  check(/“\(required\)”/.test(hint) && ["T-score", "site", "date or year", "start", "class", "condition", "value and date"].every((w) => hint.includes(w)),
        `${size.name}: the hint names the rows' required fields: ${hint}`);
  let r = await refusedAt(page, base);
  check(r.ok, `${size.name}: sex and age alone make a plan (${r.st})`);
  r = await refusedAt(page, { age: 70, as_of: "2026-11-01" });
  check(!r.ok && r.at === "sex", `${size.name}: no sex: refused at sex (${r.at})`);
  r = await refusedAt(page, { sex: "female", as_of: "2026-11-01" });
  check(!r.ok && r.at === "birth_date", `${size.name}: no birth date or age: refused at birth_date (${r.at})`);
  const marked = await page.evaluate(() => [...document.querySelectorAll("#patient-form label")]
    .filter((l) => /\(required/.test(l.textContent)).map((l) => l.control?.dataset.path || l.closest(".field").querySelector("[data-field]")?.dataset.field).length);
  check(marked >= 3, `${size.name}: required fields are marked (${marked})`);
  for (const [list, row] of Object.entries(MINIMAL)) {
    const req = await page.evaluate((l) => {
      const t = document.getElementById("row-" + l).content;
      return [...t.querySelectorAll(".field")].filter((f) => /\(required\)/.test(f.querySelector("label").textContent))
        .map((f) => f.querySelector("[data-field]").dataset.field).sort();
    }, list);
    check(JSON.stringify(req) === JSON.stringify(Object.keys(row).sort()), `${size.name} ${list}: marked ${req} = the fields a minimal row needs`);
    const withRow = (item) => {
      const rec = structuredClone(base);
      const ks = list.split(".");
      if (ks.length === 2) rec[ks[0]] = { [ks[1]]: [item] };
      else rec[list] = [item];
      return rec;
    };
    r = await refusedAt(page, withRow(row));
    check(r.ok, `${size.name} ${list}: a row with only the marked fields is accepted (${r.st})`);
    for (const k of Object.keys(row)) {
      const item = structuredClone(row);
      delete item[k];
      r = await refusedAt(page, withRow(item));
      if (!Object.keys(item).length) /* a row left empty is no entry: not sent */
        check(r.ok, `${size.name} ${list}: an empty row is left out (${r.st})`);
      else check(!r.ok && r.at === `${list}[0].${k}`, `${size.name} ${list}: without ${k}: refused beside it (${r.at}: ${r.st})`);
    }
  }
  await page.locator("#form-hint").screenshot({ path: join(shotDir, `${size.name}-7-hint.png`) });
}

/* ---- the two endpoints behind 3 and 4, over HTTP ---- */
async function endpoints(url) {
  const units = await api(url, "api/units");
  const fields = units.body.fields || [];
  check(units.status === 200 && fields.map((f) => f.field).join() === "labs.calcium_mg_dl,labs.vitamin_d_ng_ml",
        "GET /api/units names the two lab fields: " + JSON.stringify(fields.map((f) => f.field)));
  for (const f of fields) {
    check(f.units.some((u) => u.unit === f.record_unit && u.factor === 1), `${f.field}: its record unit ${f.record_unit} has factor 1`);
    check(f.units.every((u) => u.sources.length && u.sources.every((x) => x.id && x.cites)), `${f.field}: every factor has its sources, cited`);
  }
  const post = async (path, body, type) => (await fetch(url + path, { method: "POST", headers: { "Content-Type": type }, body })).status;
  check((await fetch(url + "api/record-from-fhir")).status === 405, "GET /api/record-from-fhir: 405");
  check(await post("api/units", "{}", "application/json") === 405, "POST /api/units: 405");
  check(await post("api/record-from-fhir", "{}", "text/plain") === 415, "record-from-fhir without JSON content: 415");
  const notJson = await api(url, "api/record-from-fhir", "{not json");
  check(notJson.status === 422 && /not JSON/.test(notJson.body.error), "record-from-fhir of broken JSON: 422 " + notJson.body.error);
  const rec = await api(url, "api/record-from-fhir", { sex: "female", age: 70 });
  check(rec.status === 422 && rec.body.error, "a patient record is no FHIR: 422 " + rec.body.error);
  const ok = await api(url, "api/record-from-fhir", fhirFile("alendronate_scd.json"));
  check(ok.status === 200 && ok.body.sex === "female" && Array.isArray(ok.body.extensions.input_notes), "a Bundle: its record, notes under extensions");
}

const PARTS = { focus: focusPart, wording: wordingPart, units: unitsPart, dates: datesPart, fhir: fhirPart, timeline: timelinePart, print: printPart, hint: hintPart };

async function main() {
  const { p: server, url } = await startServer(bin);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  try {
    if (!ONLY || ONLY.includes("endpoints")) await endpoints(url);
    for (const size of SIZES) {
      const ctx = await browser.newContext({ viewport: { width: size.width, height: size.height }, isMobile: size.width < 500,
                                              hasTouch: size.width < 500, deviceScaleFactor: 1 });
      const page = await ctx.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => { if (m.type() === "error" && !/status of 422/.test(m.text())) errors.push(m.text()); });
      for (const [name, part] of Object.entries(PARTS)) {
        if (ONLY && !ONLY.includes(name)) continue;
        const before = failures;
        await part(page, url, size);
        console.log(`${size.name} ${name}: ${failures === before ? "ok" : "FAILED"}`);
      }
      check(errors.length === 0, `${size.name}: no script errors: ${errors.join(" | ")}`);
      await ctx.close();
    }
  } finally {
    await browser.close();
    server.kill("SIGTERM");
  }
  console.log(`${checks - failures}/${checks} checks passed; screenshots in ${shotDir}`);
  process.exit(failures ? 1 : 0);
}

main().catch((e) => {
  console.error("FAIL:", e.stack || e.message);
  process.exit(1);
});
