// Audit integrity: each hash chain's verification and the latest signed digest (GET /audit/verification).

import { request } from "./api.js";
import { el, fill, formatCount, formatDateTime, table } from "./format.js";
import { errorBox, loading } from "./forms.js";

export const title = "Audit integrity";

const short = (hash) => (hash ? `${hash.slice(0, 12)}…` : "");

function chainsTable(chains) {
  return el("div", { class: "table-wrap" }, table("Verification of each chain",
    [{ label: "Chain" }, { label: "Records checked", num: true }, { label: "Last seq", num: true }, { label: "Last hash" },
      { label: "Status" }, { label: "First problem" }],
    chains.map((c) => {
      const p = c.problems[0];
      return [c.chain, formatCount(c.checked), formatCount(c.last_seq), el("span", { class: "mono", title: c.last_hash }, short(c.last_hash)),
        c.ok ? el("span", { class: "status-ok" }, "Intact") : el("span", { class: "status-bad" }, `${c.problems.length} problem(s)`),
        p ? `${p.kind} at seq ${p.seq}: ${p.message}` : ""];
    })));
}

function digestSection(d) {
  const out = [el("h2", {}, "Latest signed digest")];
  if (!d.present) {
    out.push(el("p", { class: "banner none", id: "digest-status" }, el("span", { class: "status-none" }, "No digest yet. "),
      `${d.note || ""}. The hub signs the chain heads on a schedule; until the first digest, a chain rewritten wholesale cannot be detected.`));
    return out;
  }
  out.push(el("p", { class: `banner ${d.ok ? "" : "bad"}`, id: "digest-status" }, d.ok
    ? el("span", { class: "status-ok" }, "Signature valid and every chain still holds its signed head.")
    : el("span", { class: "status-bad" }, `Digest does not verify: ${d.error || "unknown error"}`)));
  out.push(el("dl", { class: "summary" },
    el("dt", {}, "Signed at"), el("dd", {}, formatDateTime(d.generated_at)),
    el("dt", {}, "Chains signed"), el("dd", {}, formatCount(Object.keys(d.chains || {}).length)),
    el("dt", {}, "MAC"), el("dd", {}, `${d.mac_algorithm || ""} with KMS key `, el("span", { class: "mono" }, d.key_id || "")),
    el("dt", {}, "Stored as"), el("dd", { class: "mono" }, d.key)));
  out.push(el("div", { class: "table-wrap" }, table("Signed chain heads",
    [{ label: "Chain" }, { label: "Seq", num: true }, { label: "Hash" }, { label: "Head written" }],
    Object.entries(d.chains || {}).map(([chain, h]) => [chain, formatCount(h.seq || 0), el("span", { class: "mono", title: h.hash }, short(h.hash)),
      formatDateTime(h.at)]))));
  return out;
}

async function load(results) {
  results.replaceChildren(loading("Verifying every chain…"));
  try {
    const { json } = await request("audit/verification");
    const bad = json.chains.filter((c) => !c.ok);
    fill(results,
      el("p", { class: `banner ${json.ok ? "" : "bad"}`, id: "integrity-status" }, json.ok
        ? el("span", { class: "status-ok" }, "Audit log intact")
        : el("span", { class: "status-bad" }, bad.length ? `Tampering found in ${bad.length} chain(s)` : "The signed digest does not verify"),
        ` — ${formatCount(json.records_checked)} records in ${json.chains.length} chains checked at ${formatDateTime(json.checked_at)}.`),
      el("h2", {}, "Hash chains"), chainsTable(json.chains), ...digestSection(json.digest));
  } catch (err) {
    results.replaceChildren(errorBox("The audit log could not be verified", err.message));
  }
}

export function render(main) {
  const results = el("div", { id: "integrity-results", "aria-live": "polite" });
  main.append(el("h1", { tabindex: "-1" }, "Audit integrity"),
    el("p", { class: "lede" }, "Each audit record carries the hash of the one before it; the hub signs the chain heads with a key held in KMS. An edited, deleted or inserted record breaks a chain; a rewritten chain no longer matches the signed digest."),
    el("p", {}, el("button", { type: "button", id: "verify-now", onclick: () => load(results) }, "Verify again")),
    results);
  return load(results);
}
