// A child's multi-agency chronology, behind a purpose prompt. The read goes through GET /audit with the
// NHS number and the purpose, so the hub records who read this child's records, when and why.

import { auditAll, purposes } from "./api.js";
import { el, fill, formatDateTime, table } from "./format.js";
import { errorBox, loading, textField } from "./forms.js";

export const title = "Child chronology";

export function nhsNumberValid(text) {
  if (!/^\d{10}$/.test(text)) return false;
  const sum = [...text.slice(0, 9)].reduce((t, d, i) => t + Number(d) * (10 - i), 0);
  const check = 11 - (sum % 11);
  return check !== 10 && (check === 11 ? 0 : check) === Number(text[9]);
}

function details(rec) {
  return rec.details && typeof rec.details === "object" ? rec.details : {};
}

function when(d, keys, at) {
  for (const k of keys) if (typeof d[k] === "string" && !Number.isNaN(new Date(d[k]).getTime())) return d[k];
  return at;
}

// the same rows as hub.core.audit.chronology.build_chronology
export function chronologyRows(records) {
  const alertsFor = new Map();
  for (const r of records) {
    if (r.action !== "alert.raised") continue;
    const d = details(r);
    for (const id of d.evidence || []) {
      if (!alertsFor.has(id)) alertsFor.set(id, []);
      alertsFor.get(id).push(`${r.rule || "alert"} (${d.severity || r.outcome || "?"})`);
    }
  }
  const rows = [];
  for (const r of records) {
    const d = details(r);
    if (r.action === "message.accepted") {
      let event = r.event || "message";
      if (d.event_type && d.event_type !== "new") event += ` [${d.event_type}]`;
      rows.push({ date: when(d, ["occurred_at", "bundle_timestamp"], r.at), agency: [r.actor_ods, r.actor_kind && `(${r.actor_kind})`].filter(Boolean).join(" "),
        event, summary: d.summary || r.event || "", alerts: alertsFor.get(r.message_id) || [] });
    } else if (r.action === "alert.raised") {
      rows.push({ date: when(d, ["raised_at"], r.at), agency: "hub", event: `alert raised: ${r.rule}`, summary: d.summary || "",
        alerts: [`${r.rule} (${d.severity || r.outcome || "?"})`], severity: d.severity });
    } else if (r.action === "alert.resolved") {
      rows.push({ date: when(d, ["resolved_at"], r.at), agency: "hub", event: `alert resolved: ${r.rule}`,
        summary: d.reason ? `resolved: ${d.reason}` : "resolved", alerts: [r.rule || ""] });
    }
  }
  return rows.sort((a, b) => new Date(a.date) - new Date(b.date) || a.agency.localeCompare(b.agency) || a.event.localeCompare(b.event));
}

function accessRows(records) {
  return records.filter((r) => r.action === "audit.query" || r.action === "audit.chronology")
    .sort((a, b) => new Date(b.at) - new Date(a.at))
    .map((r) => [formatDateTime(r.at), [r.actor_ods, r.actor_kind && `(${r.actor_kind})`].filter(Boolean).join(" "),
      details(r).purpose || "", r.outcome || ""]);
}

