"""An organisation reads its own mailbox: list, fetch, acknowledge; the hub's operators see what waits too long.

Every call is addressed by the caller's own ODS code (from the authorizer), never by a parameter, so an
organisation cannot name another's mailbox: another organisation's message id is simply not found.
Each fetch and the acknowledgement are audited before the caller gets anything (fail closed: no audit
record, no data). An acknowledgement is recorded once, however often it is retried.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from hub.core.audit import AuditEntry
from hub.core.mailbox import MailboxMessage, decode_cursor, encode_cursor, parse_limit, valid_message_id
from hub.core.messages import AGENCY_KINDS

if TYPE_CHECKING:
    from hub.core.messages import Caller
    from hub.ports import AuditLog, Clock, Mailboxes

LEGAL_BASIS = "addressee"  # the recipient reading what the policy already disclosed to it


class NotAnAgency(PermissionError):
    """The caller's kind has no mailbox (e.g. a commissioner's key)."""


@dataclass(frozen=True)
class Page:
    messages: list[dict]
    next_cursor: str | None


class MailboxService:
    def __init__(self, mailboxes: Mailboxes, audit: AuditLog, clock: Clock, *, operator_age_hours: float) -> None:
        self.mailboxes, self.audit, self.clock = mailboxes, audit, clock
        self.operator_age = timedelta(hours=operator_age_hours)

    @staticmethod
    def _agency(caller: Caller | None) -> Caller:
        if caller is None or caller.kind not in AGENCY_KINDS:
            raise NotAnAgency("only an agency has a mailbox")
        return caller

    def list(self, caller: Caller | None, *, limit: str | int | None = None, cursor: str | None = None) -> Page:
        """The caller's unacknowledged messages, oldest first (no content): `MailboxQueryError` on bad paging."""
        caller = self._agency(caller)
        size = parse_limit(limit)
        found, more = self.mailboxes.list(caller.ods, limit=size, after=decode_cursor(caller.ods, cursor))
        last = found[-1] if found and more else None
        return Page([m.summary() for m in found],
                    encode_cursor(caller.ods, last.delivered_at, last.message_id) if last else None)

    def _own(self, caller: Caller, message_id: str, *, bundle: bool) -> MailboxMessage | None:
        return self.mailboxes.get(caller.ods, message_id, bundle=bundle) if valid_message_id(message_id) else None

    def _audit(self, action: str, caller: Caller, m: MailboxMessage, outcome: str, *, once: bool) -> None:
        self.audit.append(AuditEntry(
            action=action, at=self.clock(), actor_ods=caller.ods, actor_kind=caller.kind, event=m.event,
            message_id=m.original_message_id, nhs_number=m.nhs_number, recipient_ods=m.ods, recipient_kind=m.kind,
            legal_basis=LEGAL_BASIS, outcome=outcome, details={"disclosure_id": m.message_id},
            business_key=f"{action}|{m.ods}|{m.message_id}" if once else ""))

    def fetch(self, caller: Caller | None, message_id: str) -> dict | None:
        """The copy, once its read is audited; None when the caller's mailbox holds no such message."""
        caller = self._agency(caller)
        m = self._own(caller, message_id, bundle=True)
        if m is None or m.acknowledged or m.bundle is None:
            return None
        self._audit("mailbox.fetched", caller, m, "200", once=False)
        return m.bundle

    def acknowledge(self, caller: Caller | None, message_id: str) -> str | None:
        """"acknowledged" (now, or already before); None when the caller's mailbox holds no such message."""
        caller = self._agency(caller)
        m = self._own(caller, message_id, bundle=False)
        if m is None:
            return None
        if m.acknowledged:
            return "acknowledged"
        # audited first: a failure after it leaves the message in the mailbox, and the retry finds its record
        self._audit("mailbox.acknowledged", caller, m, "acknowledged", once=True)
        outcome = self.mailboxes.acknowledge(caller.ods, message_id, at=self.clock())
        return None if outcome == "absent" else "acknowledged"

    def stale(self, *, limit: int = 1000) -> list[dict]:
        """For the hub's operators: unacknowledged messages older than the configured age, any mailbox,
        without content or child."""
        now = self.clock()
        return [m.operator_view(now) for m in self.mailboxes.stale(now - self.operator_age, limit=limit)]
