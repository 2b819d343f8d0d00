// Browser tests of the clinician page (GET /) in Debian's chromium, driven by
// playwright-core: the page is used as a clinician would use it, by typing
// into the form, never by posting JSON.
//
//   node test_page.mjs OSTEOPLAN VIGNETTE_DIR SCREENSHOT_DIR
//
// Every public vignette of the project's copy is typed in and its expected
// action, risk, first agent, alerts, findings and avoid entries are read off
// the page; broken records get their message beside the field; the example
// loads with one click; a record survives save and load; the patient view,
// keyboard-only use and the printed handout (at most two pages) are checked.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { checkShown } from "./expect.mjs";
import { startServer, typeInto, typeRecord, submitAndWait, shown } from "./page_lib.mjs";

const [bin, vigDir, shotDir] = process.argv.slice(2);
if (!bin || !vigDir || !shotDir) {
  console.error("usage: node test_page.mjs OSTEOPLAN VIGNETTE_DIR SCREENSHOT_DIR");
  process.exit(2);
}
mkdirSync(shotDir, { recursive: true });
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

let failures = 0, checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) {
    failures++;
    console.log("FAIL:", what);
  }
}

async function main() {
  const { p: server, url } = await startServer(bin);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  /* a refused record is a 422 the page handles: not a script error */
  page.on("console", (m) => { if (m.type() === "error" && !/status of 422/.test(m.text())) errors.push(m.text()); });
  try {
    /* the codes an expectation may name: the knowledge base's own */
    const labels = (await (await fetch(url + "api/labels")).json()).labels;
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]");
    check((await page.textContent("#kb-version")).includes("Knowledge base"), "the page names the knowledge base");
    check(await page.evaluate(() => document.querySelectorAll("#f-sex option").length === 3), "sex options come from /api/labels");

    /* every form control has a label */
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll("#patient-form input, #patient-form select")]
      .filter((n) => !n.labels || !n.labels.length).map((n) => n.id || n.dataset.path));
    check(unlabelled.length === 0, "every input has a label: " + unlabelled.join(","));

    /* ---- the public vignettes, typed in ---- */
    const files = readdirSync(vigDir).filter((f) => f.endsWith(".json")).sort();
    let shots = 0;
    for (const f of files) {
      const v = JSON.parse(readFileSync(join(vigDir, f), "utf8"));
      const rec = v.patient, e = v.expect;
      await typeRecord(page, rec);
      const status = await submitAndWait(page, false);
      const s = await shown(page);
      const tag = v.name;
      check(status.startsWith("Plan ready"), `${tag}: plan shown (${status})`);
      const wrong = checkShown(s, e, labels);
      check(!wrong.length, `${tag}: ${wrong.join("; ")}`);
      if (s.first || Object.keys(s.monitoring).length) check(s.timeline, `${tag}: timeline drawn`);
      if (s.first) check(s.firstText && !s.firstText.includes("_"), `${tag}: the agent is named in words (${s.firstText})`);
      /* the card's colour is the plan's: critical with a critical alert, else neutral (a routine start is no warning) */
      const critical = Object.values(s.alerts).includes("critical");
      check(critical ? /sev-critical/.test(s.decisionClass) : !/sev-/.test(s.decisionClass),
            `${tag}: decision card critical only with a critical alert (${s.decisionClass})`);
      if (shots < 4 && s.first) {
        await page.screenshot({ path: join(shotDir, `vignette-${tag}.png`), fullPage: true });
        shots++;
      }
    }
    console.log(`typed ${files.length} vignettes`);

    /* ---- the patient view ---- */
    await page.click("#view-patient");
    const pat = await page.evaluate(() => {
      const n = document.getElementById("plan-patient");
      return { visible: !n.hidden && n.offsetHeight > 0, text: n.innerText, clin: !document.getElementById("plan-clinician").hidden };
    });
    check(pat.visible && !pat.clin, "patient view replaces the clinician view");
    check(pat.text.length > 200 && !/[a-z]_[a-z]/.test(pat.text), "patient view has text and no codes");
    check(/stop|start/i.test(pat.text), "patient view carries the do-not-start-or-stop message");
    await page.screenshot({ path: join(shotDir, "patient-view.png"), fullPage: true });
    check((await page.getAttribute("#view-patient", "aria-pressed")) === "true", "toggle state is announced (aria-pressed)");
    await page.click("#view-clinician");

    /* ---- broken fields get their message beside them ---- */
    const bad = readdirSync(join(vigDir, "invalid")).filter((f) => f.endsWith(".json")).sort();
    let typedBad = 0;
    for (const f of bad) {
      const v = JSON.parse(readFileSync(join(vigDir, "invalid", f), "utf8"));
      const p = v.expect_error_mentions;
      let typed = true;
      try { await typeRecord(page, v.patient); } catch { typed = false; } /* e.g. an unknown field: no input for it */
      if (!typed) continue;
      typedBad++;
      const status = await submitAndWait(page, false);
      check(status.includes("not accepted"), `${v.name}: refused (${status})`);
      const where = await page.evaluate((path) => {
        const n = document.querySelector(`#patient-form [data-path="${path}"]`);
        if (!n) return null;
        const msg = n.closest(".field").querySelector(".field-error");
        return { invalid: n.getAttribute("aria-invalid"), msg: msg ? msg.textContent : null,
                 described: n.getAttribute("aria-describedby") === (msg && msg.id), focused: document.activeElement === n };
      }, p);
      check(where && where.invalid === "true" && where.msg && where.described && where.focused,
            `${v.name}: message beside ${p}: ${JSON.stringify(where)}`);
      if (typedBad === 1) await page.screenshot({ path: join(shotDir, `invalid-${v.name}.png`) });
    }
    check(await page.evaluate(() => document.getElementById("plan-clinician").textContent === ""),
          "a refused record leaves no earlier plan on screen");
    check(typedBad >= 3, `at least three broken records typed (${typedBad})`);
    /* a number field with words in it: the server's message, beside the field */
    await page.click("#clear-form");
    await page.selectOption("[data-path=sex]", "female");
    await typeInto(page.locator("[data-path=age]"), "seventy");
    await submitAndWait(page, false);
    const ageMsg = await page.evaluate(() => document.querySelector("[data-path=age]").closest(".field").querySelector(".field-error")?.textContent);
    check(ageMsg && /number/.test(ageMsg), "text in a number field: message beside it: " + ageMsg);
    await page.screenshot({ path: join(shotDir, "invalid-age.png") });

    /* ---- the example patient with one click; save and load round trip ---- */
    await page.click("#load-example");
    await page.waitForFunction(() => document.querySelector("[data-path=birth_date]").value !== "");
    const example = JSON.parse(readFileSync(new URL("../../examples/patient.json", import.meta.url), "utf8"));
    await submitAndWait(page, false);
    const ex = await shown(page);
    check(ex.action === "start" && ex.first === "teriparatide", `example patient: ${ex.action} ${ex.first}`);
    await page.screenshot({ path: join(shotDir, "example-patient.png"), fullPage: true });
    const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#save-file")]);
    const saved = JSON.parse(readFileSync(await dl.path(), "utf8"));
    const norm = (r) => JSON.stringify(r, (k, v) => (v === null ? undefined : v));
    check(norm(saved) === norm(example) || JSON.stringify(Object.keys(saved).sort()) === JSON.stringify(Object.keys(example).sort()),
          "saved record has the example's fields");
    check(saved.bmd.length === 2 && saved.bmd[0].t_score === -2.8 && saved.medications[0].dose_mg_per_day === 5, "saved values are numbers");
    await page.click("#clear-form");
    const tmp = join(shotDir, "roundtrip.json");
    writeFileSync(tmp, JSON.stringify(saved));
    await page.setInputFiles("#open-file", tmp);
    await page.waitForFunction(() => document.querySelector("[data-path=birth_date]").value !== "");
    check((await page.inputValue("[data-path=birth_date]")) === example.birth_date, "loaded file fills the form");
    await submitAndWait(page, false);
    check((await shown(page)).first === "teriparatide", "loaded file gives the same plan");
    check(await page.isHidden("#plan-stale"), "a fresh plan is not marked out of date");
    await typeInto(page.locator("[data-path=weight_kg]"), "59");
    check(await page.isVisible("#plan-stale"), "changing the form marks the plan out of date");
    await submitAndWait(page, false);
    check(await page.isHidden("#plan-stale"), "getting the plan again clears the mark");

    /* ---- printing: the plan alone, one or two pages ---- */
    await page.emulateMedia({ media: "print" });
    const formShown = await page.evaluate(() => getComputedStyle(document.querySelector(".entry")).display !== "none");
    check(!formShown, "print hides the form");
    const pdfPages = async () => {
      const pdf = await page.pdf({ format: "A4", printBackground: true });
      return [pdf, (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length];
    };
    const [pdf, pages] = await pdfPages();
    check(pages >= 1 && pages <= 2, `printed clinician plan is one or two pages (${pages})`);
    writeFileSync(join(shotDir, "handout-clinician.pdf"), pdf);
    await page.emulateMedia({ media: "screen" });
    await page.click("#view-patient");
    await page.emulateMedia({ media: "print" });
    const [ppdf, ppages] = await pdfPages();
    check(ppages >= 1 && ppages <= 2, `printed patient handout is one or two pages (${ppages})`);
    writeFileSync(join(shotDir, "handout-patient.pdf"), ppdf);
    await page.emulateMedia({ media: "screen" });
    await page.click("#view-clinician");

    /* ---- keyboard only: a fresh page, no mouse ---- */
    const kb = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await kb.goto(url);
    await kb.waitForSelector("body[data-ready=true]");
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await kb.keyboard.press("Tab");
      reached = await kb.evaluate(() => document.activeElement && document.activeElement.id === "f-sex");
    }
    check(reached, "Tab reaches the first field");
    const ring = await kb.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    check(ring && ring !== "none", "focus is visible: " + ring);
    await kb.keyboard.press("ArrowDown"); /* female */
    await kb.keyboard.press("Tab");
    await kb.keyboard.type("1950-03-04");
    await kb.keyboard.press("Tab"); /* age */
    await kb.keyboard.press("Tab"); /* menopause */
    await kb.keyboard.press("Tab"); /* weight */
    await kb.keyboard.press("Tab"); /* height */
    await kb.keyboard.press("Tab"); /* falls */
    await kb.keyboard.press("Tab"); /* plan date */
    await kb.keyboard.type("2026-11-01");
    /* to "Add DXA result" */
    for (let i = 0; i < 10; i++) {
      await kb.keyboard.press("Tab");
      if (await kb.evaluate(() => document.activeElement.dataset.add === "bmd")) break;
    }
    await kb.keyboard.press("Enter");
    check(await kb.evaluate(() => document.activeElement.dataset.field === "site"), "a new row takes the focus");
    await kb.keyboard.press("ArrowDown"); /* lumbar spine */
    await kb.keyboard.press("Tab");
    await kb.keyboard.type("-2.7");
    await kb.keyboard.press("Tab");
    await kb.keyboard.press("Tab");
    await kb.keyboard.type("2026-10-01");
    const st = await submitAndWait(kb, true);
    const k = await shown(kb);
    check(st.startsWith("Plan ready") && k.action === "start", `keyboard only: ${st}`);
    check(await kb.evaluate(() => document.activeElement.id === "decision"), "the decision takes the focus when ready");
    await kb.screenshot({ path: join(shotDir, "keyboard-only.png"), fullPage: true });
    await kb.close();

    check(errors.length === 0, "no script errors: " + errors.join(" | "));
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
