"""The Mailboxes fake: what DynamoDBMailboxes keeps, in memory (tests/contract holds them together).

Items are stored as the adapter stores them: by (ODS, message id), the copy as JSON text, an
acknowledged message as a tombstone without content or child. `items` and `delivered()` are for tests.
"""
from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import datetime

from hub.core.mailbox import MailboxMessage, copy_bytes


class InMemoryMailboxes:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[MailboxMessage, str | None]] = {}

    def deliver(self, message: MailboxMessage) -> bool:
        key = (message.ods, message.message_id)
        if key in self.items:
            return False
        text = copy_bytes(message.bundle).decode() if message.bundle is not None else None
        stored = replace(message, bundle=None, size=len(text.encode()) if text else 0, acknowledged_at=None)
        self.items[key] = (stored, text)
        return True

    def _out(self, stored: MailboxMessage, text: str | None, bundle: bool) -> MailboxMessage:
        return replace(stored, bundle=json.loads(text) if bundle and text is not None else None)

    def list(self, ods: str, *, limit: int = 50, after: tuple[datetime, str] | None = None):
        live = sorted(((m.delivered_at, m.message_id), m) for (o, _), (m, _t) in self.items.items()
                      if o == ods and not m.acknowledged)
        page = [m for k, m in live if after is None or k > after]
        return [copy.copy(m) for m in page[:limit]], len(page) > limit

    def get(self, ods: str, message_id: str, *, bundle: bool = True) -> MailboxMessage | None:
        found = self.items.get((ods, message_id))
        return self._out(*found, bundle) if found else None

    def acknowledge(self, ods: str, message_id: str, *, at: datetime) -> str:
        found = self.items.get((ods, message_id))
        if found is None:
            return "absent"
        stored, _ = found
        if stored.acknowledged:
            return "already"
        self.items[(ods, message_id)] = (replace(stored, nhs_number=None, acknowledged_at=at), None)
        return "acknowledged"

    def stale(self, delivered_before: datetime, *, limit: int = 1000) -> list[MailboxMessage]:
        found = sorted((m for m, _ in self.items.values() if not m.acknowledged and m.delivered_at < delivered_before),
                       key=lambda m: (m.delivered_at, m.ods, m.message_id))
        return found[:limit]

    # ---- inspection (tests) ------------------------------------------------------------------
    def delivered(self, ods: str | None = None, kind: str | None = None) -> list[dict]:
        """The copies still unacknowledged (optionally for one ODS or kind), oldest first."""
        live = sorted((m for m, _ in self.items.values() if not m.acknowledged), key=lambda m: (m.delivered_at,
                                                                                               m.message_id))
        return [self.get(m.ods, m.message_id).bundle for m in live
                if (ods is None or m.ods == ods) and (kind is None or m.kind == kind)]
