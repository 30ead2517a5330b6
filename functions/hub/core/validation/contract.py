"""The contract checks on a parsed message Bundle (spec §1-4), producing the normalised ``Message``.

Works on the plain parsed dict, tolerating any shape (the structural model may have failed on the
same input): every accessor checks types, and every fault becomes an issue with a FHIRPath
``expression``. The checks live by role: ``bundle_checks``, ``header_checks``, ``patient_checks``,
``authorisation``, and one focus module per event (``validation/events``) found through the event
registry.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from hub.core.events import EventSpec
from hub.core.facts import Fact, PatientInfo
from hub.core.messages import NS_NHS_NUMBER, Caller, Message
from hub.core.validation.authorisation import check_caller
from hub.core.validation.bundle_checks import check_bundle, check_references
from hub.core.validation.focus_checks import business_key, check_patient_ref
from hub.core.validation.header_checks import check_header
from hub.core.validation.invariants import check_invariants
from hub.core.validation.limits import MAX_ISSUES
from hub.core.validation.outcome import issue
from hub.core.validation.patient_checks import check_patient
from hub.core.validation.values import EMPTY, as_dict, as_list, as_str, identifier_key, parse_datetime


class MessageChecker:
    """One pass of contract checks over a parsed Bundle; collects issues and builds the Message."""

    def __init__(self, bundle: dict, now: datetime, caller: Caller | None):
        self.b = bundle
        self.now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
        self.caller = caller
        self.errors: list[dict] = []  # 422 issues, the first MAX_ISSUES of them
        self.omitted = 0  # 422 issues found past MAX_ISSUES: counted, never built (v1.1)
        self.forbidden: list[dict] = []  # 403 issues
        self.warnings: list[dict] = []  # returned with a 202
        self.entries: list[tuple[int, dict]] = []  # (index, resource)
        self.res_by_idx: dict[int, dict] = {}
        self.by_url: dict[str, int] = {}
        self.event: str | None = None
        self.spec: EventSpec | None = None  # the event's registry entry
        self.event_type: str | None = None
        self.birth: date | None = None
        self.patient: PatientInfo | None = None  # the child, once its Patient entry passed
        self.patient_idx: int | None = None
        self.patient_url: str | None = None
        self.sender_ods: str | None = None

    # -- helpers for the checks
    def err(self, code: str, diagnostics: str, expression: str) -> None:
        if len(self.errors) < MAX_ISSUES:
            self.errors.append(issue(code, diagnostics, expression))
        else:
            self.omitted += 1

    def res_path(self, i: int) -> str:
        return f"Bundle.entry[{i}].resource"

    def resource(self, i: int) -> dict:
        return self.res_by_idx.get(i, EMPTY)

    def resolve(self, ref) -> tuple[int, dict] | None:
        """(entry index, resource) a literal reference names, or None."""
        url = as_str(as_dict(ref).get("reference"))
        if url is None or url not in self.by_url:
            return None
        i = self.by_url[url]
        return i, self.resource(i)

    # -- the whole pass
    def run(self, refs: set[str], locate) -> Message | None:
        """``refs``: every literal reference string in the body; ``locate(bundle, refs)`` -> (path, ref, entry)."""
        check_bundle(self)
        if not self.entries and not self.by_url:
            return None
        check_references(self, refs, locate)
        check_invariants(self)
        focus = check_header(self)
        patient = self.patient = check_patient(self)
        check_caller(self)
        facts = []
        if self.spec is not None:
            if not focus and not any("focus" in e.get("expression", [""])[0] for e in self.errors):
                self.err("required", f"{self.event} needs a {self.spec.focus_type} focus",
                         "Bundle.entry[0].resource.focus")
            for i, res in focus:
                fact = self.focus_fact(self.spec, i, res)
                if fact is not None:
                    facts.append(fact)
        if self.sender_ods is None and not self.errors:
            # never reached by the checks above, but the sender-is-the-caller check must never be skipped
            self.err("required", "the sender's ODS code could not be determined", "Bundle.entry[0].resource.sender")
        if self.errors or self.forbidden or patient is None or self.event is None:
            return None
        return Message(
            message_id=self.resource(0)["id"],
            bundle_id=self.b["id"],
            timestamp=parse_datetime(self.b["timestamp"]),
            event=self.event,
            event_type=self.event_type or "new",
            sender_ods=self.sender_ods,
            patient=patient,
            facts=tuple(facts),
            sender_kind=self.caller.kind if self.caller is not None else None,
            raw=self.b,
        )

    def focus_fact(self, spec: EventSpec, i: int, res: dict) -> Fact | None:
        """Spec §2 for any focus (its id, its child, its business key), then the event's own checks (§4)."""
        p = self.res_path(i)
        rid = as_str(res.get("id"))
        if self.event_type in ("update", "cancel") and not rid:
            self.err("required", f"an {self.event_type} must carry the original focus resource id", f"{p}.id")
        if rid is None:
            rid = (as_str(as_dict(as_list(self.b.get("entry"))[i]).get("fullUrl")) or "").removeprefix("urn:uuid:")
        if spec.patient_element is None:  # the focus is the child's Patient: keyed by its NHS number
            key = None
            for ident in as_list(res.get("identifier")):
                if as_dict(ident).get("system") == NS_NHS_NUMBER:
                    key = identifier_key(ident)
        else:
            check_patient_ref(self, res, p, spec.patient_element)
            key = business_key(self, res, p)
        fact = spec.focus_module().check(self, res, p, key or "", rid)
        return fact if key else None
