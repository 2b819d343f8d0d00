// The worklist's HTML report in Debian's chromium, driven by playwright-core:
// its counts equal the CSV's, a click on a heading sorts, the text box and
// the gap and risk selects filter, the print layout hides the controls, the
// page loads nothing from outside, and a hostile patient id stays text.
//
//   node test_worklist.mjs OSTEOPLAN OUT_DIR
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const [bin, outDir] = process.argv.slice(2);
if (!bin || !outDir) {
  console.error("usage: node test_worklist.mjs OSTEOPLAN OUT_DIR");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
let failures = 0, checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) {
    failures++;
    console.log("FAIL:", what);
  }
}

function osteoplan(args) {
  const p = spawnSync(bin, args, { maxBuffer: 1 << 28 });
  if (p.status !== 0) throw new Error(`osteoplan ${args.join(" ")}: ${p.status} ${p.stderr}`);
  return p.stdout;
}

// RFC 4180, as the worklist writes it (BOM, CRLF, quoted fields).
function parseCsv(text) {
  text = text.replace(/^\uFEFF/, "");
  const rows = [];
  let row = [], cell = "", q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') q = false;
      else cell += c;
    } else if (c === '"') q = true;
    else if (c === ",") { row.push(cell); cell = ""; }
    else if (c === "\r" && text[i + 1] === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; i++; }
    else cell += c;
  }
  return rows;
}

/* ---- the data: synthetic records and a hostile one ---- */
const records = join(outDir, "records.ndjson");
let lines = osteoplan(["synth", "--count", "600", "--seed", "5"]).toString().split("\n").filter((l) => l);
const first = JSON.parse(lines.find((l) => JSON.parse(l).id === "syn-1"));
const HOSTILE = "<img src=x onerror=\"window.__pwned=1\">&amp;'";
lines.push(JSON.stringify({ ...first, id: HOSTILE, name: "<script>window.__pwned=2</script>Zoë",
  identifiers: [{ system: "urn:x", value: "<b>0012</b>", type: "MR" }] }));
