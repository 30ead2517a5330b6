"""FHIR R4's own invariants on every entry of a message, each fault located by FHIRPath (issue 15).

ext-1 (an extension has either sub-extensions or a value[x], never both, never neither) is checked with the
structure, in the Extension model's choice check (`primitives.choice_check`), so it costs nothing here.
A walk over the message checks the element-level rules:
- ele-1: every element has a value or children (no `{}`, `[]` or `""` anywhere; the structure already
  refuses empty arrays and strings, so in practice this finds empty objects);
- per-1: a Period's start is not after its end;
- ref-1: a local reference (`#id`) names one of the resource's contained resources;
and it collects what the resource-level rules need:
- dom-2..dom-5 on contained resources: none nested, each referred to from the resource (or referring
  to it with `#`), none with meta.versionId, meta.lastUpdated or a security label;
- Observation obs-3, obs-6, obs-7; Appointment app-1..app-4 (app-2 and app-3 as warnings, see below).
dom-6 ("a resource should have narrative") is a best-practice warning in R4, which no agency
message here carries; it is not reported, so that every message does not come back with a warning.
R4 declares no invariants of its own on Encounter, EpisodeOfCare or Immunization: their Periods get
per-1 and their contained resources dom-2..dom-5, as every resource's do.

The walk is Python over every element, ~45 us a message; so it runs only when the compact JSON of the
message holds what one of its rules looks at (an empty value, a Period with an end, a local reference),
a few microseconds of byte search at C speed. A resource with contained resources that was not walked
has its local references collected for dom-3.
"""
from __future__ import annotations

from typing import Any

import orjson

from hub.core.validation.outcome import issue
from hub.core.validation.values import as_dict, as_list, as_str

_APPOINTMENT_UNDATED_OK = frozenset(("proposed", "cancelled", "waitlist"))
_APPOINTMENT_CANCELLED = frozenset(("cancelled", "noshow", "no-show"))  # R4 codes noshow; app-4 spells it no-show


class _Walk:
    """The element-level rules over one resource; keeps its local references for ref-1 and dom-3."""

    __slots__ = ("c", "local_refs", "report")

    def __init__(self, checker, report: bool = True) -> None:
        self.c = checker
        self.report = report  # False: only collect the local references (the rules ran in _walk_all)
        self.local_refs: list[tuple[str, str]] = []  # (#id, where)

    def element(self, d: dict, path: str) -> None:
        for key, v in d.items():
            if type(v) is dict:
                if not v:
                    self._ele1(f"{path}.{key}")
                    continue
                if key.endswith("eriod"):
                    self._per1(v, f"{path}.{key}")
                self.element(v, f"{path}.{key}")
            elif type(v) is list:
                self.array(key, v, f"{path}.{key}")
            elif type(v) is str:
                if not v:
                    self._ele1(f"{path}.{key}")
                elif v[0] == "#" and key == "reference":
                    self.local_refs.append((v, f"{path}.{key}"))

    def array(self, key: str, items: list, path: str) -> None:
        if not items:
            self._ele1(path)
            return
        for i, item in enumerate(items):
            t = type(item)
            if t is dict:
                where = f"{path}[{i}]"
                if not item:
                    self._ele1(where)
                    continue
                if key.endswith("eriod"):
                    self._per1(item, where)
                self.element(item, where)
            elif t is str and not item:
                self._ele1(f"{path}[{i}]")
            elif t is list:  # FHIR has no arrays of arrays; the structural check reports the type
                continue

    def _ele1(self, where: str) -> None:
        if self.report:
            self.c.err("invariant", "ele-1: an element must have a value or children (no empty object, array or "
                       "string)", where)

    def _per1(self, period: dict, where: str) -> None:
        start, end = as_str(period.get("start")), as_str(period.get("end"))
        if self.report and start and end and _start_after_end(start, end):
            self.c.err("invariant", "per-1: a Period's start must not be after its end", f"{where}.start")


def _start_after_end(start: str, end: str) -> bool:
    """FHIR dates and dateTimes compared as text where that is exact: whole values when both have the same
    shape (precision and offset), otherwise the date part at the precision both share, so that 2011-10
    is not "after" 2011-10-12 and no two offsets are compared as text."""
    if len(start) == len(end) and start[19:] == end[19:]:
        return start > end
    n = min(len(start), len(end), 10)
    return start[:n] > end[:n]


def check_invariants(c) -> None:
    """The Bundle, its entries and every entry resource (``c``: the MessageChecker of contract.py)."""
    try:
        text = orjson.dumps(c.b)
    except (TypeError, orjson.JSONEncodeError):  # not JSON-shaped: the structure has said so
        return
    walked: dict[int, list[tuple[str, str]]] = {}  # entry index -> its local references
    if b"{}" in text or b"[]" in text or b'""' in text or b'"#' in text or (b'eriod":' in text and b'"end":' in text):
        walked = _walk_all(c)
    for i, res in c.entries:
        if type(res) is not dict:
            continue
        p = c.res_path(i)
        if "contained" in res:
            refs = walked.get(i)
            if refs is None:  # not walked above: collect its local references only
                walk = _Walk(c, report=False)
                walk.element(res, p)
                refs = walk.local_refs
            _contained(c, res, p, refs)
        kind = res.get("resourceType")
        if kind == "Observation":
            _observation(c, res, p)
        elif kind == "Appointment":
            _appointment(c, res, p)


