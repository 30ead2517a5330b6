"""Spec §2, the Bundle: type, id, timestamp, one unique urn:uuid fullUrl per entry, every literal reference resolved."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.validation.limits import EARLIEST
from hub.core.validation.values import CLOCK_SKEW, URN_UUID_RE, as_dict, as_list, as_str, parse_datetime

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check_bundle(c: MessageChecker) -> None:
    """Indexes the entries (``c.entries``, ``c.res_by_idx``, ``c.by_url``) as it checks them."""
    b = c.b
    if b.get("resourceType") != "Bundle":
        c.err("invalid", "the body must be a FHIR Bundle", "Bundle.resourceType")
    if b.get("type") != "message":
        c.err("value", "Bundle.type must be 'message'", "Bundle.type")
    if not as_str(b.get("id")):
        c.err("required", "Bundle.id is required", "Bundle.id")
    ts = b.get("timestamp")
    sent = parse_datetime(ts)
    if ts is None:
        c.err("required", "Bundle.timestamp is required", "Bundle.timestamp")
    elif sent is None:
        c.err("value", "Bundle.timestamp must be an instant with a time zone", "Bundle.timestamp")
    elif sent > c.now + CLOCK_SKEW:
        # v1.1: "latest" (the child's household, GP) is by Bundle.timestamp, so a sender must not post-date it
        c.err("business-rule", "Bundle.timestamp is later than receipt plus 5 minutes", "Bundle.timestamp")
    elif sent < EARLIEST:
        c.err("business-rule", f"Bundle.timestamp is before {EARLIEST.date().isoformat()}", "Bundle.timestamp")
    entries = b.get("entry")
    if not isinstance(entries, list) or not entries:
        c.err("required", "Bundle.entry is required: a MessageHeader and its resources", "Bundle.entry")
        return
    for i, e in enumerate(entries):
        e = as_dict(e)
        url = e.get("fullUrl")
        if url is None:
            c.err("required", "every entry needs a fullUrl (urn:uuid:)", f"Bundle.entry[{i}].fullUrl")
        elif not isinstance(url, str) or URN_UUID_RE.fullmatch(url) is None:
            c.err("value", "fullUrl must be a urn:uuid: with a lower-case UUID", f"Bundle.entry[{i}].fullUrl")
        elif url in c.by_url:
            c.err("duplicate", f"fullUrl repeats entry[{c.by_url[url]}]", f"Bundle.entry[{i}].fullUrl")
        else:
            c.by_url[url] = i
        res = e.get("resource")
        if not isinstance(res, dict):
            c.err("required", "every entry needs a resource", f"Bundle.entry[{i}].resource")
            continue
        c.entries.append((i, res))
        c.res_by_idx[i] = res
        if i > 0 and res.get("resourceType") == "MessageHeader":
            c.err("structure", "only entry[0] may be a MessageHeader", f"{c.res_path(i)}")


def check_references(c: MessageChecker, refs: set[str], locate) -> None:
    """Every literal reference resolves to an entry fullUrl (or a contained resource).

    ``refs``: every literal reference string in the body; ``locate(bundle, refs)`` -> (path, ref, entry).
    """
    unresolved = {r for r in refs if r not in c.by_url}
    if not unresolved:
        return
    for path, ref, entry_idx in locate(c.b, unresolved):
        if ref in c.by_url:
            continue
        if ref.startswith("#") and entry_idx is not None:
            contained = as_list(c.resource(entry_idx).get("contained"))
            if any(as_dict(x).get("id") == ref[1:] for x in contained):
                continue
        c.err("not-found", f"reference '{ref[:100]}' does not resolve to an entry in this Bundle "
                           "(use a logical reference, identifier only, for resources held elsewhere)", path)
