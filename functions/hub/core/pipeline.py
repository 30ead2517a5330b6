"""Pure helpers shared by the ingest, router and rules shells."""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime

from hub.core.messages import (
    AppointmentFact, ConcernFact, ExaminationFact, ImmunisationFact, InjuryFact, Message, MobilityFact,
    PlanFact, RegistrationFact, SeenFact,
)

# SQS allows 256 KiB; larger bundles travel by reference to the archive (claim check).
INLINE_LIMIT_BYTES = 200 * 1024
HUB_NAMESPACE = uuid.UUID("5f0c7d1e-3b1a-4c55-9f0e-2a6c1d9b7e11")


def canonical_json(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(raw: dict) -> str:
    """Same content means the same parsed Bundle, whatever the whitespace or key order."""
    return hashlib.sha256(canonical_json(raw)).hexdigest()


def child_ref(nhs_number: str, key: bytes) -> str:
    """Keyed hash of the NHS number: usable as a group id or log field without disclosing it."""
    return hmac.new(key, nhs_number.encode(), hashlib.sha256).hexdigest()


def group_id(msg: Message, key: bytes) -> str:
    """FIFO group: siblings share one, so household rules see their facts in order."""
    basis = f"household:{msg.patient.household}" if msg.patient.household else f"child:{msg.patient.nhs_number}"
    return child_ref(basis, key)[:64]


def disclosure_id(message_id: str, recipient_kind: str, recipient_ods: str) -> str:
    """Deterministic id of one disclosure: the re-addressed MessageHeader.id and the outbox dedup id."""
    return str(uuid.uuid5(HUB_NAMESPACE, f"{message_id}|{recipient_kind}|{recipient_ods}"))


def queued_envelope(msg: Message, *, received_at: datetime, archive_uri: str) -> dict:
    env = {
        "message_id": msg.message_id,
        "received_at": received_at.isoformat(),
        "sender_ods": msg.sender_ods,
        "sender_kind": msg.sender_kind,
        "archive_uri": archive_uri,
    }
    if len(canonical_json(msg.raw)) <= INLINE_LIMIT_BYTES:
        env["bundle"] = msg.raw
    return env


def _fact_summary(f) -> str:
    if isinstance(f, InjuryFact):
        site = f" ({f.body_site})" if f.body_site else ""
        return f"{f.code}{site}, status {f.status}"
    if isinstance(f, ExaminationFact):
        return f"{f.type} started {f.start.isoformat()}"
    if isinstance(f, ImmunisationFact):
        return f"{f.vaccine} dose {f.dose} {f.status}"
    if isinstance(f, AppointmentFact):
        return f"{f.service_type} appointment {'missed' if f.missed else f.status}"
    if isinstance(f, SeenFact):
        return f"{f.type}: child {'seen' if f.seen else 'not seen'}{' alone' if f.seen_alone else ''}"
    if isinstance(f, ConcernFact):
        return f"concern: {f.code}"
    if isinstance(f, MobilityFact):
        return "independently mobile" if f.mobile else "not independently mobile"
    if isinstance(f, PlanFact):
        cat = f" ({f.cp_category})" if f.cp_category else ""
        return f"{f.plan_type or 'plan'}{cat} {f.status}"
    if isinstance(f, RegistrationFact):
        return "registered" + (f" with GP {f.patient.gp_ods}" if f.patient and f.patient.gp_ods else "")
    return type(f).__name__


def summarise(msg: Message) -> str:
    """A one-line, non-identifying description for chronologies and audit."""
    parts = "; ".join(_fact_summary(f) for f in msg.facts[:5])
    prefix = f"{msg.event}" + ("" if msg.event_type == "new" else f" ({msg.event_type})")
    return f"{prefix}: {parts}" if parts else prefix