writeFileSync(records, lines.join("\n") + "\n");
const csvPath = join(outDir, "worklist.csv"), htmlPath = join(outDir, "worklist.html");
osteoplan(["worklist", "--as-of", "2026-11-01", "-o", csvPath, records]);
osteoplan(["worklist", "--as-of", "2026-11-01", "--format", "html", "-o", htmlPath, records]);
const csv = parseCsv(readFileSync(csvPath, "utf8"));
const body = csv.slice(1);

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage();
  const outside = [];
  page.on("request", (r) => { if (!r.url().startsWith("file:")) outside.push(r.url()); });
  const dialogs = [];
  page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.goto(pathToFileURL(htmlPath).href);

  /* counts: the report's equal the CSV's */
  const rowsShown = () => page.$$eval("#worklist tbody tr", (rs) => rs.filter((r) => !r.hidden).length);
  check((await rowsShown()) === body.length, `the table has the CSV's ${body.length} rows`);
  check(Number(await page.textContent('#summary [data-count="listed"]')) === body.length, "summary: listed = CSV rows");
  const gapWords = await page.$$eval("#gap-filter option", (os) => os.filter((o) => o.value).map((o) => [o.value, o.textContent]));
  const gapCells = body.map((r) => r[9]);
  for (const [code, words] of gapWords) {
    const n = gapCells.filter((g) => g.split("; ").includes(words)).length;
    const shown = Number(await page.textContent(`#by-gap [data-count="${code}"]`));
    check(shown === n, `by gap ${code}: report ${shown}, CSV ${n}`);
  }
  const riskWords = await page.$$eval("#risk-filter option", (os) => os.filter((o) => o.value).map((o) => [o.value, o.textContent]));
  for (const [code, words] of riskWords) {
    const n = body.filter((r) => r[5] === words).length;
    check(Number(await page.textContent(`#by-risk [data-count="${code}"]`)) === n, `by risk ${code}: ${n}`);
  }
  const actionCounts = await page.$$eval("#by-action tr", (rs) => rs.map((r) => [r.cells[0].textContent, Number(r.cells[1].textContent)]));
  for (const [words, n] of actionCounts) check(body.filter((r) => r[6] === words).length === n, `by action ${words}: ${n}`);
  check(actionCounts.reduce((a, x) => a + x[1], 0) === body.length, "actions add up to the rows");
  const listedRate = await page.$$eval('#rates tr[data-rate="in_scope_listed"] td', (t) => t.map((c) => c.textContent));
  check(Number(listedRate[0]) === body.length, "rate in_scope_listed: the numerator is the listed rows");
  check((await page.$$("svg.chart rect")).length >= gapWords.length, "bar charts drawn (inline SVG)");

  /* the order: the CSV's, and the sorting */
  const col = (i) => page.$$eval("#worklist tbody tr", (rs, i) => rs.filter((r) => !r.hidden).map((r) => r.cells[i].textContent), i);
  check(JSON.stringify(await col(1)) === JSON.stringify(body.map((r) => r[0])), "the list starts in the CSV's order");
  const ageHead = page.locator("#worklist thead th", { hasText: csv[0][3] }).first();
  await ageHead.click();
  let ages = (await col(4)).map(Number);
  check(ages.every((a, i) => i === 0 || ages[i - 1] <= a), "a click on Age sorts ascending");
  check((await ageHead.getAttribute("aria-sort")) === "ascending", "aria-sort says ascending");
  await ageHead.click();
  ages = (await col(4)).map(Number);
  check(ages.every((a, i) => i === 0 || ages[i - 1] >= a), "a second click sorts descending");
  await page.locator("#worklist thead th").first().click();
  check(JSON.stringify(await col(1)) === JSON.stringify(body.map((r) => r[0])), "a click on # restores the urgency order");
  await page.locator("#worklist thead th", { hasText: csv[0][0] }).first().press("Enter");
  const ids = await col(1);
  check(ids.every((a, i) => i === 0 || ids[i - 1].localeCompare(a) <= 0), "Enter on a heading sorts too (keyboard)");

  /* filtering */
  const one = body[Math.floor(body.length / 2)][0];
  await page.fill("#filter", one);
  check((await col(1)).includes(one) && (await rowsShown()) === body.filter((r) => r.join(" ").toLowerCase().includes(one.toLowerCase())).length,
    "the text box keeps the rows that contain the text");
  await page.fill("#filter", "");
  const [gcode, gwords] = gapWords.find(([c]) => gapCells.some((g) => g.includes(gapWords.find((x) => x[0] === c)[1])));
  await page.selectOption("#gap-filter", gcode);
  check((await rowsShown()) === gapCells.filter((g) => g.split("; ").includes(gwords)).length, `the gap select keeps gap ${gcode}`);
  const [rcode, rwords] = riskWords[0];
  await page.selectOption("#risk-filter", rcode);
  check((await rowsShown()) === body.filter((r) => r[9].split("; ").includes(gwords) && r[5] === rwords).length,
    "gap and risk selects together");
  check((await page.textContent("#shown")).startsWith(String(await rowsShown()) + " / "), "the count of rows shown");
  await page.selectOption("#gap-filter", "");
  await page.selectOption("#risk-filter", "");
  check((await rowsShown()) === body.length, "all rows back with no filter");

  /* hostile input stays text */
  check(dialogs.length === 0 && !(await page.evaluate(() => window.__pwned)), "a hostile id runs nothing");
  check((await page.$$("#worklist img")).length === 0, "a hostile id makes no element");
  await page.fill("#filter", "onerror");
  check(JSON.stringify(await col(1)) === JSON.stringify([HOSTILE]), "the hostile id is shown as its text");
  check((await col(2))[0] === "<script>window.__pwned=2</script>Zoë" && (await col(3))[0] === "<b>0012</b>",
    "a hostile name and MRN are shown as their text");
  check((await page.$$("#worklist script, #worklist b")).length === 0, "a hostile name makes no element");
  await page.fill("#filter", "");

  /* print */
  await page.emulateMedia({ media: "print" });
  check(await page.$eval(".controls", (e) => getComputedStyle(e).display === "none"), "print: the controls are hidden");
  check(await page.$eval("#worklist thead", (e) => getComputedStyle(e).display === "table-header-group"),
    "print: the heading repeats on each page");
  const pdf = await page.pdf({ format: "A4", landscape: true });
  check(pdf.length > 1000, "print: the page prints (PDF)");
  await page.screenshot({ path: join(outDir, "worklist-print.png") });
  await page.emulateMedia({ media: "screen" });
  await page.screenshot({ path: join(outDir, "worklist.png") });
  check(outside.length === 0, `nothing loaded from outside the page: ${outside.slice(0, 3)}`);
} finally {
  await browser.close();
}
console.log(`${checks - failures}/${checks} checks passed`);
process.exit(failures ? 1 : 0);
