/*
** common.js: what every part of the page shares: DOM helpers, and the words
** of the knowledge base (GET /api/labels), read once at start. The page
** holds no clinical knowledge; every word that goes with a code comes from
** here.
*/
"use strict";

export const $ = (sel, root) => (root || document).querySelector(sel);
export const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
const SVG = "http://www.w3.org/2000/svg";

let L = { labels: {}, record_codes: {} };
export function setLabels(l) { L = l; }
export function labels() { return L; }

export function words(code) { return String(code).replace(/_/g, " "); }
export function label(kind, code) {
  const k = L.labels[kind];
  return (k && k[code]) || words(code);
}
export function ui(key) { return label("ui", key); }
export function cap(s) { return s ? s.charAt(0).toUpperCase() + s.slice(1) : s; }

/* el("p", {class: "x"}, "text", child, ...): text is always text, never HTML */
export function el(tag, attrs, ...kids) {
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
export function svg(tag, attrs, text) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}
