// The commissioners' overview computed from audit records (pure: records in, figures out).
// Definitions follow functions/hub/core/audit/README.md ("details keys read by the report").

import { monthKey, monthRange, parseTime } from "./format.js";

export const SEVERITIES = ["critical", "high", "medium"];
const DAY_MS = 86400000;

function details(rec) {
  const d = rec.details;
  if (d && typeof d === "object") return d;
  if (typeof d === "string") {
    try { return JSON.parse(d) || {}; } catch { return {}; }
  }
  return {};
}

function count(map, key, n = 1) {
  map.set(key, (map.get(key) || 0) + n);
}

function sortedItems(map) {
  return [...map.entries()].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))
    .map(([label, value]) => ({ label, value }));
}

// why a message was refused: details.reasons, else each fault as "code @ path" (list indices dropped),
// else the HTTP status
export function rejectionReasons(rec) {
  const d = details(rec);
  let reasons = d.reasons;
  if (typeof reasons === "string") reasons = [reasons];
  if (!Array.isArray(reasons) || !reasons.length) {
    reasons = (Array.isArray(d.faults) ? d.faults : []).filter((f) => f && typeof f === "object").map((f) => {
      const expr = String(f.expression || "").replace(/\[\d+\]/g, "").trim();
      return expr ? `${f.code || "fault"} @ ${expr}` : String(f.code || "fault");
    });
  }
  if (!reasons.length) reasons = [`HTTP ${rec.outcome || "unknown"}`];
  return [...new Set(reasons.map(String))];
}

function severityOf(rec) {
  const sev = details(rec).severity || rec.outcome;
  return SEVERITIES.includes(sev) ? sev : "medium";
}

function agencyOf(rec) {
  if (!rec.actor_ods) return "unknown sender";
  return rec.actor_kind ? `${rec.actor_ods} (${rec.actor_kind})` : rec.actor_ods;
}

