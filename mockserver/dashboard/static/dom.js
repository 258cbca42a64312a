// Building DOM nodes from data without ever parsing it as HTML: every string becomes a text node.

/** Create an element: `h("td", {class: "num", title: full}, text, childNode, ...)`. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name === "style") for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, v);
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

/** Append children (nodes, strings, numbers, nested arrays; null and false are skipped) as nodes or text. */
export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** Let the browser paint and handle input before the next chunk of work. */
export function nextFrame() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

const NUMBER = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });
const COMPACT = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

export const formatNumber = (n) => NUMBER.format(n);
export const formatCompact = (n) => COMPACT.format(n);

export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** `2026-11-30T14:37:12.345Z` → `2026-11-30 14:37:12` (times are UTC, as the API gives them). */
export function formatTime(iso, { ms = false } = {}) {
  if (typeof iso !== "string") return "";
  return iso.slice(0, 10) + " " + iso.slice(11, ms ? 23 : 19);
}

/** Shorten a long id for a table cell; the full text goes in the title. */
export function shortId(id, keep = 14) {
  return typeof id === "string" && id.length > keep + 1 ? id.slice(0, keep) + "…" : String(id ?? "");
}

/** A status as a coloured badge (`st-<status>` picks the colour; the status itself is the text). */
export function statusBadge(status) {
  return h("span", { class: `badge st-${String(status).replace(/[^a-z-]/gi, "")}` }, String(status ?? ""));
}
