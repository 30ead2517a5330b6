"""Turn a queued message back into a `Message`, re-validating exactly as ingest did."""
from __future__ import annotations

import json
from datetime import datetime

from hub.core.messages import Caller, Message
from hub.core.identity import canonical_json
from hub.core.validation import validate_message
from hub.ports import Archive


class PoisonMessageError(ValueError):
    """A queued record that can never be processed; it goes to the DLQ after the configured receives."""


def load_message(archive: Archive, queued: dict) -> tuple[Message, dict]:
    """The message and its bundle from a `queued_message` record; the bundle is read back from the
    archive when it travelled by reference."""
    bundle = queued.get("bundle")
    if bundle is None:
        bundle = json.loads(archive.get(queued["archive_uri"]))
    # `now` is the receipt time, so time-bound checks give the same verdict as at ingest.
    kind = queued.get("sender_kind")
    verdict = validate_message(canonical_json(bundle), content_type=None,
                               caller=Caller(queued["sender_ods"], kind) if kind else None,
                               now=datetime.fromisoformat(queued["received_at"]))
    if verdict.message is None:
        raise PoisonMessageError(f"queued message {queued.get('message_id')} no longer validates ({verdict.status})")
    return verdict.message, bundle
