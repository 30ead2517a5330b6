"""Per-child state: the facts known about one child, by clinical time, plus the alert ledger.

Pure and serialisable (``to_item``/``from_item``). Facts are kept per business
identifier; the version with the latest ``(Bundle.timestamp, MessageHeader.id)``
wins, so any arrival order yields the same state. A cancel (or an Observation
``entered-in-error``) leaves a tombstone so an older version arriving later
cannot revive the fact.

Relationships the hub routes and addresses alerts by (README, "Trust rules"): the registered GP comes
only from ``child-registered`` messages, the health visiting organisation only from the authenticated
sender of a ``health-visiting`` message, the household from the latest Patient data of any message. The
history of registered GP and household values (``relations``) keeps the first and last message of each
run of one value, so the rules see each change whatever order the messages arrive in.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any

from hub.core.events import event_spec, event_specs, spec_for_fact, spec_for_slot
from hub.core.facts import RegistrationFact
from hub.core.messages import Message

from .calendars import iso, parse_iso

STATE_FORMAT = 3  # 2: ledger entries with named keys (format 1 items still read); 3: relations history
RELATIONS = ("gp", "household")  # the relationships whose changes are kept (README, "Trust rules")

# the slots child state gives special treatment (the registry names every slot)
REGISTRATION = "reg"  # carries Patient data, kept as patient values rather than fact data
REGISTERED = "child-registered"  # the only event the registered GP is taken from (spec §6, v1.1)
PLAN_START, PLAN_END = "plan-start", "plan-end"  # one plan: a cancelled start withdraws its end; the view merges them


def fact_kind(fact: Any, event: str) -> str:
    """The state slot of a fact: its event's, or (a fact sent under another event) its own fact's."""
    spec = event_spec(event)
    if spec is None or type(fact) is not spec.fact:
        spec = spec_for_fact(fact)
        if spec is None:
            raise KeyError(type(fact))
    return spec.state_slot


@functools.lru_cache(maxsize=None)
def _datetime_fields(cls: type) -> frozenset[str]:
    """Pure cache: the fact fields stored as ISO strings (annotated datetime)."""
    return frozenset(f.name for f in fields(cls) if "datetime" in str(f.type))


def _fact_to_data(fact: Any) -> dict:
    out: dict = {}
    for f in fields(fact):
        if f.name in ("key", "resource_id", "patient"):
            continue
        v = getattr(fact, f.name)
        if v is None or v == () or v == "":
            continue
        if isinstance(v, datetime):
            v = iso(v)
        elif isinstance(v, tuple):
            v = list(v)
        out[f.name] = v
    return out


def _data_to_fact(kind: str, key: str, rid: str, data: dict) -> Any:
    cls = spec_for_slot(kind).fact
    when = _datetime_fields(cls)
    kw: dict = {"key": key, "resource_id": rid}
    for name, v in data.items():
        if name in when and isinstance(v, str):
            v = parse_iso(v)
        elif isinstance(v, list):
            v = tuple(v)
        kw[name] = v
    return cls(**kw)


# ledger entries were stored with one-letter keys before STATE_FORMAT 2
_LEDGER_KEYS_V1 = {"r": "rule", "at": "raised_at", "w": "withdrawn", "res": "resolution"}


def _ledger_entry(stored: dict) -> dict:
    entry = {_LEDGER_KEYS_V1.get(k, k): v for k, v in stored.items()}
    res = entry.get("resolution")
    if isinstance(res, dict) and "at" in res:
        entry["resolution"] = {("resolved_at" if k == "at" else k): v for k, v in res.items()}
    return entry


def _version_gt(a: tuple[str, str], b: tuple[str, str]) -> bool:
    # (iso UTC timestamp, message id); iso strings of equal format sort by time
    return (parse_iso(a[0]), a[1]) > (parse_iso(b[0]), b[1])


@dataclass
class FactRecord:
    kind: str
    key: str
    rid: str
    ts: str  # Bundle.timestamp of the winning version (iso UTC)
    mid: str  # its MessageHeader.id
    withdrawn: bool
    data: dict
    evidence: list[list[str]]  # [Bundle.timestamp, MessageHeader.id] of every message that carried this fact, in order
    owner: str = ""  # ODS code of the agency that first stated it: only it may update or withdraw the fact

    @property
    def evidence_ids(self) -> tuple[str, ...]:
        return tuple(m for _, m in self.evidence)

    def add_evidence(self, ts: str, mid: str) -> None:
        if any(m == mid for _, m in self.evidence):
            return
        self.evidence.append([ts, mid])
        self.evidence.sort(key=lambda e: (parse_iso(e[0]), e[1]))

    def fact(self) -> Any:
        return _data_to_fact(self.kind, self.key, self.rid, self.data)

    def to_item(self) -> dict:
        d = {"k": self.kind, "key": self.key, "rid": self.rid, "ts": self.ts, "mid": self.mid, "d": self.data, "ev": self.evidence}
        if self.withdrawn:
            d["w"] = True
        if self.owner:
            d["o"] = self.owner
        return d

    @classmethod
    def from_item(cls, d: dict) -> "FactRecord":
        return cls(d["k"], d["key"], d.get("rid", ""), d["ts"], d["mid"], bool(d.get("w", False)), dict(d.get("d", {})),
                   [list(e) for e in d.get("ev", [])], d.get("o", ""))


@dataclass
class ChildState:
    nhs_number: str
    facts: dict[str, FactRecord] = field(default_factory=dict)  # "<kind>|<key>" -> record
    # latest Patient data by Bundle.timestamp, per element: name -> [value, ts, mid]
    patient: dict[str, list] = field(default_factory=dict)
    # alert_id -> {"rule", "raised_at" (iso), optional "doses" [[vaccine, dose]], "since" (iso),
    # "withdrawn" (True), "resolution" {"resolved_at" (iso), "reason"}}
    ledger: dict[str, dict] = field(default_factory=dict)
    next_due: str | None = None  # iso UTC; the next instant a time-based rule could become true
    version: int = 0
    # "gp" | "household" -> [[value, ts, mid], ...] by (ts, mid): the first and last message of each run
    relations: dict[str, list] = field(default_factory=dict)

    # ---- patient data -------------------------------------------------------
    def _patient_value(self, name: str) -> Any:
        v = self.patient.get(name)
        return v[0] if v else None

    @property
    def birth_date(self) -> date | None:
        v = self._patient_value("birth_date")
        return date.fromisoformat(v) if v else None

    @property
    def gp_ods(self) -> str | None:
        return self._patient_value("gp")

    @property
    def household(self) -> str | None:
        return self._patient_value("household")

    @property
    def hv_ods(self) -> str | None:
        return self._patient_value("hv")

    @property
    def next_due_at(self) -> datetime | None:
        return parse_iso(self.next_due) if self.next_due else None

    def _set_patient(self, name: str, value: Any, ts: str, mid: str) -> None:
        if value is None:
            return
        cur = self.patient.get(name)
        if cur is None or _version_gt((ts, mid), (cur[1], cur[2])):
            self.patient[name] = [value, ts, mid]
        if name in RELATIONS:
            self._note_relation(name, value, ts, mid)

    def _note_relation(self, name: str, value: str, ts: str, mid: str) -> None:
        points = self.relations.setdefault(name, [])
        if any(p[2] == mid for p in points):
            return
        points.append([value, ts, mid])
        points.sort(key=lambda p: (parse_iso(p[1]), p[2]))
        # keep only the ends of each run of one value: the changes, and where a late message may split a run
        self.relations[name] = [p for i, p in enumerate(points)
                                if i == 0 or i == len(points) - 1
                                or not (points[i - 1][0] == p[0] == points[i + 1][0])]

    # ---- applying a message ------------------------------------------------
    def apply(self, msg: Message) -> None:
        ts, mid = iso(msg.timestamp), msg.message_id
        p = msg.patient
        # v1.1: the registered GP comes only from child-registered; any other message's generalPractitioner
        # is the sender's claim and never readdresses the child's disclosures or alerts
        registration = msg.event == REGISTERED
        if p is not None:
            self._set_patient("birth_date", p.birth_date.isoformat() if p.birth_date else None, ts, mid)
            if registration:
                self._set_patient("gp", p.gp_ods, ts, mid)
            self._set_patient("household", p.household, ts, mid)
        if msg.sender_kind == "health-visiting":
            self._set_patient("hv", msg.sender_ods, ts, mid)
        for fact in msg.facts:
            if isinstance(fact, RegistrationFact) and fact.patient is not None and fact.patient is not p:
                q = fact.patient
                self._set_patient("birth_date", q.birth_date.isoformat() if q.birth_date else None, ts, mid)
                if registration:
                    self._set_patient("gp", q.gp_ods, ts, mid)
                self._set_patient("household", q.household, ts, mid)
            kind = fact_kind(fact, msg.event)
            withdrawn = msg.event_type == "cancel" or getattr(fact, "status", None) == "entered-in-error"
            slot = f"{kind}|{fact.key}"
            rec = self.facts.get(slot)
            if rec is not None and kind != REGISTRATION and rec.owner and msg.sender_ods and rec.owner != msg.sender_ods:
                # another agency reusing a business identifier states a fact of its own: it can neither update
                # nor withdraw what the first agency said (trust nothing a sender says about anyone else)
                fact = replace(fact, key=f"{fact.key}@{msg.sender_ods}")
                slot = f"{kind}|{fact.key}"
                rec = self.facts.get(slot)
            data = {} if kind == REGISTRATION else _fact_to_data(fact)
            if rec is None:
                self.facts[slot] = FactRecord(kind, fact.key, fact.resource_id, ts, mid, withdrawn, data, [[ts, mid]],
                                              msg.sender_ods or "")
                continue
            rec.add_evidence(ts, mid)
            if _version_gt((ts, mid), (rec.ts, rec.mid)):
                rec.ts, rec.mid, rec.withdrawn, rec.rid = ts, mid, withdrawn, fact.resource_id or rec.rid
                if not withdrawn:
                    rec.data = data
            # a cancelled plan-start withdraws the whole plan
            if kind == PLAN_START and withdrawn:
                end = self.facts.get(f"{PLAN_END}|{fact.key}")
                if end is not None and not end.withdrawn and _version_gt((ts, mid), (end.ts, end.mid)):
                    end.withdrawn, end.ts, end.mid = True, ts, mid
        self.version += 1

    # ---- serialisation -----------------------------------------------------
    def to_item(self) -> dict:
        item: dict = {
            "fmt": STATE_FORMAT,
            "nhs_number": self.nhs_number,
            "facts": [r.to_item() for _, r in sorted(self.facts.items())],
            "patient": {k: list(v) for k, v in sorted(self.patient.items())},
            "ledger": [dict(v, id=k) for k, v in sorted(self.ledger.items())],
            "version": self.version,
        }
        if self.relations:
            item["relations"] = {k: [list(p) for p in v] for k, v in sorted(self.relations.items())}
        if self.next_due:
            item["next_due"] = self.next_due
        if self.household:
            item["household"] = self.household
        return item

    @classmethod
    def from_item(cls, item: dict) -> "ChildState":
        facts = {}
        for d in item.get("facts", []):
            r = FactRecord.from_item(d)
            facts[f"{r.kind}|{r.key}"] = r
        ledger = {}
        for e in item.get("ledger", []):
            e = _ledger_entry(e)
            ledger[e.pop("id")] = e
        return cls(
            nhs_number=item["nhs_number"],
            facts=facts,
            patient={k: list(v) for k, v in item.get("patient", {}).items()},
            ledger=ledger,
            next_due=item.get("next_due"),
            version=int(item.get("version", 0)),
            relations={k: [list(p) for p in v] for k, v in item.get("relations", {}).items()},
        )

    def copy(self) -> "ChildState":
        return ChildState.from_item(self.to_item())

    # ---- views for the rules ---------------------------------------------
    def view(self) -> "ChildView":
        return ChildView.build(self)


@dataclass(frozen=True)
class Item:
    """A current (not withdrawn) fact with the MessageHeader ids behind it."""

    fact: Any
    evidence: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.fact.key


@dataclass(frozen=True)
class ChildView:
    nhs_number: str
    birth_date: date | None
    household: str | None
    plans: tuple[Item, ...]  # merged plan-start + plan-end per plan key
    plan_ends: tuple[Item, ...]  # plan-ended records (closure details), merged with their start
    injuries: tuple[Item, ...]
    exams: tuple[Item, ...]
    immunisations: tuple[Item, ...]
    appointments: tuple[Item, ...]
    seen: tuple[Item, ...]
    concerns: tuple[Item, ...]
    mobility: tuple[Item, ...]
    # "gp" | "household" -> ((value, Bundle.timestamp, MessageHeader.id), ...) in time order (ChildState.relations)
    relations: dict = field(default_factory=dict)

    @classmethod
    def build(cls, s: ChildState) -> "ChildView":
        specs = event_specs()
        by: dict[str, list[Item]] = {spec.state_slot: [] for spec in specs}
        starts: dict[str, FactRecord] = {}
        ends: dict[str, FactRecord] = {}
        for slot in sorted(s.facts):
            r = s.facts[slot]
            if r.withdrawn:
                continue
            if r.kind == PLAN_START:
                starts[r.key] = r
            elif r.kind == PLAN_END:
                ends[r.key] = r
            else:
                by[r.kind].append(Item(r.fact(), r.evidence_ids))
        plans, plan_ends = [], []
        for key in sorted(set(starts) | set(ends)):
            st, en = starts.get(key), ends.get(key)
            merged = st.fact() if st else None
            ev = list(st.evidence_ids) if st else []
            if en is not None:
                ef = en.fact()
                if merged is None:
                    merged = ef
                else:
                    over = {f.name: getattr(ef, f.name) for f in fields(ef) if f.name not in ("key", "resource_id")}
                    over = {k: v for k, v in over.items() if v is not None and not (k == "status" and v == "active")}
                    merged = replace(merged, **over)
                ev += [m for m in en.evidence_ids if m not in ev]
                plan_ends.append(Item(merged, tuple(ev)))
            if st is not None:
                plans.append(Item(merged, tuple(ev)))

        def srt(items: list[Item], attr: str) -> tuple[Item, ...]:
            return tuple(sorted(items, key=lambda i: (getattr(i.fact, attr), i.key)))

        lists: dict[str, tuple[Item, ...]] = {"plans": tuple(plans), "plan_ends": tuple(plan_ends)}
        for spec in specs:
            if spec.view is not None and spec.view not in lists:
                when = spec.clinical_time[0]  # facts without a clinical time are kept but not listed
                lists[spec.view] = srt([i for i in by[spec.state_slot] if getattr(i.fact, when)], when)
        relations = {k: tuple((p[0], parse_iso(p[1]), p[2]) for p in v) for k, v in s.relations.items()}
        return cls(nhs_number=s.nhs_number, birth_date=s.birth_date, household=s.household, relations=relations,
                   **lists)
