// Audit search: every GET /audit filter, the coded purpose of use, cursor paging and a CSV download.

import { auditCsv, request, vocabulary } from "./api.js";
import { el, fill, formatDateTime, isoDay, table } from "./format.js";
import { datalist, dateField, errorBox, loading, purposeField, selectField, textField } from "./forms.js";

export const title = "Audit search";

const PAGE_SIZES = ["25", "50", "100", "250"];

function summaryOf(rec) {
  const d = rec.details && typeof rec.details === "object" ? rec.details : {};
  if (d.summary) return d.summary;
  if (rec.action === "message.rejected") {
    const faults = (d.faults || []).map((f) => `${f.code || "fault"} @ ${f.expression || ""}`);
    return (d.reasons || faults).join("; ");
  }
  if (d.purpose) return `purpose: ${d.purpose}`;
  if (d.reason) return `reason: ${d.reason}`;
  return "";
}

function resultsTable(records, caption) {
  return el("div", { class: "table-wrap" }, table(caption,
    [{ label: "Recorded" }, { label: "Action" }, { label: "Sender" }, { label: "Event" }, { label: "Recipient" },
      { label: "Rule" }, { label: "Outcome" }, { label: "Summary" }, { label: "Chain, seq" }],
    records.map((r) => [formatDateTime(r.at), r.action, [r.actor_ods, r.actor_kind && `(${r.actor_kind})`].filter(Boolean).join(" "),
      r.event || "", r.recipient_ods || "", r.rule || "", r.outcome || "", summaryOf(r),
      el("span", { class: "mono" }, `${r.chain} · ${r.seq}`)]), { className: "data", rowHeader: true }));
}

function download(text, name) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = el("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function render(main) {
  const vocab = vocabulary();
  const today = isoDay(new Date());
  const f = {
    from: dateField("q-from", "From", "", "Recorded on or after"),
    to: dateField("q-to", "To", today, "Recorded on or before"),
    sender: textField("q-sender", "Sender ODS code", { hint: "e.g. A81001" }),
    recipient: textField("q-recipient", "Recipient ODS code"),
    event: textField("q-event", "Event", { list: "events-list" }),
    rule: textField("q-rule", "Alert rule", { list: "rules-list" }),
    outcome: textField("q-outcome", "Outcome", { hint: "e.g. 202, 422, delivered, critical" }),
    action: selectField("q-action", "Action", [{ value: "", label: "Any action" }, ...vocab.actions.map((a) => ({ value: a, label: a }))]),
    nhs: textField("q-nhs", "NHS number", { inputmode: "numeric", hint: "Only one child's records; recorded with your purpose" }),
    purpose: purposeField("q-purpose"),
    limit: selectField("q-limit", "Rows per page", PAGE_SIZES.map((v) => ({ value: v, label: v })), { value: "50" }),
  };
  const results = el("div", { id: "search-results", "aria-live": "polite" });
  const message = el("div", { id: "search-message" });
  const form = el("form", { class: "panel", id: "search-form", novalidate: true },
    el("div", { class: "fields" }, Object.values(f).map((x) => x.node)),
    el("p", { class: "actions" }, el("button", { type: "submit", id: "search-submit" }, "Search"),
      el("button", { type: "button", class: "secondary", id: "download-csv" }, "Download CSV (all pages)")),
    datalist("events-list", vocab.events), datalist("rules-list", vocab.rules.map((r) => r.code)));

  let pages = [null]; // cursor of each page seen so far (null: the first)
  let index = 0;

  const params = () => {
    const p = { from: f.from.input.value, to: f.to.input.value, sender: f.sender.input.value.trim(),
      recipient: f.recipient.input.value.trim(), event: f.event.input.value.trim(), rule: f.rule.input.value.trim(),
      outcome: f.outcome.input.value.trim(), action: f.action.input.value, purpose: f.purpose.input.value };
    const nhs = f.nhs.input.value.replace(/\s+/g, "");
    if (nhs) p.nhs_number = nhs;
    return p;
  };
  const valid = () => {
    if (!f.purpose.input.value) {
      message.replaceChildren(errorBox("Choose a purpose of use", "Every search of the audit log records why it was made."));
      f.purpose.input.setAttribute("aria-invalid", "true");
      f.purpose.input.focus();
      return false;
    }
    f.purpose.input.removeAttribute("aria-invalid");
    message.replaceChildren();
    return true;
  };

  async function show() {
    results.replaceChildren(loading("Searching…"));
    const limit = Number(f.limit.input.value);
    try {
      const { json } = await request("audit", { params: { ...params(), limit, cursor: pages[index] } });
      if (json.next_cursor) pages[index + 1] = json.next_cursor;
      else pages = pages.slice(0, index + 1);
      const first = index * limit + 1;
      const last = index * limit + json.records.length;
      const prev = el("button", { type: "button", class: "secondary", id: "prev-page", disabled: index === 0,
        onclick: () => { index -= 1; show(); } }, "Previous page");
      const next = el("button", { type: "button", class: "secondary", id: "next-page", disabled: !json.next_cursor,
        onclick: () => { index += 1; show(); } }, "Next page");
      const caption = json.records.length ? `Audit records ${first} to ${last}${json.next_cursor ? " (more on the next page)" : ""}` : "Audit records";
      fill(results,
        el("p", { role: "status", id: "search-count" }, json.records.length
          ? `Page ${index + 1}: records ${first} to ${last}${json.next_cursor ? ", more on the next page" : ", the last page"}.`
          : "No records match these filters."),
        json.records.length ? resultsTable(json.records, caption) : null,
        el("div", { class: "pager" }, prev, next));
    } catch (err) {
      results.replaceChildren(errorBox("The search failed", err.message));
    }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!valid()) return;
    pages = [null];
    index = 0;
    show();
  });
  form.querySelector("#download-csv").addEventListener("click", async () => {
    if (!valid()) return;
    message.replaceChildren(loading("Preparing the CSV…"));
    try {
      const csv = await auditCsv(params());
      download(csv, `audit-${today}.csv`);
      message.replaceChildren(el("p", { role: "status" }, `CSV downloaded: ${csv.split("\r\n").length - 2} records.`));
    } catch (err) {
      message.replaceChildren(errorBox("The CSV could not be prepared", err.message));
    }
  });
  main.append(el("h1", { tabindex: "-1" }, "Audit search"),
    el("p", { class: "lede" }, "Search the hub's tamper-evident audit log. Every search, and every download, is itself recorded with your purpose."),
    form, message, results);
}