// A modal prompt: resolves with the chosen purpose code, or null when cancelled.
function askPurpose() {
  return new Promise((resolve) => {
    const error = el("div");
    const radios = purposes().map((p) => el("label", {}, el("input", { type: "radio", name: "chronology-purpose", value: p.code }),
      el("span", {}, el("strong", {}, p.display), `: ${p.definition}`)));
    const dialog = el("dialog", { id: "purpose-dialog", "aria-labelledby": "purpose-title", "aria-describedby": "purpose-text" },
      el("form", { method: "dialog" },
        el("h2", { id: "purpose-title" }, "Why are you reading this child's records?"),
        el("p", { id: "purpose-text" }, "The hub records this access in the audit log with your organisation, the time and the purpose you choose."),
        error,
        el("fieldset", { class: "radios" }, el("legend", {}, "Purpose of use"), radios),
        el("p", { class: "actions" }, el("button", { type: "submit", value: "confirm", id: "purpose-confirm" }, "Show the chronology"),
          el("button", { type: "submit", value: "cancel", class: "secondary", id: "purpose-cancel", formnovalidate: true }, "Cancel"))));
    dialog.addEventListener("close", () => {
      const chosen = dialog.querySelector("input[name=chronology-purpose]:checked");
      dialog.remove();
      resolve(dialog.returnValue === "confirm" && chosen ? chosen.value : null);
    });
    dialog.addEventListener("change", () => error.replaceChildren());
    dialog.querySelector("form").addEventListener("submit", (ev) => {
      if (ev.submitter?.value === "confirm" && !dialog.querySelector("input[name=chronology-purpose]:checked")) {
        ev.preventDefault();
        error.replaceChildren(errorBox("Choose a purpose", "The chronology is shown only with a purpose of use."));
        radios[0].querySelector("input").focus();
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    radios[0].querySelector("input").focus();
  });
}

async function load(results, nhs, purpose) {
  results.replaceChildren(loading("Reading this child's records…"));
  try {
    const { records, truncated } = await auditAll({ nhs_number: nhs, purpose });
    const rows = chronologyRows(records);
    const label = purposes().find((p) => p.code === purpose)?.display || purpose;
    fill(results,
      el("p", { class: "banner", role: "status", id: "chronology-recorded" },
        `Your access was recorded in the audit log with the purpose ${label}.`),
      truncated ? errorBox("Only part of the record is shown", "This child has more records than the console reads at once.") : null,
      el("h2", {}, `Chronology for NHS number ${nhs.replace(/(\d{3})(\d{3})(\d{4})/, "$1 $2 $3")}`),
      rows.length ? el("div", { class: "table-wrap" }, table(`${rows.length} entries, oldest first, clinical time where the agency gave it`,
        [{ label: "Date" }, { label: "Agency" }, { label: "Event" }, { label: "Summary" }, { label: "Alerts" }],
        rows.map((r) => [formatDateTime(r.date), r.agency, r.event, r.summary, r.alerts.join("; ")]),
        { rowHeader: true, className: "data chronology" }))
        : el("p", { class: "empty", role: "status" }, "The hub holds no records about this child."),
      el("h2", {}, "Who has read this child's records"),
      el("p", { class: "note" }, "Earlier reads; this one is recorded and appears from the next read."),
      accessRows(records).length
        ? el("div", { class: "table-wrap" }, table("Reads of this child's records recorded in the audit log, newest first",
          [{ label: "When" }, { label: "Who" }, { label: "Purpose" }, { label: "Outcome" }], accessRows(records)))
        : el("p", { class: "empty", role: "status" }, "No earlier reads of this child's records are recorded."));
  } catch (err) {
    results.replaceChildren(errorBox("The chronology could not be read", err.message));
  }
}

export function render(main) {
  const nhs = textField("nhs-number", "NHS number", { inputmode: "numeric", hint: "10 digits; spaces are ignored" });
  const message = el("div", { id: "chronology-message" });
  const results = el("div", { id: "chronology-results", "aria-live": "polite" });
  const form = el("form", { class: "panel", id: "chronology-form", novalidate: true },
    el("div", { class: "fields" }, nhs.node, el("div", { class: "field" }, el("button", { type: "submit" }, "Continue"))));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = nhs.input.value.replace(/\s+/g, "");
    if (!nhsNumberValid(value)) {
      nhs.input.setAttribute("aria-invalid", "true");
      message.replaceChildren(errorBox("Check the NHS number", "An NHS number has 10 digits and a valid check digit."));
      nhs.input.focus();
      return;
    }
    nhs.input.removeAttribute("aria-invalid");
    message.replaceChildren();
    const purpose = await askPurpose();
    if (!purpose) {
      message.replaceChildren(el("p", { role: "status", class: "note" }, "Cancelled: nothing was read."));
      nhs.input.focus();
      return;
    }
    await load(results, value, purpose);
    results.querySelector("h2")?.setAttribute("tabindex", "-1");
    results.querySelector("h2")?.focus();
  });
  main.append(el("h1", { tabindex: "-1" }, "Child chronology"),
    el("p", { class: "lede" }, "One child's multi-agency chronology: what each agency told the hub and the alerts it raised. You will be asked why you are reading it; the read is recorded."),
    form, message, results);
}
