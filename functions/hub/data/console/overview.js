// Commissioners' overview: messages, rejections (by reason and agency), alerts over time by severity
// and by rule, time to first response and to resolution, and overdue alerts, for a period of the audit log.

import { auditAll } from "./api.js";
import { barChart, columnChart } from "./charts.js";
import { dayLabel, el, fill, formatCount, formatDate, formatDateTime, formatDays, formatDecimal, isoDay, monthLabel, monthTicks, table, zoneLabel } from "./format.js";
import { dateField, errorBox, loading, purposeField } from "./forms.js";
import { SEVERITIES, overview } from "./metrics.js";

export const title = "Overview";

const SEVERITY_CLS = { critical: "fill-critical", high: "fill-high", medium: "fill-medium" };
// The Task API's audit trail: any of these ends an alert's wait for a response.
const TASK_ACTIONS = ["task.acknowledged", "task.assigned", "task.decided", "task.closed"];

function defaultPeriod() {
  const to = new Date();
  const from = new Date(to.getTime() - 364 * 86400000);
  return { from: isoDay(from), to: isoDay(to) };
}

// One query for the period, split here: the audit API reads every chain for any query, so eight filtered
// queries would cost eight full reads (and eight audit records) for the same answer.
async function fetchAll(base) {
  const { records, truncated } = await auditAll(base);
  const of = (...actions) => records.filter((r) => actions.includes(r.action));
  return {
    data: { accepted: of("message.accepted"), rejected: of("message.rejected"), raised: of("alert.raised"),
      resolved: of("alert.resolved"), tasks: of(...TASK_ACTIONS) },
    truncated,
  };
}

function stats(t) {
  const item = (label, value, id, alarm = false) => el("div", { class: alarm ? "alarm" : null },
    el("dt", { id: `${id}-label` }, label), el("dd", { "aria-labelledby": `${id}-label`, "data-stat": id }, value));
  return el("dl", { class: "stats" },
    item("Messages accepted", formatCount(t.accepted), "accepted"),
    item("Messages rejected", formatCount(t.rejected), "rejected", t.rejected > 0),
    item("Alerts raised", formatCount(t.raised), "raised"),
    item("Alerts resolved", formatCount(t.resolved), "resolved"),
    item("Overdue alerts", formatCount(t.overdue), "overdue", t.overdue > 0),
    item("Median time to resolve", formatDays(t.resolveMedianDays), "resolve-median"),
    item("Median time to first response", formatDays(t.respondMedianDays), "respond-median"));
}

function overdueTable(rows) {
  if (!rows.length) return el("p", { class: "empty", role: "status" }, "No overdue alerts in this period");
  return el("div", { class: "table-wrap" }, table("Alerts past their due time with no resolution and no response recorded",
    [{ label: "Rule" }, { label: "Severity" }, { label: "Raised (clinical time)" }, { label: "Due by" },
      { label: "Overdue by", num: true }, { label: "Recipients" }],
    rows.map((r) => [r.rule, el("span", { class: `tag ${r.severity}` }, r.severity), formatDateTime(r.raisedAt),
      formatDateTime(r.dueBy), formatDays(r.overdueDays), r.recipients])));
}

// durations (in days) charted in the unit that suits the largest: days, hours or minutes
function durationChart({ title, period, what, items, note }) {
  const max = Math.max(0, ...items.map((i) => i.value));
  const unit = max >= 2 ? { per: 1, short: "d", long: "Days" } : max * 24 >= 2 ? { per: 1 / 24, short: "h", long: "Hours" }
    : { per: 1 / 1440, short: "min", long: "Minutes" };
  // an axis of at least one unit, so a near-zero median does not stretch into ticks that all read "0"
  return barChart({ title, period, valueLabel: `${unit.long} ${what}`, categoryLabel: "Rule", integer: false, note, minScale: 1,
    format: (v) => (v > 0 && v < 0.05 ? `< 0.1 ${unit.short}` : `${formatDecimal(v)} ${unit.short}`),
    items: items.map((i) => ({ ...i, value: i.value / unit.per, keepZero: true })) });
}

