// Talking to the server: the admin API (with its optional bearer token) and `/v1/usages` as any client would.

const TOKEN_KEY = "mockserver.adminToken";
const CREDENTIALS_KEY = "mockserver.credentials";
export const DEFAULT_CREDENTIALS = "dashboard:dashboard";
export const API_PATHS = new Set(["/v1/usages", "/v1/usages/", "/usages", "/usages/"]);
// The read endpoints around /usages (mockserver/api/read.py's READ_ROOTS), with or without the `/v1` prefix.
const READ_PATH = /^(?:\/v1)?\/(?:teams|projects|jobs|assets|models|collections)(?:\/[^/]+(?:\/limits)?)?\/?$/;

/** Whether a GET of this path is an API read the dashboard may send again (usages and the read endpoints). */
export const isApiPath = (path) => API_PATHS.has(path) || READ_PATH.test(path);

// The dashboard's own API requests say who they are (the journal view hides them by default) and force the
// `pass` fault, so they never consume a fault rule or a sequence step meant for the client under test.
export const OWN_HEADERS = { "X-Mock-Client": "dashboard", "X-Mock-Fault": "pass" };

export class HttpError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export const adminToken = () => sessionStorage.getItem(TOKEN_KEY) || "";
export const setAdminToken = (token) =>
  token ? sessionStorage.setItem(TOKEN_KEY, token) : sessionStorage.removeItem(TOKEN_KEY);
export const credentials = () => sessionStorage.getItem(CREDENTIALS_KEY) || DEFAULT_CREDENTIALS;
export const setCredentials = (value) => sessionStorage.setItem(CREDENTIALS_KEY, value || DEFAULT_CREDENTIALS);

function basicAuth(value) {
  // btoa takes Latin-1 only: encode the UTF-8 bytes first.
  const bytes = new TextEncoder().encode(value);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return "Basic " + btoa(binary);
}

async function readBody(response) {
  const text = await response.text();
  try {
    return { text, json: JSON.parse(text) };
  } catch {
    return { text, json: undefined };
  }
}

function errorMessage(response, body) {
  const json = body.json;
  if (json && typeof json === "object" && (json.message || json.reason)) return String(json.message || json.reason);
  return `${response.status} ${response.statusText || "error"}`;
}

/** Call the admin API; resolves to its JSON, or throws HttpError (status 404 when the admin API is off). */
export async function admin(method, path, body, { signal } = {}) {
  const headers = { Accept: "application/json" };
  const token = adminToken();
  if (token) headers.Authorization = "Bearer " + token;
  const init = { method, headers, cache: "no-store", signal };
  // The server changes state only on JSON (a page of another site cannot send that without asking first):
  // every call but a read says so, with or without a body.
  if (method !== "GET" && method !== "HEAD") headers["Content-Type"] = "application/json";
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch("/__admin" + path, init);
  const parsed = await readBody(response);
  if (!response.ok) throw new HttpError(response.status, errorMessage(response, parsed), parsed.json);
  return parsed.json;
}

/** The headers of a dashboard request to the API for `scenario` ("" for the server's default). */
export function apiHeaders(scenario) {
  const headers = { Accept: "application/json", Authorization: basicAuth(credentials()), ...OWN_HEADERS };
  if (scenario) headers["X-Mock-Scenario"] = scenario;
  return headers;
}

/** GET an API path with these query pairs; resolves to {status, ok, json, text, bytes, ms, contentType}. */
export async function getApi(path, pairs, scenario, { signal } = {}) {
  const query = new URLSearchParams(pairs).toString();
  const started = performance.now();
  const response = await fetch(path + (query ? "?" + query : ""), {
    headers: apiHeaders(scenario),
    cache: "no-store",
    signal,
  });
  const body = await readBody(response);
  return {
    status: response.status,
    ok: response.ok,
    json: body.json,
    text: body.text,
    bytes: body.text.length,
    ms: performance.now() - started,
    contentType: response.headers.get("content-type") || "",
    url: path + (query ? "?" + query : ""),
  };
}

/** GET an API path; resolves to the getApi result when it is a 200 with JSON, else throws HttpError with the API's
 * message (the JSON error body's `message`) and status. */
export async function apiJson(path, pairs, scenario, options) {
  return checked(await getApi(path, pairs, scenario, options), path);
}

/** The getApi result if it is a 200 with JSON; else an HttpError with the API's message. */
export function checked(result, path) {
  if (result.ok && result.json !== undefined) return result;
  const json = result.json;
  const message =
    json && typeof json === "object" && (json.message || json.reason)
      ? String(json.message || json.reason)
      : `${result.status} from ${path}`;
  throw new HttpError(result.status, message, json);
}

/** GET /v1/usages; throws HttpError with the API's message unless the answer is a 200 with JSON. */
export async function usages(pairs, scenario, options) {
  const result = await getApi("/v1/usages", pairs, scenario, options);
  if (!result.ok || result.json === undefined) {
    const message = result.json && result.json.message ? result.json.message : `${result.status} from /v1/usages`;
    throw new HttpError(result.status, message, result.json);
  }
  return result;
}