export function median(values) {
  if (!values.length) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function byMonth(times) {
  const keys = times.map((t) => monthKey(t.time));
  if (!keys.length) return { months: [], index: new Map() };
  const sorted = [...keys].sort();
  const months = monthRange(sorted[0], sorted[sorted.length - 1]);
  return { months, index: new Map(months.map((m, i) => [m, i])), keys };
}

// Task records (the Task API's audit trail) that end the wait for an acknowledgement, by alert id.
// An acknowledgement, an assignment, a decision or a close all show that someone picked the alert up.
function firstResponses(taskRecords) {
  const out = new Map();
  for (const rec of taskRecords) {
    const d = details(rec);
    const alertId = d.alert_id || rec.message_id;
    const at = parseTime(rec.at);
    if (!alertId || !at) continue;
    const seen = out.get(alertId);
    if (!seen || at < seen.at) out.set(alertId, { at, action: rec.action });
  }
  return out;
}

export function overview({ accepted = [], rejected = [], raised = [], resolved = [], tasks = [] }, now = new Date()) {
  // messages by month of receipt (hub time), gaps included
  const received = [...accepted.map((r) => ({ time: parseTime(r.at), ok: true })),
    ...rejected.map((r) => ({ time: parseTime(r.at), ok: false }))].filter((x) => x.time);
  const mm = byMonth(received);
  const acceptedByMonth = mm.months.map(() => 0);
  const rejectedByMonth = mm.months.map(() => 0);
  received.forEach((x, i) => { (x.ok ? acceptedByMonth : rejectedByMonth)[mm.index.get(mm.keys[i])] += 1; });

  const reasons = new Map();
  const rejectingAgencies = new Map();
  for (const rec of rejected) {
    for (const reason of rejectionReasons(rec)) count(reasons, reason);
    count(rejectingAgencies, agencyOf(rec));
  }

  // alerts by the month they were raised (clinical raised_at, else the hub's time), by severity
  const raisedTimes = raised.map((r) => ({ time: parseTime(details(r).raised_at) || parseTime(r.at), rec: r }))
    .filter((x) => x.time);
  const am = byMonth(raisedTimes);
  const alertSeries = Object.fromEntries(SEVERITIES.map((sev) => [sev, am.months.map(() => 0)]));
  raisedTimes.forEach((x, i) => { alertSeries[severityOf(x.rec)][am.index.get(am.keys[i])] += 1; });
  const byRule = new Map();
  const bySeverity = new Map();
  for (const rec of raised) {
    const rule = rec.rule || "unknown rule";
    if (!byRule.has(rule)) byRule.set(rule, Object.fromEntries(SEVERITIES.map((sev) => [sev, 0])));
    byRule.get(rule)[severityOf(rec)] += 1;
    count(bySeverity, severityOf(rec));
  }

  // time to resolve (clinical resolved_at - raised_at) and to first response (Task records, hub time)
  const raisedById = new Map(raised.map((r) => [r.message_id, r]));
  const resolvedById = new Map(resolved.map((r) => [r.message_id, r]));
  const responses = firstResponses(tasks);
  const resolveDays = new Map();
  const ackDays = new Map();
  let resolvedBeforeRaised = 0;
  for (const [id, rec] of raisedById) {
    const rule = rec.rule || "unknown rule";
    const start = parseTime(details(rec).raised_at) || parseTime(rec.at);
    const done = resolvedById.get(id);
    if (done && start) {
      const end = parseTime(details(done).resolved_at) || parseTime(done.at);
      if (end && end >= start) {
        if (!resolveDays.has(rule)) resolveDays.set(rule, []);
        resolveDays.get(rule).push((end - start) / DAY_MS);
      } else if (end) {
        resolvedBeforeRaised += 1; // a resolution dated before its alert: no duration to show
      }
    }
    const first = responses.get(id);
    const recorded = parseTime(rec.at);
    if (first && recorded && first.at >= recorded) {
      if (!ackDays.has(rule)) ackDays.set(rule, []);
      ackDays.get(rule).push((first.at - recorded) / DAY_MS);
    }
  }
  const stat = (m) => [...m.entries()].map(([label, days]) => ({ label, value: median(days), n: days.length }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));

  // overdue: past due_by, not resolved, nobody has responded through its Task
  const overdue = raised.filter((r) => {
    const due = parseTime(details(r).due_by);
    return due && due < now && !resolvedById.has(r.message_id) && !responses.has(r.message_id);
  }).map((r) => {
    const d = details(r);
    const due = parseTime(d.due_by);
    return { id: r.message_id, rule: r.rule || "unknown rule", severity: severityOf(r), raisedAt: d.raised_at || r.at,
      dueBy: due, overdueDays: (now - due) / DAY_MS, recipients: (d.recipients || []).join(", ") };
  }).sort((a, b) => a.dueBy - b.dueBy);

  return {
    totals: { accepted: accepted.length, rejected: rejected.length, raised: raised.length, resolved: resolved.length,
      overdue: overdue.length, responded: responses.size,
      resolveMedianDays: median([...resolveDays.values()].flat()), respondMedianDays: median([...ackDays.values()].flat()) },
    messages: { months: mm.months, accepted: acceptedByMonth, rejected: rejectedByMonth },
    rejectionReasons: sortedItems(reasons),
    rejectionAgencies: sortedItems(rejectingAgencies),
    alerts: { months: am.months, series: alertSeries },
    alertsByRule: [...byRule.entries()].map(([label, sev]) => ({ label, sev, value: SEVERITIES.reduce((t, k) => t + sev[k], 0) }))
      .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label)),
    alertsBySeverity: SEVERITIES.map((sev) => ({ label: sev, value: bySeverity.get(sev) || 0 })),
    timeToResolve: stat(resolveDays),
    resolvedBeforeRaised,
    timeToRespond: stat(ackDays),
    overdue,
  };
}
