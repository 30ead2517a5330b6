// Safeguarding leads' triage of their organisation's alert Tasks (the Task API).

import { el } from "./format.js";

export const title = "Alert triage";

export function render(main) {
  main.append(el("h1", { tabindex: "-1" }, "Alert triage"),
    el("p", { class: "empty", role: "status" }, "The Task API is not available on this hub yet."));
}