function charts(m, period) {
  const span = (months) => (months.length ? `${monthLabel(months[0])} to ${monthLabel(months[months.length - 1])}` : "");
  const grid = el("div", { class: "charts" });
  grid.append(
    columnChart({ title: "Messages received per month", period, valueLabel: "Messages", categoryLabel: "Month received by the hub",
      categories: m.messages.months, labels: m.messages.months.map(monthLabel), tickLabels: monthTicks(m.messages.months), note: m.messages.months.length ? `Months shown: ${span(m.messages.months)}` : null,
      series: [{ name: "Accepted", cls: "fill-accepted", values: m.messages.accepted },
        { name: "Rejected", cls: "fill-rejected", values: m.messages.rejected }] }),
    columnChart({ title: "Alerts raised per month, by severity", period, valueLabel: "Alerts", categoryLabel: "Month the alert was raised (clinical time)",
      categories: m.alerts.months, labels: m.alerts.months.map(monthLabel), tickLabels: monthTicks(m.alerts.months), note: m.alerts.months.length ? `Months shown: ${span(m.alerts.months)}` : null,
      series: SEVERITIES.map((sev) => ({ name: sev[0].toUpperCase() + sev.slice(1), cls: SEVERITY_CLS[sev], values: m.alerts.series[sev] })) }),
    barChart({ title: "Rejections by reason", period, valueLabel: "Rejected messages", categoryLabel: "Reason",
      items: m.rejectionReasons, cls: "fill-rejected", format: formatCount }),
    barChart({ title: "Rejections by agency", period, valueLabel: "Rejected messages", categoryLabel: "Sending agency",
      items: m.rejectionAgencies, cls: "fill-rejected", format: formatCount }),
    barChart({ title: "Alerts by rule", period, valueLabel: "Alerts raised", categoryLabel: "Rule",
      items: m.alertsByRule.map((r) => ({ ...r, detail: SEVERITIES.filter((s) => r.sev[s]).map((s) => `${r.sev[s]} ${s}`).join(", ") })),
      format: formatCount }),
    durationChart({ title: "Median time to resolve, by rule", period, what: "from raised to resolved (clinical time)",
      note: m.resolvedBeforeRaised ? `Left out: ${m.resolvedBeforeRaised} resolutions dated before their alert was raised.` : null,
      items: m.timeToResolve.map((r) => ({ ...r, detail: `${r.n} resolved` })) }),
    durationChart({ title: "Median time to first response, by rule", period, what: "from alert to first response",
      note: "A response is the first acknowledgement, assignment, decision or close of one of the alert's Tasks.",
      items: m.timeToRespond.map((r) => ({ ...r, detail: `${r.n} responded` })) }),
  );
  return grid;
}

async function load(results, params) {
  results.replaceChildren(loading("Reading the audit log…"));
  let got;
  try {
    got = await fetchAll({ from: params.from, to: params.to, purpose: params.purpose });
  } catch (err) {
    results.replaceChildren(errorBox("The overview could not be loaded", err.message));
    return;
  }
  const now = new Date();
  const m = overview(got.data, now);
  const period = `Records received from ${dayLabel(params.from)} to ${dayLabel(params.to)} (both days included), as of ${formatDateTime(now)}.`;
  fill(results,
    el("p", { class: "note", id: "period-statement" }, `${period} Times in ${zoneLabel()}.`),
    got.truncated ? errorBox("Only part of the period is shown", "The period holds more records than the console reads at once: choose a shorter period.") : null,
    el("h2", {}, "In this period"), stats(m.totals),
    el("h2", {}, "Charts"), charts(m, period),
    el("h2", { id: "overdue-heading" }, "Overdue alerts"),
    el("p", { class: "note" }, `Past their due time on ${formatDate(now)}, with no resolution and no Task response recorded.`),
    overdueTable(m.overdue));
}

export function render(main) {
  const period = defaultPeriod();
  const from = dateField("ov-from", "From", period.from, "First day received");
  const to = dateField("ov-to", "To", period.to, "Last day received (included)");
  const purpose = purposeField("ov-purpose", { value: "commissioning" });
  const results = el("div", { id: "overview-results", "aria-live": "polite" });
  const form = el("form", { class: "panel", id: "overview-form", novalidate: true },
    el("div", { class: "fields" }, from.node, to.node, purpose.node,
      el("div", { class: "field" }, el("button", { type: "submit" }, "Show overview"))));
  const submit = () => {
    if (!purpose.input.value) {
      results.replaceChildren(errorBox("Choose a purpose of use", "Every read of the audit log records why it was made."));
      purpose.input.focus();
      return Promise.resolve();
    }
    return load(results, { from: from.input.value, to: to.input.value, purpose: purpose.input.value });
  };
  form.addEventListener("submit", (ev) => { ev.preventDefault(); submit(); });
  main.append(el("h1", { tabindex: "-1" }, "Overview"),
    el("p", { class: "lede" }, "What the partnership's agencies sent the hub, what it refused and why, and the alerts it raised: from the audit log."),
    form, results);
  return submit();
}
