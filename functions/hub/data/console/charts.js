// Honest charts in inline SVG: both axes labelled, the period stated, the value axis starting at zero
// (never negative), integer ticks for counts, an explicit "No data for this period" instead of an empty
// frame, and every chart's numbers also given as a table for screen readers and for checking.

import { el, table } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 720;
const FONT = 15;
const CHAR = FONT * 0.62; // DejaVu Sans' average advance: enough room so a label is clipped by us, not by the frame
let chartSeq = 0;

function s(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// The smallest "nice" axis maximum (1, 2, 2.5, 5 x 10^k) at or above max; integer steps for counts.
export function niceScale(max, { integer = true, ticks = 5 } = {}) {
  if (!(max > 0)) return { max: 1, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((v) => v >= raw);
  if (integer) step = Math.max(1, Math.ceil(step));
  return { max: Math.ceil(max / step) * step, step };
}

function tickValues({ max, step }) {
  const out = [];
  for (let v = 0; v <= max + step / 1e6; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

function frame(title, period, unitsNote) {
  chartSeq += 1;
  const id = `chart-${chartSeq}`;
  const caption = el("figcaption", {}, el("span", { class: "chart-title", id: `${id}-title` }, title),
    el("span", { class: "chart-period" }, period), unitsNote ? el("span", { class: "chart-period" }, unitsNote) : null);
  return { id, figure: el("figure", { class: "chart", "aria-labelledby": `${id}-title` }, caption) };
}

function empty(figure) {
  figure.append(el("p", { class: "empty", role: "status" }, "No data for this period"));
  figure.classList.add("is-empty");
  return figure;
}

function dataTable(figure, caption, columns, rows) {
  const details = el("details", { class: "chart-data" }, el("summary", {}, "Show the numbers as a table"),
    table(caption, columns, rows));
  figure.append(details);
}

function legend(series) {
  return el("ul", { class: "legend" }, series.map((x) => el("li", {},
    el("span", { class: `swatch ${x.cls}`, "aria-hidden": "true" }), x.name)));
}

// long labels lose their middle: "code-invalid @ Bund…vaccineCode.coding" keeps what tells them apart
function clip(text, chars) {
  if (text.length <= chars) return text;
  const head = Math.max(1, Math.ceil(chars * 0.45));
  return `${text.slice(0, head)}…${text.slice(text.length - (chars - head - 1))}`;
}

// The first `max - 1` items and one "Other (n)" bar for the rest, so a long tail stays readable;
// the data table keeps every item.
function topItems(items, max) {
  if (items.length <= max) return items;
  const rest = items.slice(max - 1);
  return [...items.slice(0, max - 1), { label: `Other (${rest.length})`, value: rest.reduce((t, i) => t + i.value, 0),
    detail: `${rest.length} more, listed in the table` }];
}

// Horizontal bars, one per category: items [{label, value, detail}], value axis from 0.
export function barChart({ title, period, valueLabel, categoryLabel, items, format = String, integer = true, cls = "fill-primary",
  note, maxBars = 12, minScale = 0 }) {
  const { id, figure } = frame(title, period, note);
  figure.dataset.chart = "bar";
  const all = items.filter((i) => i.value !== null && i.value !== undefined);
  if (!all.length || all.every((i) => i.value === 0 && !i.keepZero)) return empty(figure);
  const shown = topItems(all, maxBars);
  const labelW = Math.min(WIDTH * 0.4, Math.max(80, ...shown.map((i) => i.label.length * CHAR))) + 12;
  const chars = Math.floor((labelW - 12) / CHAR);
  const rowH = 28;
  const top = 26;
  const plotW = WIDTH - labelW - 70;
  const plotH = shown.length * rowH;
  const height = top + plotH + 52;
  const scale = niceScale(Math.max(minScale, ...shown.map((i) => i.value)), { integer });
  const x = (v) => labelW + (v / scale.max) * plotW;
  const svg = s("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-labelledby": `${id}-title ${id}-desc`,
    class: "chart-svg", "font-size": FONT });
  svg.append(s("desc", { id: `${id}-desc` }, `${categoryLabel} on the vertical axis, ${valueLabel} on the horizontal axis, from 0 to ${format(scale.max)}.`));
  for (const v of tickValues(scale)) {
    svg.append(s("line", { x1: x(v), x2: x(v), y1: top, y2: top + plotH, class: "grid" }));
    svg.append(s("text", { x: x(v), y: top + plotH + 18, "text-anchor": "middle", class: "tick" }, format(v)));
  }
  shown.forEach((item, i) => {
    const y = top + i * rowH;
    const label = s("text", { x: labelW - 8, y: y + rowH / 2 + 4, "text-anchor": "end", class: "tick" }, clip(item.label, chars));
    label.append(s("title", {}, item.label));
    svg.append(label);
    const w = Math.max(0, x(item.value) - labelW);
    const bar = s("rect", { x: labelW, y: y + 5, width: w, height: rowH - 10, class: item.cls || cls });
    bar.append(s("title", {}, `${item.label}: ${format(item.value)}${item.detail ? ` (${item.detail})` : ""}`));
    svg.append(bar);
    svg.append(s("text", { x: labelW + w + 6, y: y + rowH / 2 + 4, class: "value" }, format(item.value)));
  });
  svg.append(s("line", { x1: labelW, x2: labelW, y1: top, y2: top + plotH, class: "axis" }));
  svg.append(s("line", { x1: labelW, x2: labelW + plotW, y1: top + plotH, y2: top + plotH, class: "axis" }));
  svg.append(s("text", { x: labelW + plotW / 2, y: height - 8, "text-anchor": "middle", class: "axis-label" }, valueLabel));
  svg.append(s("text", { x: labelW - 8, y: 16, "text-anchor": "end", class: "axis-label" }, categoryLabel));
  figure.append(svg);
  const detailCol = all.some((i) => i.detail);
  dataTable(figure, title, [{ label: categoryLabel }, { label: valueLabel, num: true }, ...(detailCol ? [{ label: "Detail" }] : [])],
    all.map((i) => [i.label, format(i.value), ...(detailCol ? [i.detail || ""] : [])]));
  return figure;
}

// Stacked columns over time: categories (e.g. months, gaps included), series [{name, cls, values[]}].
export function columnChart({ title, period, valueLabel, categoryLabel, categories, labels, tickLabels, series, note }) {
  const { id, figure } = frame(title, period, note);
  figure.dataset.chart = "columns";
  const totals = categories.map((_, i) => series.reduce((sum, x) => sum + (x.values[i] || 0), 0));
  if (!categories.length || totals.every((t) => t === 0)) return empty(figure);
  const left = 64;
  const right = 16;
  const top = 12;
  const plotW = WIDTH - left - right;
  const plotH = 220;
  const height = top + plotH + 70;
  const scale = niceScale(Math.max(...totals));
  const y = (v) => top + plotH - (v / scale.max) * plotH;
  const slot = plotW / categories.length;
  const colW = Math.max(2, Math.min(48, slot * 0.7));
  const every = Math.max(1, Math.ceil(categories.length / Math.floor(plotW / 80)));
  const svg = s("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-labelledby": `${id}-title ${id}-desc`,
    class: "chart-svg", "font-size": FONT });
  svg.append(s("desc", { id: `${id}-desc` }, `${valueLabel} on the vertical axis from 0 to ${scale.max}, ${categoryLabel} on the horizontal axis, ${labels[0]} to ${labels[labels.length - 1]}.`));
  for (const v of tickValues(scale)) {
    svg.append(s("line", { x1: left, x2: left + plotW, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(s("text", { x: left - 8, y: y(v) + 4, "text-anchor": "end", class: "tick" }, String(v)));
  }
  categories.forEach((_, i) => {
    const cx = left + slot * i + slot / 2;
    let base = 0;
    for (const x of series) {
      const v = x.values[i] || 0;
      if (v > 0) {
        const rect = s("rect", { x: cx - colW / 2, y: y(base + v), width: colW, height: y(base) - y(base + v), class: x.cls });
        rect.append(s("title", {}, `${labels[i]}, ${x.name}: ${v}`));
        svg.append(rect);
      }
      base += v;
    }
    const tick = tickLabels ? tickLabels[i] : (i % every === 0 ? labels[i] : null);
    if (tick) {
      svg.append(s("line", { x1: cx, x2: cx, y1: top + plotH, y2: top + plotH + 5, class: "axis" }));
      svg.append(s("text", { x: cx, y: top + plotH + 20, "text-anchor": "middle", class: "tick" }, tick));
    }
  });
  svg.append(s("line", { x1: left, x2: left, y1: top, y2: top + plotH, class: "axis" }));
  svg.append(s("line", { x1: left, x2: left + plotW, y1: top + plotH, y2: top + plotH, class: "axis" }));
  svg.append(s("text", { x: left + plotW / 2, y: height - 26, "text-anchor": "middle", class: "axis-label" }, categoryLabel));
  svg.append(s("text", { x: 14, y: top + plotH / 2, "text-anchor": "middle", class: "axis-label",
    transform: `rotate(-90 14 ${top + plotH / 2})` }, valueLabel));
  figure.append(svg, legend(series));
  dataTable(figure, title, [{ label: categoryLabel }, ...series.map((x) => ({ label: x.name, num: true })), { label: "Total", num: true }],
    categories.map((_, i) => [labels[i], ...series.map((x) => x.values[i] || 0), totals[i]]));
  return figure;
}
