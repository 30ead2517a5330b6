// Safeguarding leads' triage of their organisation's alert Tasks (the Task API: GET /Task, POST /Task/{id}/$op).
// The Task API only ever shows the caller's own organisation's Tasks, so the key decides whose work this is.

import { request, vocabulary } from "./api.js";
import { el, fill, formatCount, formatDateTime, formatDays, table } from "./format.js";
import { errorBox, loading, selectField, textField } from "./forms.js";

export const title = "Alert triage";

const NAME_KEY = "sgh.console.name";
const HUB = "https://safeguarding-hub.example/fhir/StructureDefinition/";
const DAY_MS = 86400000;
const VIEWS = [
  { value: "open", label: "All open Tasks" },
  { value: "due", label: "Due: waiting for acknowledgement" },
  { value: "overdue", label: "Overdue: not acknowledged in time" },
  { value: "escalated", label: "Escalated" },
  { value: "progress", label: "Acknowledged or decided" },
  { value: "closed", label: "Closed" },
];
const SEVERITY_ORDER = { critical: 0, high: 1, medium: 2 };

function ext(task, name) {
  return (task.extension || []).filter((e) => e.url === HUB + name);
}

function sub(e, url) {
  const s = (e.extension || []).find((x) => x.url === url);
  return s ? s.valueString ?? s.valueDateTime ?? s.valueInteger ?? s.valueIdentifier?.value : undefined;
}

// the fields the page works with, read from the FHIR Task
export function view(task, now = new Date()) {
  const due = task.restriction?.period?.end ? new Date(task.restriction.period.end) : null;
  const severity = ext(task, "alert-severity")[0]?.valueCode || "medium";
  const escalations = ext(task, "task-escalation").map((e) => ({ level: sub(e, "level"), at: sub(e, "at") }));
  const assignee = ext(task, "task-assignee")[0];
  const decision = (task.output || []).find((o) => o.type?.coding?.[0]?.code === "decision");
  const recommended = (task.input || []).find((i) => i.type?.coding?.[0]?.code === "recommended-action");
  const open = task.status !== "completed";
  return {
    id: task.id, status: task.status, business: task.businessStatus?.text || task.status, severity,
    rule: task.code?.coding?.[0]?.code || "alert", summary: task.description || "", due,
    nhs: task.for?.identifier?.value || "", version: task.meta?.versionId,
    overdue: open && task.status === "requested" && due !== null && due <= now,
    waiting: open && task.status === "requested" && (due === null || due > now),
    escalated: open && escalations.length > 0, escalations, open,
    assignee: assignee ? sub(assignee, "practitioner") : null,
    decision: decision ? decision.valueCodeableConcept?.coding?.[0]?.display || decision.valueCodeableConcept?.coding?.[0]?.code : null,
    recommended: recommended?.valueString || "",
    evidence: (task.input || []).filter((i) => i.type?.coding?.[0]?.code === "evidence").length,
    closedBecause: task.statusReason?.text || "",
  };
}

function matches(v, which) {
  return { open: v.open, due: v.waiting, overdue: v.overdue, escalated: v.escalated,
    progress: v.open && v.status !== "requested", closed: !v.open }[which];
}

async function allTasks() {
  const tasks = [];
  let cursor = null;
  for (let page = 0; page < 20; page += 1) {
    const { json } = await request("Task", { params: { _count: 200, _cursor: cursor } });
    tasks.push(...(json.entry || []).map((e) => e.resource));
    const next = (json.link || []).find((l) => l.relation === "next");
    // the next link is absolute for API clients; the console keeps its own origin and takes only the cursor
    cursor = next ? new URL(next.url).searchParams.get("_cursor") : null;
    if (!cursor) break;
  }
  return tasks;
}

function dueText(v, now) {
  if (!v.due) return "";
  const days = (v.due - now) / DAY_MS;
  const when = formatDateTime(v.due);
  if (!v.open || v.status !== "requested") return when;
  return days < 0 ? `${when} (overdue by ${formatDays(-days)})` : `${when} (in ${formatDays(days)})`;
}

