"""Turn a queued message back into a `Message`, re-validating exactly as ingest did."""
from __future__ import annotations

import json
from datetime import datetime

from hub.core.messages import Caller, Message
from hub.core.identity import canonical_json
from hub.core.validation import validate_message


class PoisonMessageError(ValueError):
    """A queued record that can never be processed; it goes to the DLQ after the configured receives."""


def load_message(hub, envelope: dict) -> tuple[Message, dict]:
    bundle = envelope.get("bundle")
    if bundle is None:
        bundle = json.loads(hub.archive.get(envelope["archive_uri"]))
    # `now` is the receipt time, so time-bound checks give the same verdict as at ingest.
    kind = envelope.get("sender_kind")
    verdict = validate_message(canonical_json(bundle), content_type=None,
                               caller=Caller(envelope["sender_ods"], kind) if kind else None,
                               now=datetime.fromisoformat(envelope["received_at"]))
    if verdict.message is None:
        raise PoisonMessageError(f"queued message {envelope.get('message_id')} no longer validates ({verdict.status})")
    return verdict.message, bundle
