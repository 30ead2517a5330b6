"""Replay a folder of messages on an empty hub with a simulated clock (spec section 8).

Pure apart from reading the given files: the clock is simulated, the state is in memory.

Alert ids are keyed (HMAC-SHA256) like a deployed hub's, but replay has no secret: it uses the key in the
``RulesConfig`` it is given, by default the public ``REPLAY_ALERT_KEY`` (hub.core.rules.config), so its ids
are the same on every machine. A deployed or local stack keys them with its own secret, so its ids differ
from replay's by design; compare those by rule, child and ``raised_at``, or replay with
``RulesConfig(alert_key=<that hub's key>)``.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson

from hub.core.messages import NS_ODS, Caller
from hub.core.rules import InMemoryStateRepository, RulesConfig, on_message, on_tick
from hub.core.rules.calendars import parse_iso
from hub.core.validation import Verdict, validate_message

CONTENT_TYPE = "application/fhir+json"

# Kind guessing, in order: Organization.type text/codes, then Organization.name, then the ODS code's shape.
_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("police", r"\bpolice\b|\bconstabulary\b"),
    ("health-visiting", r"health[ -]?visit|\b0-19\b|\bhv\b|public health nurs"),
    ("social-care", r"social[ -]?care|social[ -]?work|children'?s services|\bcouncil\b|local authority|borough"),
    ("gp", r"\bgp\b|general practi|surgery|medical (?:practice|centre|center)|health centre|\bpractice\b"),
    ("hospital", r"hospital|nhs (?:foundation )?trust|infirmary|emergency department|paediatric"),
)
_ODS_SHAPES: tuple[tuple[str, str], ...] = (
    ("gp", r"^[A-HJ-NP-Y]\d{5}$"),  # GP practice: a letter and five digits (e.g. A81001)
    ("police", r"^P\d{1,7}$"),  # synthetic police force codes (P42)
    ("social-care", r"^LA[A-Z0-9]{1,6}$"),  # synthetic local authority codes (LA123)
    ("health-visiting", r"^HV[A-Z0-9]{1,6}$"),  # synthetic health visiting provider codes (HV001)
    ("hospital", r"^R[A-Z0-9]{2}(?:[A-Z0-9]{2})?$"),  # NHS trusts (RX1) and their sites (RX101)
)


@dataclass(frozen=True)
class ReplayResult:
    records: list[dict]
    rejected: list[tuple[Path, Verdict]] = field(default_factory=list)


def guess_kind(org: dict) -> str | None:
    """Guess an agency kind from an Organization resource (see the module constants for the heuristic)."""
    texts: list[str] = []
    for t in org.get("type") or []:
        if isinstance(t, dict):
            texts.append(str(t.get("text") or ""))
            for c in t.get("coding") or []:
                if isinstance(c, dict):
                    texts += [str(c.get("code") or ""), str(c.get("display") or "")]
    for source in (" ".join(texts), str(org.get("name") or "")):
        low = source.lower()
        for kind, pattern in _KEYWORDS:
            if low and re.search(pattern, low):
                return kind
    ods = _ods_of(org)
    if ods:
        for kind, pattern in _ODS_SHAPES:
            if re.match(pattern, ods):
                return kind
    return None


def _ods_of(org: dict) -> str | None:
    for ident in org.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("system") == NS_ODS and isinstance(ident.get("value"), str):
            return ident["value"]
    return None


def sender_of(bundle: dict) -> dict | None:
    """The Organization entry the MessageHeader.sender references, if any."""
    try:
        entries = bundle.get("entry") or []
        header = entries[0]["resource"]
        ref = header["sender"]["reference"]
        for e in entries:
            if isinstance(e, dict) and e.get("fullUrl") == ref and isinstance(e.get("resource"), dict):
                return e["resource"]
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return None


def caller_for(bundle: dict | None, agencies: dict[str, str] | None) -> Caller | None:
    """The caller to validate as: the --agencies entry for the sender's ODS, else the sender with a guessed kind."""
    org = sender_of(bundle) if isinstance(bundle, dict) else None
    ods = _ods_of(org) if org else None
    if ods is None:
        return None
    if agencies and ods in agencies:
        return Caller(ods=ods, kind=agencies[ods])
    kind = guess_kind(org)
    return Caller(ods=ods, kind=kind) if kind else None


def message_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.json") if p.name[:1].isdigit() and p.is_file())


def _timestamp(bundle: dict | None) -> datetime | None:
    try:
        return parse_iso(bundle["timestamp"])
    except (KeyError, TypeError, ValueError):
        return None


def replay(files: list[Path], until: datetime, agencies: list[dict] | None, config: RulesConfig) -> ReplayResult:
    kinds = {a["ods"]: a["kind"] for a in (agencies or [])}
    loaded = []
    for path in files:
        body = path.read_bytes()
        try:
            bundle = orjson.loads(body)
        except orjson.JSONDecodeError:
            bundle = None
        ts = _timestamp(bundle) if isinstance(bundle, dict) else None
        loaded.append((ts, path.name, path, body, bundle))
    # order by Bundle.timestamp, ties by file name; files without a readable timestamp go last
    loaded.sort(key=lambda x: (x[0] is None, x[0] or datetime.min, x[1]))

    repo = InMemoryStateRepository()
    out: list[tuple[datetime, int, dict]] = []
    rejected: list[tuple[Path, Verdict]] = []
    seen: dict[tuple[str, str], str] = {}
    clock: datetime | None = None

    def collect(decision, now: datetime) -> None:
        for s in decision.states:
            repo.put(s)
        for r in decision.records:
            out.append((now, len(out), r))

    def advance(target: datetime) -> None:
        while True:
            due = repo.next_due()
            if due is None or due > target:
                return
            collect(on_tick(repo, config=config, now=due), due)
            if repo.next_due() == due:  # pragma: no cover - evaluate always moves next_due past now
                raise RuntimeError("sweep did not advance")

    for ts, _, path, body, bundle in loaded:
        if ts is not None and (clock is None or ts > clock):
            advance(ts)
            clock = ts
        now = clock or until
        verdict = validate_message(body, content_type=CONTENT_TYPE, caller=caller_for(bundle, kinds), now=now)
        if verdict.status != 202 or verdict.message is None:
            rejected.append((path, verdict))
            continue
        digest = hashlib.sha256(body).hexdigest()
        mid = (verdict.message.sender_ods, verdict.message.message_id)  # ids are unique per sender, as at ingest
        if mid in seen:
            if seen[mid] != digest:  # same MessageHeader.id, different content: the hub answers 409
                rejected.append((path, Verdict(409, _conflict(mid), None)))
            continue  # an identical replay changes nothing
        seen[mid] = digest
        collect(on_message(repo, verdict.message, config=config, now=now), now)
    if clock is None or until > clock:
        advance(until)
    out.sort(key=lambda x: (x[0], x[1]))
    return ReplayResult(records=[r for _, _, r in out], rejected=rejected)


def _conflict(mid: str) -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "duplicate", "diagnostics": "a different message with this MessageHeader.id was already accepted",
                   "expression": ["Bundle.entry[0].resource.id"]}],
    }
