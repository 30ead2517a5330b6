// Labelled form controls and the messages every page shows (loading, errors), built the same way everywhere.

import { purposes } from "./api.js";
import { el } from "./format.js";

export function field(id, label, control, hint) {
  if (hint) control.setAttribute("aria-describedby", `${id}-hint`);
  return el("div", { class: "field" }, el("label", { for: id }, label),
    hint ? el("span", { class: "hint", id: `${id}-hint` }, hint) : null, control);
}

export function textField(id, label, { value = "", hint, pattern, inputmode, list, wide = false } = {}) {
  const input = el("input", { id, name: id, type: "text", value, pattern, inputmode, list, class: wide ? "wide" : null,
    autocomplete: "off", spellcheck: "false" });
  return { input, node: field(id, label, input, hint) };
}

export function dateField(id, label, value, hint) {
  const input = el("input", { id, name: id, type: "date", value });
  return { input, node: field(id, label, input, hint) };
}

export function selectField(id, label, options, { value = "", hint, required = false } = {}) {
  const select = el("select", { id, name: id, required },
    options.map((o) => el("option", { value: o.value, selected: o.value === value }, o.label)));
  return { input: select, node: field(id, label, select, hint) };
}

// The coded purpose of use: required, no default when reading a child's records.
export function purposeField(id, { value = "", hint = "Why you are reading the audit log; recorded with the query." } = {}) {
  const options = [{ value: "", label: "Choose a purpose" }, ...purposes().map((p) => ({ value: p.code, label: p.display }))];
  return selectField(id, "Purpose of use", options, { value, hint, required: true });
}

export function datalist(id, values) {
  return el("datalist", { id }, values.map((v) => el("option", { value: v })));
}

export function errorBox(title, message) {
  return el("div", { class: "error-summary", role: "alert" }, el("h2", {}, title), el("p", {}, message));
}

export function loading(text = "Loading…") {
  return el("p", { role: "status", class: "note" }, text);
}

export function fieldError(input, container, title, message) {
  input.setAttribute("aria-invalid", "true");
  container.replaceChildren(errorBox(title, message));
  input.focus();
}

export function clearFieldError(input) {
  input.removeAttribute("aria-invalid");
}
