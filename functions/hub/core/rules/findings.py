"""What a rule reads and returns: the rule context, findings (episodes, with any resolution) and the rule
itself; deterministic alert ids and the evidence behind a finding."""
from __future__ import annotations

import hashlib
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


def make_alert_id(rule: str, nhs_number: str, *parts: str) -> str:
    h = hashlib.sha256("\x1f".join((rule, nhs_number, *parts)).encode("utf-8")).hexdigest()
    return f"{rule}-{h}"


def evidence_of(*items: Item | None) -> tuple[str, ...]:
    out: list[str] = []
    for it in items:
        if it is None:
            continue
        for m in it.evidence:
            if m not in out:
                out.append(m)
    return tuple(out)
