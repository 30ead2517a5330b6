// Times in the user's own time zone (Intl.DateTimeFormat), counts and durations as people read them.

export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const monthYear = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric" });
const monthParts = new Intl.DateTimeFormat("en-GB", { year: "numeric", month: "2-digit", timeZone: TIME_ZONE });
const zoneName = new Intl.DateTimeFormat(undefined, { timeZoneName: "long" });
const number = new Intl.NumberFormat();
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

export function parseTime(text) {
  if (!text) return null;
  const t = new Date(text);
  return Number.isNaN(t.getTime()) ? null : t;
}

export function formatDateTime(value) {
  const t = value instanceof Date ? value : parseTime(value);
  return t ? dateTime.format(t) : "";
}

export function formatDate(value) {
  const t = value instanceof Date ? value : parseTime(value);
  return t ? dateOnly.format(t) : "";
}

export function formatCount(n) {
  return number.format(n);
}

export function formatDecimal(n) {
  return oneDecimal.format(n);
}

// a duration given in days, in the unit that reads best (minutes, hours or days)
export function formatDays(days) {
  if (days === null || days === undefined) return "–";
  if (days > 0 && days * 1440 < 1) return "under 1 min";
  if (days > 0 && days * 24 < 1) return `${oneDecimal.format(days * 1440)} min`;
  if (days > 0 && days < 1) return `${oneDecimal.format(days * 24)} h`;
  return `${oneDecimal.format(days)} d`;
}

export function zoneLabel() {
  const part = zoneName.formatToParts(new Date()).find((p) => p.type === "timeZoneName");
  return part ? `${part.value} (${TIME_ZONE})` : TIME_ZONE;
}

// "YYYY-MM" of an instant, in the user's time zone
export function monthKey(t) {
  const parts = Object.fromEntries(monthParts.formatToParts(t).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}`;
}

export function monthLabel(key) {
  const [y, m] = key.split("-").map(Number);
  return monthYear.format(new Date(Date.UTC(y, m - 1, 15)));
}

// axis ticks for a run of months: every month when few, else each January as its year
export function monthTicks(keys) {
  if (keys.length <= 12) return keys.map(monthLabel);
  if (keys.length <= 24) return keys.map((k, i) => (i % 3 === 0 ? monthLabel(k) : null));
  return keys.map((k) => (k.endsWith("-01") ? k.slice(0, 4) : null));
}

// every month from the first key to the last, gaps included (a month with nothing is a zero, not skipped)
export function monthRange(first, last) {
  const out = [];
  let [y, m] = first.split("-").map(Number);
  const [ly, lm] = last.split("-").map(Number);
  while (y < ly || (y === ly && m <= lm)) {
    out.push(`${y}-${String(m).padStart(2, "0")}`);
    m += 1;
    if (m > 12) { m = 1; y += 1; }
  }
  return out;
}

// ISO date (YYYY-MM-DD) of a Date in the user's time zone, for <input type=date>
export function isoDay(t) {
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-GB", { year: "numeric", month: "2-digit", day: "2-digit",
    timeZone: TIME_ZONE }).formatToParts(t).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

export function dayLabel(iso) {
  if (!iso) return "";
  const [y, m, d] = iso.split("-").map(Number);
  return dateOnly.format(new Date(Date.UTC(y, m - 1, d, 12)));
}

// replaceChildren without the "null" text nodes that absent optional parts would leave
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// small DOM helper: el("td", {class: "num"}, "3")
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// a semantic table: caption, column headers (scope=col), optional row headers
export function table(caption, columns, rows, { rowHeader = true, className = "data" } = {}) {
  const head = el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col", class: c.num ? "num" : null },
    c.label))));
  const body = el("tbody", {}, rows.map((r) => el("tr", {}, columns.map((c, i) => {
    const value = r[i];
    const cell = value instanceof Node ? value : document.createTextNode(value === null || value === undefined ? "" : String(value));
    return rowHeader && i === 0 ? el("th", { scope: "row" }, cell) : el("td", { class: c.num ? "num" : null }, cell);
  }))));
  return el("table", { class: className }, el("caption", {}, caption), head, body);
}
