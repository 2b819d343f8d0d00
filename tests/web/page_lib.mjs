// What the page tests share: the server, typing a record into the form as a
// clinician would, getting the plan and reading it off the page.
import { spawn } from "node:child_process";

/* ---- the server ---- */
export function startServer(bin) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ["serve", "--listen", "127.0.0.1:0", "--threads", "2"], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    const t = setTimeout(() => reject(new Error("server did not start: " + err)), 15000);
    p.stderr.on("data", (d) => {
      err += d;
      const m = /listening on (http:\/\/[0-9.]+:\d+)/.exec(err);
      if (m) {
        clearTimeout(t);
        resolve({ p, url: m[1] + "/" });
      }
    });
    p.on("exit", (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

/* ---- typing a record into the form ---- */
export async function typeInto(loc, value) {
  await loc.fill("");
  await loc.pressSequentially(String(value));
}

export async function setField(page, loc, value) {
  const tag = await loc.evaluate((n) => n.tagName);
  if (tag === "SELECT") await loc.selectOption(String(value));
  else await typeInto(loc, value);
}

const LISTS = { bmd: "bmd", fractures: "fractures", therapies: "therapies", medications: "medications", conditions: "conditions" };

export async function typeRecord(page, rec) {
  await page.click("#clear-form");
  const top = ["sex", "birth_date", "age", "menopause", "weight_kg", "height_cm", "falls_past_year", "as_of", "id"];
  for (const k of top) if (rec[k] !== undefined) await setField(page, page.locator(`[data-path="${k}"]`), rec[k]);
  for (const [k, v] of Object.entries(rec.frax || {})) await setField(page, page.locator(`[data-path="frax.${k}"]`), v);
  for (const [k, v] of Object.entries(rec.lifestyle || {})) await setField(page, page.locator(`[data-path="lifestyle.${k}"]`), v);
  for (const [k, v] of Object.entries(rec.labs || {})) {
    if (Array.isArray(v)) await typeRows(page, "labs." + k, v);
    else if (v && typeof v === "object") { /* a dated value: its value and its date */
      await setField(page, page.locator(`[data-path="labs.${k}"]`), v.value);
      await setField(page, page.locator(`[data-lab-date="labs.${k}"]`), v.date);
    } else await setField(page, page.locator(`[data-path="labs.${k}"]`), v);
  }
  for (const list of Object.keys(LISTS)) if (rec[list]) await typeRows(page, list, rec[list]);
  const known = new Set([...top, "frax", "lifestyle", "labs", ...Object.keys(LISTS), "extensions"]);
  for (const k of Object.keys(rec)) if (!known.has(k)) throw new Error("the test cannot type field " + k);
}

export async function typeRows(page, list, items) {
  for (const item of items) {
    await page.click(`[data-add="${list}"]`);
    const row = page.locator(`fieldset[data-list="${list}"] [data-row]`).last();
    for (const [f, v] of Object.entries(item)) {
      if (v === null) continue; /* an empty end is "ongoing" */
      const field = f === "year" ? "date" : f;
      await setField(page, row.locator(`[data-field="${field}"]`), v);
    }
  }
}

export async function submitAndWait(page, viaKeyboard) {
  await page.evaluate(() => { document.getElementById("plan-status").textContent = ""; });
  if (viaKeyboard) await page.keyboard.press("Enter");
  else await page.click("#submit");
  await page.waitForFunction(() => {
    const t = document.getElementById("plan-status").textContent;
    return t.startsWith("Plan ready") || t.includes("not accepted") || t.startsWith("No plan");
  });
  return page.textContent("#plan-status");
}

/* ---- what the page shows ---- */
export async function shown(page) {
  return page.evaluate(() => {
    const q = (s) => document.querySelector(s);
    const first = q("#plan-clinician [data-testid=first-agent]");
    return {
      action: q("[data-testid=action]")?.dataset.code,
      actionText: q("[data-testid=action]")?.textContent,
      risk: q("[data-testid=risk]")?.dataset.code,
      first: first ? first.dataset.code : null,
      firstText: first ? first.textContent : null,
      decisionClass: q("[data-testid=decision]")?.className,
      alerts: Object.fromEntries([...document.querySelectorAll(".alerts li")].map((l) => [l.dataset.code, l.className.replace("sev-", "")])),
      findings: [...document.querySelectorAll("[data-finding]")].map((l) => l.dataset.finding),
      avoid: Object.fromEntries([...document.querySelectorAll("[data-avoid-agent]")].map((l) => [l.dataset.avoidAgent, l.dataset.reasons.split(" ")])),
      monitoring: Object.fromEntries([...document.querySelectorAll("tr[data-code]")].map((r) => [r.dataset.code, r.dataset.due ?? null])),
      phaseAgents: [...document.querySelectorAll(".phase[data-agents]")].flatMap((d) => d.dataset.agents.split(" ")),
      notrec: [...document.querySelectorAll("[data-notrec-agent]")].map((l) => l.dataset.notrecAgent),
      timeline: !!q("svg.timeline desc"),
      diagnosis: q("[data-testid=diagnosis]")?.dataset.code,
      criteria: [...document.querySelectorAll("[data-criterion]")].map((l) => l.dataset.criterion),
      intents: [...document.querySelectorAll(".phase[data-intent]")].map((d) => d.dataset.intent),
      statusText: q("[data-testid=risk]")?.lastChild?.textContent, /* the status's words close the risk line */
      goal: !!document.getElementById("goal-h"),
    };
  });
}
