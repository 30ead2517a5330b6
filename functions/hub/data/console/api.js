// The hub's API as the console calls it: the key entered once per browser session (sessionStorage, gone
// when the tab closes), sent as the Authorization bearer header; errors as the API's OperationOutcome.

const KEY = "sgh.console.key";
// The page is served at <api>/console/, so the API is one level up (keeps the stage, e.g. /dev/).
export const API_BASE = new URL("../", document.baseURI);

// The code lists the forms offer (purposes of use, audit actions, events, rules, decisions), served by the
// console's function from the modules that define them; loaded once per page.
let vocabularyLoad = null;
let VOCABULARY = null;

export async function loadVocabulary() {
  if (!vocabularyLoad) {
    vocabularyLoad = fetch(new URL("vocabulary.json", document.baseURI), { cache: "no-store", credentials: "omit" })
      .then((r) => {
        if (!r.ok) throw new ApiError(r.status, "The console could not load its code lists; reload the page.");
        return r.json();
      })
      .then((v) => { VOCABULARY = v; return v; })
      .catch((err) => { vocabularyLoad = null; throw err; });
  }
  return vocabularyLoad;
}

// the loaded vocabulary (app.js loads it before any page draws)
export function vocabulary() {
  return VOCABULARY;
}

// Every audit query carries a coded purpose of use; the hub records it with the query.
export function purposes() {
  return VOCABULARY.purposes;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function getKey() {
  return sessionStorage.getItem(KEY);
}

export function setKey(key) {
  sessionStorage.setItem(KEY, key);
}

export function clearKey() {
  sessionStorage.removeItem(KEY);
}

// sgh_<key id>_<secret>: the key id is not secret and tells the user which key is in use
export function keyId(key) {
  const m = /^sgh_([a-z0-9]+)_/.exec(key || "");
  return m ? m[1] : null;
}

export function looksLikeKey(key) {
  return /^sgh_[a-z0-9]+_[A-Za-z0-9_-]{16,}$/.test(key || "");
}

function explain(status, body) {
  const issues = (body && body.issue) || [];
  const text = issues.map((i) => i.diagnostics).filter(Boolean).join("; ");
  if (status === 401) return "The hub did not accept this key. Sign out and sign in with a valid key.";
  if (status === 403) return text || "This key is not allowed to see this page.";
  if (status === 429) return "Too many requests: wait a moment and try again.";
  if (status >= 500) return text || "The hub is unavailable; try again in a moment.";
  return text || (body && body.message) || `The hub answered ${status}.`;
}

export async function request(path, { params = {}, accept = "application/json", method = "GET", body } = {}) {
  const url = new URL(path, API_BASE);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const headers = { Accept: accept };
  const key = getKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json"; // the Task operations' JSON bodies
  let resp;
  try {
    resp = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                              cache: "no-store", credentials: "omit" });
  } catch (err) {
    throw new ApiError(0, "The hub could not be reached. Check the connection and try again.");
  }
  const text = await resp.text();
  let parsed = null;
  if ((resp.headers.get("Content-Type") || "").includes("json")) {
    try { parsed = JSON.parse(text); } catch { parsed = null; }
  }
  if (!resp.ok) throw new ApiError(resp.status, explain(resp.status, parsed));
  return { status: resp.status, headers: resp.headers, text, json: parsed };
}

export const MAX_PAGES = 20;

// Every page of an audit query (limit 1000 each, at most MAX_PAGES): {records, truncated}.
export async function auditAll(params) {
  const records = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const { json } = await request("audit", { params: { ...params, limit: 1000, cursor } });
    records.push(...json.records);
    cursor = json.next_cursor;
    if (!cursor) return { records, truncated: false };
  }
  return { records, truncated: true };
}

// Every page of an audit query as one CSV document (the header once).
export async function auditCsv(params) {
  const parts = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const resp = await request("audit", { params: { ...params, limit: 1000, cursor }, accept: "text/csv" });
    const text = resp.text.replace(/\r\n$/, "");
    parts.push(page === 0 ? text : text.split("\r\n").slice(1).join("\r\n"));
    cursor = resp.headers.get("X-Next-Cursor");
    if (!cursor) break;
  }
  return parts.filter((p) => p !== "").join("\r\n") + "\r\n";
}
