// The console's shell: sign-in (the key, once per browser session), the page router (#/overview ...),
// the session bar, and focus moved to each page's heading so keyboard and screen-reader users follow.

import { clearKey, getKey, keyId, loadVocabulary, looksLikeKey, setKey } from "./api.js";
import { el, zoneLabel } from "./format.js";
import * as chronology from "./chronology.js";
import * as integrity from "./integrity.js";
import * as overview from "./overview.js";
import * as search from "./search.js";
import * as triage from "./triage.js";

const PAGES = { overview, audit: search, integrity, chronology, triage };
const DEFAULT_PAGE = "overview";
const main = document.getElementById("main");

function signIn(next) {
  document.title = "Sign in – Safeguarding Hub console";
  const input = el("input", { id: "api-key", name: "api-key", type: "password", autocomplete: "off", spellcheck: "false",
    "aria-describedby": "api-key-hint", required: true });
  const error = el("div", { id: "sign-in-error" });
  const form = el("form", { class: "panel", novalidate: true },
    el("div", { class: "field" },
      el("label", { for: "api-key" }, "API key"),
      el("span", { class: "hint", id: "api-key-hint" },
        "Your commissioner or agency key (it starts sgh_). It is kept for this browser tab only, until you sign out or close it, and sent to the hub with each request."),
      input),
    el("p", {}, el("button", { type: "submit" }, "Sign in")));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    if (!looksLikeKey(key)) {
      error.replaceChildren(el("div", { class: "error-summary", role: "alert" },
        el("h2", {}, "Check the key"), el("p", {}, "A hub key reads sgh_, a 12 character key id, _ and the secret.")));
      input.setAttribute("aria-invalid", "true");
      input.focus();
      return;
    }
    setKey(key);
    location.hash = `#/${next || DEFAULT_PAGE}`;
    route();
  });
  main.replaceChildren(el("h1", { tabindex: "-1" }, "Sign in"),
    el("p", { class: "lede" }, "Commissioners see the partnership's overview, the audit log and its integrity, and a child's chronology. Safeguarding leads triage their organisation's alerts."),
    error, form);
  input.focus();
}

function sessionBar() {
  const box = document.getElementById("session");
  const key = getKey();
  document.getElementById("nav").hidden = !key;
  if (!key) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(el("span", {}, "Signed in with key ", el("span", { class: "mono" }, keyId(key) || "?")),
    el("button", { type: "button", class: "secondary", id: "sign-out", onclick: () => {
      clearKey();
      location.hash = "#/";
      route();
    } }, "Sign out"));
}

function currentPage() {
  const m = /^#\/([a-z]+)/.exec(location.hash);
  return m && PAGES[m[1]] ? m[1] : null;
}

async function route() {
  sessionBar();
  const name = currentPage();
  if (!getKey()) {
    signIn(name);
    return;
  }
  if (!name) {
    location.replace(`#/${DEFAULT_PAGE}`);
    return;
  }
  for (const a of document.querySelectorAll("nav.pages a")) {
    if (a.getAttribute("href") === `#/${name}`) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const page = PAGES[name];
  document.title = `${page.title} – Safeguarding Hub console`;
  try {
    await loadVocabulary();
  } catch (err) {
    main.replaceChildren(el("h1", { tabindex: "-1" }, page.title), el("div", { class: "error-summary", role: "alert" },
      el("h2", {}, "The console could not start"), el("p", {}, err.message)));
    return;
  }
  main.replaceChildren();
  // each page draws its heading and controls at once, then loads its data
  const loading = page.render(main);
  const heading = main.querySelector("h1");
  if (heading && (document.activeElement === document.body || document.activeElement === null)) heading.focus();
  await loading;
}

// In-page links (#main) are not routes: the skip link moves focus without changing the page.
document.getElementById("skip-link").addEventListener("click", (ev) => {
  ev.preventDefault();
  main.focus();
});
document.getElementById("footer").textContent =
  `Times are shown in your time zone: ${zoneLabel()}. Every figure comes from the hub's audit log and Task API, read with your key.`;
window.addEventListener("hashchange", () => {
  if (location.hash.startsWith("#/")) {
    document.activeElement?.blur();
    route();
  }
});
route();