def _walk_all(c) -> dict[int, list[tuple[str, str]]]:
    """ele-1, per-1 and ref-1 over the Bundle, its entries and their resources; each resource's local references."""
    top = _Walk(c)
    top.element({k: v for k, v in c.b.items() if k != "entry"}, "Bundle")
    entries = as_list(c.b.get("entry"))
    if "entry" in c.b and not entries and isinstance(c.b.get("entry"), list):
        top._ele1("Bundle.entry")
    for i, entry in enumerate(entries):
        if type(entry) is dict:
            if not entry:
                top._ele1(f"Bundle.entry[{i}]")
            top.element({k: v for k, v in entry.items() if k != "resource"}, f"Bundle.entry[{i}]")
    refs = {}
    for i, res in c.entries:
        if type(res) is dict:
            walk = _Walk(c)
            walk.element(res, c.res_path(i))
            _local_refs(c, res, walk.local_refs)
            refs[i] = walk.local_refs
    return refs


def _local_refs(c, res: dict, local_refs: list[tuple[str, str]]) -> None:
    """ref-1: each local reference names a contained resource of its resource."""
    ids = {as_str(as_dict(x).get("id")) for x in as_list(res.get("contained"))} - {None}
    for ref, where in local_refs:
        if ref != "#" and ref[1:] not in ids:
            c.err("invariant", f"ref-1: the local reference {ref!r} names no contained resource", where)


def _contained(c, res: dict, p: str, local_refs: list[tuple[str, str]]) -> None:
    """dom-2..dom-5 on the resource's contained resources."""
    contained = [as_dict(x) for x in as_list(res.get("contained"))]
    if not contained:
        return
    referred = {ref[1:] for ref, where in local_refs if ".contained[" not in where[len(p):]}
    for j, cr in enumerate(contained):
        cp = f"{p}.contained[{j}]"
        if "contained" in cr:
            c.err("invariant", "dom-2: a contained resource must not contain resources", f"{cp}.contained")
        meta = as_dict(cr.get("meta"))
        if "versionId" in meta or "lastUpdated" in meta:
            c.err("invariant", "dom-4: a contained resource must not have meta.versionId or meta.lastUpdated",
                  f"{cp}.meta")
        if "security" in meta:
            c.err("invariant", "dom-5: a contained resource must not have a security label", f"{cp}.meta.security")
        cid = as_str(cr.get("id"))
        refers_back = any(ref == "#" and where.startswith(cp + ".") for ref, where in local_refs)
        if cid not in referred and not refers_back:
            c.err("invariant", "dom-3: a contained resource must be referred to from elsewhere in the resource",
                  cp)


def _codes(concept: Any) -> set[tuple[Any, Any]]:
    return {(as_dict(x).get("system"), as_dict(x).get("code")) for x in as_list(as_dict(concept).get("coding"))}


def _has_value(d: dict) -> bool:
    return any(k.startswith("value") for k in d)


def _observation(c, res: dict, p: str) -> None:
    if "dataAbsentReason" in res and _has_value(res):
        c.err("invariant", "obs-6: dataAbsentReason only when there is no value[x]", f"{p}.dataAbsentReason")
    own = _codes(res.get("code"))
    for k, comp in enumerate(as_list(res.get("component"))):
        comp = as_dict(comp)
        if own & _codes(comp.get("code")) and _has_value(comp):
            c.err("invariant", "obs-7: a component with the Observation's own code must not carry a value",
                  f"{p}.component[{k}]")
    for k, rng in enumerate(as_list(res.get("referenceRange"))):
        rng = as_dict(rng)
        if not ({"low", "high", "text"} & rng.keys()):
            c.err("invariant", "obs-3: a reference range needs a low, a high or a text", f"{p}.referenceRange[{k}]")


def _appointment(c, res: dict, p: str) -> None:
    status = as_str(res.get("status"))
    has_start, has_end = "start" in res, "end" in res
    # app-2 and app-3 are warnings: the contract asks an appointment-outcome for its start only (spec §4),
    # so a sender that follows it to the letter is told, not refused
    if has_start != has_end:
        c.warnings.append(issue("invariant", "app-2: an appointment has both start and end, or neither",
                                f"{p}.{'end' if has_start else 'start'}", severity="warning"))
    elif not has_start and status not in _APPOINTMENT_UNDATED_OK:
        c.warnings.append(issue("invariant", "app-3: only proposed, cancelled or waitlisted appointments may "
                                "have no start and end", f"{p}.start", severity="warning"))
    if "cancelationReason" in res and status not in _APPOINTMENT_CANCELLED:
        c.err("invariant", "app-4: a cancellation reason only on a cancelled or no-show appointment",
              f"{p}.cancelationReason")
    for k, part in enumerate(as_list(res.get("participant"))):
        part = as_dict(part)
        if not ({"type", "actor"} & part.keys()):
            c.err("invariant", "app-1: a participant needs a type or an actor", f"{p}.participant[{k}]")
