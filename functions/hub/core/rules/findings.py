"""What a rule reads and returns: the rule context, findings (episodes, with any resolution) and the rule
itself; deterministic, keyed alert ids and the evidence behind a finding."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from .config import RulesConfig
from .state import ChildView, Item


@dataclass(frozen=True)
class Resolution:
    at: datetime
    reason: str  # examined | late-report | seen | withdrawn
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    rule: str
    alert_id: str
    raised_at: datetime
    fires_at: datetime | None  # None: emit as soon as known; else not before this instant
    evidence: tuple[str, ...]
    trigger_keys: tuple[str, ...]
    summary: str
    details: dict = field(default_factory=dict)
    episode_end: datetime | None = None  # episode-based rules: a ledger alert raised in [raised_at, end) is this episode
    resolution: Resolution | None = None
    doses: tuple[tuple[str, int], ...] = ()
    since: datetime | None = None  # child-not-seen: the plan start or visit the 10 working days count from
    by_episode: bool = False


@dataclass(frozen=True)
class RuleContext:
    child: ChildView
    household: tuple[ChildView, ...]  # the other children with the same household identifier
    config: RulesConfig


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    lesson: str  # the serious case review lesson behind it
    explanation: str
    recommended_action: str
    evaluate: Callable[[RuleContext], list[Finding]]
    # who receives it: "all" (the lead social worker's LA or the front door, the GP, health visiting) or
    # "la" (the lead social worker's local authority only: a notice for social care)
    recipients: str = "all"
    configuration: tuple[str, ...] = ()  # the RulesConfig fields that tune it


def make_alert_id(key: bytes, rule: str, nhs_number: str, *parts: str) -> str:
    """``<rule>-`` + HMAC-SHA256 (``key``) of the rule, the NHS number and the triggering facts.

    Keyed, because an alert id reaches the audit log, the Tasks and every recipient: an unkeyed hash of
    an NHS number and of facts the audit shows can be reversed by trying every number.
    """
    msg = "\x1f".join(("alert-id", rule, nhs_number, *parts)).encode("utf-8")
    return f"{rule}-{hmac.new(key, msg, hashlib.sha256).hexdigest()}"


def evidence_of(*items: Item | None) -> tuple[str, ...]:
    out: list[str] = []
    for it in items:
        if it is None:
            continue
        for m in it.evidence:
            if m not in out:
                out.append(m)
    return tuple(out)
