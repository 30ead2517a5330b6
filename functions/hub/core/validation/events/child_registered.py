"""child-registered (spec §4): the focus is the child's Patient, which must name the registered GP."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.facts import RegistrationFact
from hub.core.validation.values import as_list

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check(c: MessageChecker, res: dict, p: str, key: str, rid: str) -> RegistrationFact | None:
    if not as_list(res.get("generalPractitioner")):
        c.err("required", "child-registered requires generalPractitioner", f"{p}.generalPractitioner")
    if c.patient is None:
        return None
    return RegistrationFact(key=key, resource_id=rid, patient=c.patient)


def focus_schema(s: dict) -> dict:
    s["required"] += ["identifier", "birthDate", "generalPractitioner"]
    return s
