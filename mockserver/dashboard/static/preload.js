// The answers to the page's first requests, which the server put into the page (mockserver/dashboard/preload.py):
// each one is used once, for the very request it answers, so the page is drawn before its `load` event.

import * as api from "./api.js";

/** A request's key: its path and its query pairs in a fixed order (encodings and order of pairs do not matter). */
function keyOf(url) {
  const parsed = new URL(url, location.origin);
  parsed.searchParams.sort();
  return parsed.pathname + "?" + parsed.searchParams.toString();
}

function readPreloaded() {
  const store = new Map();
  const element = document.getElementById("preloaded");
  try {
    for (const entry of JSON.parse(element ? element.textContent : "[]")) store.set(keyOf(entry.url), entry);
  } catch (error) {
    console.warn("the preloaded data is unreadable; fetching instead", error);
  }
  if (element) element.textContent = ""; // read once: the page's memory keeps only what it uses
  return store;
}

const preloaded = readPreloaded(); // consumed entry by entry by take(); a constant Map, filled once per page load

function take(url) {
  const key = keyOf(url);
  const entry = preloaded.get(key);
  preloaded.delete(key);
  return entry;
}

/** GET from the admin API: the preloaded answer if there is one the fetch would also get, else the fetch. */
export async function adminGet(path, options) {
  const entry = take("/__admin" + path);
  if (entry && entry.status === 200 && entry.body !== null) return entry.body;
  // A 404 (admin API off) or a 401 without a stored token is what the fetch would answer too.
  if (entry && (entry.status === 404 || (entry.status === 401 && !api.adminToken())))
    throw new api.HttpError(entry.status, entry.body?.message || `${entry.status} from the admin API`, entry.body);
  return api.admin("GET", path, undefined, options);
}

/** `api.usages` with the preloaded answer when it was asked for with the same scenario and credentials. */
export async function usages(pairs, scenario, options) {
  const url = "/v1/usages?" + new URLSearchParams(pairs).toString();
  const entry = take(url);
  if (entry && entry.status === 200 && entry.body !== null && entry.scenario === (scenario || "")) {
    if (api.credentials() === api.DEFAULT_CREDENTIALS) {
      return {
        status: 200,
        ok: true,
        json: entry.body,
        bytes: entry.bytes,
        ms: 0,
        contentType: "application/json",
        url,
        preloaded: true,
      };
    }
  }
  return api.usages(pairs, scenario, options);
}

/** `api.getApi` with the preloaded answer (of any status: the server sent it with the dashboard's own headers, which
 * pass every fault, so the fetch would get the same) when it was asked for with the same scenario and credentials. */
export async function apiGet(path, pairs, scenario, options) {
  const query = new URLSearchParams(pairs).toString();
  const url = path + (query ? "?" + query : "");
  const entry = take(url);
  if (
    entry &&
    entry.body !== null &&
    entry.scenario === (scenario || "") &&
    api.credentials() === api.DEFAULT_CREDENTIALS
  ) {
    const text = JSON.stringify(entry.body);
    return {
      status: entry.status,
      ok: entry.status >= 200 && entry.status < 300,
      json: entry.body,
      text,
      bytes: entry.bytes,
      ms: 0,
      contentType: "application/json",
      url,
      preloaded: true,
    };
  }
  return api.getApi(path, pairs, scenario, options);
}