export function render(main) {
  const results = el("div", { id: "triage-results", "aria-live": "polite" });
  const message = el("div", { id: "triage-message" });
  const show = selectField("triage-view", "Show", VIEWS, { value: "open" });
  const name = textField("triage-name", "Your name", { value: sessionStorage.getItem(NAME_KEY) || "",
    hint: "Recorded with every change you make to a Task" });
  name.input.addEventListener("change", () => sessionStorage.setItem(NAME_KEY, name.input.value.trim()));
  let tasks = [];
  let opener = null;

  const draw = () => {
    const now = new Date();
    const views = tasks.map((t) => view(t, now));
    const shown = views.filter((v) => matches(v, show.input.value))
      .sort((a, b) => (SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]) || ((a.due || 0) - (b.due || 0)));
    const count = (which) => views.filter((v) => matches(v, which)).length;
    const stat = (label, which, alarm) => el("div", { class: alarm && count(which) ? "alarm" : null },
      el("dt", {}, label), el("dd", { "data-stat": which }, formatCount(count(which))));
    const label = VIEWS.find((x) => x.value === show.input.value).label;
    fill(results,
      el("dl", { class: "stats" }, stat("Open", "open"), stat("Due", "due"), stat("Overdue", "overdue", true),
        stat("Escalated", "escalated", true), stat("Closed", "closed")),
      el("p", { class: "note" }, `As of ${formatDateTime(now)}. Overdue: not acknowledged by the time the alert gave. Most severe first, then soonest due.`),
      shown.length
        ? el("div", { class: "table-wrap" }, table(`${label}: ${shown.length}`,
          [{ label: "Alert" }, { label: "Severity" }, { label: "Child (NHS number)" }, { label: "Due by" }, { label: "Where it stands" },
            { label: "Assigned to" }, { label: "Action" }],
          shown.map((v) => [v.rule, el("span", { class: `tag ${v.severity}` }, v.severity), v.nhs,
            el("span", { class: v.overdue ? "status-bad" : null }, dueText(v, now)),
            v.business, v.assignee || "",
            el("button", { type: "button", class: "secondary", "data-task": v.id, "aria-label": `Work on the ${v.rule} alert for ${v.nhs}`,
              onclick: (ev) => { opener = ev.currentTarget; openTask(v.id); } }, "Work on it")])))
        : el("p", { class: "empty", role: "status" }, "No Tasks in this view"));
  };

  const load = async () => {
    results.replaceChildren(loading("Reading your organisation's Tasks…"));
    try {
      tasks = await allTasks();
      draw();
    } catch (err) {
      results.replaceChildren(errorBox("The Tasks could not be read", err.message));
    }
  };

  const act = async (task, op, body, done) => {
    const by = name.input.value.trim();
    if (!by) {
      return "Enter your name first: it is recorded with the change.";
    }
    sessionStorage.setItem(NAME_KEY, by);
    try {
      const { json } = await request(`Task/${encodeURIComponent(task.id)}/$${op}`, { method: "POST", body: { ...body, by } });
      tasks = tasks.map((t) => (t.id === json.id ? json : t));
      const now = view(json);
      message.replaceChildren(el("p", { class: "banner", role: "status" }, `${done}: the ${now.rule} alert for ${now.nhs}. It now reads “${now.business}”.`));
      return json;
    } catch (err) {
      return err.message;
    }
  };

  function openTask(id) {
    const dialog = el("dialog", { id: "task-dialog", "aria-labelledby": "task-title" });
    const problem = el("div");
    const close = () => dialog.close();
    const redraw = () => {
      const task = tasks.find((t) => t.id === id);
      const v = view(task);
      const run = async (op, body, done) => {
        const out = await act(task, op, body, done);
        if (typeof out === "string") {
          problem.replaceChildren(errorBox("The change was not made", out));
          return;
        }
        draw();
        redraw();
        dialog.querySelector("button")?.focus();
      };
      const by = () => name.input.value.trim();
      const assignTo = textField("assign-to", "Assign to", { hint: "A person in your organisation" });
      const decision = selectField("decision", "Decision", [{ value: "", label: "Choose a decision" },
        ...vocabulary().decisions.map((d) => ({ value: d.code, label: d.display }))]);
      const note = el("textarea", { id: "decision-note", rows: 2 });
      const reason = el("textarea", { id: "close-reason", rows: 2 });
      const forms = [];
      const op = (heading, ...body) => el("section", { class: "op", "aria-label": heading }, el("h3", {}, heading), ...body);
      if (v.status === "requested") {
        forms.push(op("Acknowledge", el("p", {}, "Confirms your organisation has the alert and stops its escalation."),
          el("button", { type: "button", id: "do-acknowledge", onclick: () => run("acknowledge", {}, "Acknowledged") }, "Acknowledge")));
      }
      if (v.open && v.status !== "requested") {
        forms.push(op("Assign", el("div", { class: "fields" }, assignTo.node, el("div", { class: "field" },
          el("button", { type: "button", id: "do-assign", onclick: () => run("assign", { to: assignTo.input.value.trim() }, "Assigned") }, "Assign")))));
        forms.push(op("Record the decision", el("div", { class: "fields" }, decision.node,
          el("div", { class: "field" }, el("label", { for: "decision-note" }, "Note (optional)"), note)),
          el("p", {}, el("button", { type: "button", id: "do-decide",
            onclick: () => run("decide", { decision: decision.input.value, ...(note.value.trim() ? { note: note.value.trim() } : {}) }, "Decision recorded") }, "Record decision"))));
      }
      if (v.open && v.decision) {
        forms.push(op("Close", el("div", { class: "field" }, el("label", { for: "close-reason" }, "Reason for closing"), reason),
          el("p", {}, el("button", { type: "button", id: "do-close", class: "warning",
            onclick: () => run("close", { reason: reason.value.trim() }, "Closed") }, "Close the Task"))));
      }
      fill(dialog,
        el("h2", { id: "task-title" }, `${v.rule} (${v.severity})`),
        el("p", {}, v.summary),
        v.recommended ? el("p", {}, el("strong", {}, "Recommended action: "), v.recommended) : null,
        el("dl", { class: "summary" },
          el("dt", {}, "Child (NHS number)"), el("dd", {}, v.nhs),
          el("dt", {}, "Status"), el("dd", { id: "task-status" }, v.business),
          el("dt", {}, "Due by"), el("dd", {}, formatDateTime(v.due)),
          el("dt", {}, "Assigned to"), el("dd", {}, v.assignee || "nobody yet"),
          el("dt", {}, "Decision"), el("dd", {}, v.decision || "none yet")),
        v.escalations.length ? el("p", { class: "status-bad" }, `Escalated ${v.escalations.length} time(s), last at ${formatDateTime(v.escalations[v.escalations.length - 1].at)}.`) : null,
        v.closedBecause ? el("p", {}, `Closed: ${v.closedBecause}`) : null,
        problem,
        by() ? el("p", { class: "note" }, `Changes are recorded as made by ${by()}.`)
          : errorBox("Enter your name", "Close this window and enter your name above the list: every change records who made it."),
        ...forms,
        el("p", { class: "op" }, el("button", { type: "button", class: "secondary", id: "task-dialog-close", onclick: close }, "Close this window")));
    };
    dialog.addEventListener("close", () => {
      dialog.remove();
      opener?.focus();
    });
    redraw();
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("button")?.focus();
  }

  show.input.addEventListener("change", draw);
  main.append(el("h1", { tabindex: "-1" }, "Alert triage"),
    el("p", { class: "lede" }, "Your organisation's alert Tasks: acknowledge each one, assign it, record the safeguarding decision and close it. Every change is recorded in the audit log."),
    el("div", { class: "panel fields" }, show.node, name.node,
      el("div", { class: "field" }, el("button", { type: "button", id: "triage-refresh", class: "secondary", onclick: load }, "Refresh"))),
    message, results);
  return load();
}
