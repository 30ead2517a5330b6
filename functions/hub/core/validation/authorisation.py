"""Spec §1, authorisation: the sender in the body is the authenticated caller, whose kind may send the event."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.messages import AGENCY_KINDS
from hub.core.validation.outcome import issue

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check_caller(c: MessageChecker) -> None:
    """Adds to ``c.forbidden`` (a 403); no caller (``safeguard validate``) judges content only."""
    caller = c.caller
    if caller is None:
        return
    if caller.kind not in AGENCY_KINDS:
        c.forbidden.append(issue("forbidden", f"callers of kind '{caller.kind}' may not send messages",
                                 "Bundle.entry[0].resource.eventCoding"))
    if c.sender_ods is not None and c.sender_ods != caller.ods:
        c.forbidden.append(issue("forbidden", "the sender in the message is not the authenticated caller",
                                 "Bundle.entry[0].resource.sender"))
    allowed = c.spec.accepted_from if c.spec is not None else None
    if allowed is not None and caller.kind not in allowed:
        c.forbidden.append(issue("forbidden", f"{c.event} is not accepted from {caller.kind}",
                                 "Bundle.entry[0].resource.eventCoding.code"))
