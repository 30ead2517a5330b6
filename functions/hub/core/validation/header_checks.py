"""Spec §2, the MessageHeader (entry[0]): id, event code, event type, source, sender and focus."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.events import event_spec
from hub.core.messages import CS_MESSAGE_EVENT, EXT_EVENT_TYPE
from hub.core.validation.limits import MAX_FOCUS
from hub.core.validation.ods_checks import ods_of
from hub.core.validation.values import UUID_RE, as_dict, as_list, as_str
from hub.core.validation.vocabulary import EVENT_TYPES

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check_header(c: MessageChecker) -> list[tuple[int, dict]]:
    """Sets the event, its type and the sender's ODS code on ``c``; -> the focus entries (index, resource) that resolved."""
    entries = as_list(c.b.get("entry"))
    first = as_dict(as_dict(entries[0]).get("resource")) if entries else {}
    if first.get("resourceType") != "MessageHeader":
        c.err("structure", "entry[0] must be a MessageHeader", "Bundle.entry[0].resource")
        return []
    p = "Bundle.entry[0].resource"
    mh = first
    mid = mh.get("id")
    if mid is None:
        c.err("required", "MessageHeader.id (a UUID, the idempotency key) is required", f"{p}.id")
    elif not isinstance(mid, str) or UUID_RE.fullmatch(mid) is None:
        c.err("value", "MessageHeader.id must be a UUID", f"{p}.id")
    _check_event(c, mh, p)
    _check_event_type(c, mh, p)
    src = mh.get("source")
    if not isinstance(src, dict):
        c.err("required", "MessageHeader.source is required", f"{p}.source")
    else:
        if not as_str(src.get("endpoint")):
            c.err("required", "source.endpoint is required", f"{p}.source.endpoint")
        if not isinstance(src.get("contact"), dict):
            c.err("required", "source.contact (how to report a bad message) is required", f"{p}.source.contact")
    _check_sender(c, mh, p)
    return _focus_entries(c, mh, p)


def _check_event(c: MessageChecker, mh: dict, p: str) -> None:
    ec = mh.get("eventCoding")
    if not isinstance(ec, dict):
        c.err("required", "MessageHeader.eventCoding is required", f"{p}.eventCoding")
        return
    if ec.get("system") != CS_MESSAGE_EVENT:
        c.err("code-invalid", f"eventCoding.system must be {CS_MESSAGE_EVENT}", f"{p}.eventCoding.system")
    code = ec.get("code")
    spec = event_spec(code)
    if spec is None:
        c.err("code-invalid", "eventCoding.code is not a hub event code", f"{p}.eventCoding.code")
    elif ec.get("system") == CS_MESSAGE_EVENT:
        c.event, c.spec = code, spec


def _check_event_type(c: MessageChecker, mh: dict, p: str) -> None:
    ext_idx = [k for k, x in enumerate(as_list(mh.get("extension"))) if as_dict(x).get("url") == EXT_EVENT_TYPE]
    if not ext_idx:
        c.err("required", f"the extension {EXT_EVENT_TYPE} (new/update/cancel) is required", f"{p}.extension")
        return
    k = ext_idx[0]
    vc = as_dict(as_list(mh.get("extension"))[k]).get("valueCode")
    if vc not in EVENT_TYPES:
        c.err("code-invalid", "message-event-type valueCode must be new, update or cancel",
              f"{p}.extension[{k}].valueCode")
    else:
        c.event_type = vc
    if len(ext_idx) > 1:
        c.err("structure", "message-event-type appears more than once", f"{p}.extension[{ext_idx[1]}]")


def _check_sender(c: MessageChecker, mh: dict, p: str) -> None:
    sender = mh.get("sender")
    if not isinstance(sender, dict):
        c.err("required", "MessageHeader.sender is required", f"{p}.sender")
        return
    ref = as_str(sender.get("reference"))
    if not ref:
        c.err("required", "sender must reference an Organization entry", f"{p}.sender.reference")
        return
    if ref.startswith("#"):
        # v1.1: a contained sender would leave the sender's ODS code unknown, and with it the check that the
        # sender is the authenticated caller
        c.err("invalid", "sender must reference an Organization entry of the Bundle, never a contained resource",
              f"{p}.sender")
        return
    hit = c.resolve(sender)
    if hit is None:
        return  # reported as not-found; the message then has no sender ODS and is rejected
    j, org = hit
    if org.get("resourceType") != "Organization":
        c.err("invalid", "sender must reference an Organization entry", f"{p}.sender.reference")
    else:
        c.sender_ods = ods_of(c, org, c.res_path(j), "the sender Organization")


def _focus_entries(c: MessageChecker, mh: dict, p: str) -> list[tuple[int, dict]]:
    focus = mh.get("focus")
    out: list[tuple[int, dict]] = []
    if not isinstance(focus, list) or not focus:
        c.err("required", "MessageHeader.focus is required", f"{p}.focus")
        return out
    want = c.spec.focus_type if c.spec is not None else None
    if len(focus) > MAX_FOCUS:
        c.err("too-long", f"a message carries at most {MAX_FOCUS} focus resources", f"{p}.focus")
        focus = focus[:MAX_FOCUS]
    for k, f in enumerate(focus):
        hit = c.resolve(f)
        if not as_str(as_dict(f).get("reference")):
            c.err("required", "focus must reference an entry", f"{p}.focus[{k}].reference")
            continue
        if hit is None:
            continue  # reported as not-found
        j, res = hit
        if want and res.get("resourceType") != want:
            c.err("invalid", f"the focus of {c.event} must be a {want}", f"{p}.focus[{k}]")
            continue
        if any(j == o[0] for o in out):
            c.err("duplicate", "the same focus resource is listed twice", f"{p}.focus[{k}]")
            continue
        out.append((j, res))
    return out
