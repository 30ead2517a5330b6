"""immunisation-recorded (spec §4): Immunizations, completed or not-done (with a reason), with a hub vaccine
code, the dose number and the time. A UK Core VaccinationProcedure SNOMED code that disagrees with the hub
coding is a warning: the hub coding is used."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.facts import ImmunisationFact
from hub.core.messages import CS_VACCINE
from hub.core.validation.focus_checks import clinical_time
from hub.core.validation.json_schema import cc_with, dt
from hub.core.validation.outcome import issue
from hub.core.validation.values import as_dict, as_list
from hub.core.validation.vocabulary import (
    EXT_UKCORE_VACCINATION_PROCEDURE, SNOMED, UKCORE_VACCINATION_PROCEDURE, VACCINE_CODES,
)

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check(c: MessageChecker, res: dict, p: str, key: str, rid: str) -> ImmunisationFact:
    st = res.get("status")
    if st not in ("completed", "not-done"):
        c.err("code-invalid", "Immunization.status must be completed or not-done", f"{p}.status")
    if st == "not-done" and not isinstance(res.get("statusReason"), dict):
        c.err("required", "a not-done Immunization requires statusReason", f"{p}.statusReason")
    vaccine = _vaccine(c, res, p)
    dose = None
    pa = as_list(res.get("protocolApplied"))
    if not pa:
        c.err("required", "protocolApplied[0].doseNumberPositiveInt is required", f"{p}.protocolApplied")
    else:
        dose = as_dict(pa[0]).get("doseNumberPositiveInt")
        if not isinstance(dose, int) or isinstance(dose, bool) or dose < 1:
            c.err("required", "protocolApplied[0].doseNumberPositiveInt is required",
                  f"{p}.protocolApplied[0].doseNumberPositiveInt")
            dose = None
    occ = clinical_time(c, res, p, "occurrenceDateTime")
    _compare_vaccination_procedure(c, res, p, vaccine, dose)
    return ImmunisationFact(key=key, resource_id=rid, status=st if isinstance(st, str) else "completed",
                            vaccine=vaccine or "", dose=dose or 1, occurrence=occ)


def _vaccine(c: MessageChecker, res: dict, p: str) -> str | None:
    vaccine = None
    vc = res.get("vaccineCode")
    for k, coding in enumerate(as_list(as_dict(vc).get("coding"))):
        coding = as_dict(coding)
        if coding.get("system") == CS_VACCINE:
            if coding.get("code") not in VACCINE_CODES:
                c.err("code-invalid", f"not a hub vaccine code ({CS_VACCINE})", f"{p}.vaccineCode.coding[{k}].code")
            elif vaccine is None:
                vaccine = coding["code"]
    if vaccine is None and not any(e.get("expression", [""])[0].startswith(f"{p}.vaccineCode") for e in c.errors):
        c.err("code-invalid" if isinstance(vc, dict) else "required",
              f"vaccineCode must carry a hub vaccine code from {CS_VACCINE}", f"{p}.vaccineCode")
    return vaccine


def _compare_vaccination_procedure(c: MessageChecker, res: dict, p: str, vaccine: str | None,
                                   dose: int | None) -> None:
    for k, x in enumerate(as_list(res.get("extension"))):
        x = as_dict(x)
        if x.get("url") != EXT_UKCORE_VACCINATION_PROCEDURE:
            continue
        for coding in as_list(as_dict(x.get("valueCodeableConcept")).get("coding")):
            coding = as_dict(coding)
            mapped = UKCORE_VACCINATION_PROCEDURE.get(coding.get("code")) if coding.get("system") == SNOMED else None
            if mapped and vaccine and dose and mapped != (vaccine, dose):
                c.warnings.append(issue(
                    "business-rule",
                    f"VaccinationProcedure SNOMED {coding.get('code')} means {mapped[0]} dose {mapped[1]}, "
                    f"but the hub coding says {vaccine} dose {dose}; the hub coding is used",
                    f"{p}.extension[{k}]", severity="warning"))


def focus_schema(s: dict) -> dict:
    s["required"] += ["status", "vaccineCode", "protocolApplied", "occurrenceDateTime", "patient"]
    props = s["properties"]
    props["status"] = {"enum": ["completed", "not-done"]}
    props["vaccineCode"] = cc_with(CS_VACCINE, VACCINE_CODES)
    props["occurrenceDateTime"] = dt()
    props["protocolApplied"] = {"type": "array", "prefixItems": [
        {"type": "object", "required": ["doseNumberPositiveInt"]}]}
    s["if"] = {"properties": {"status": {"const": "not-done"}}}
    s["then"] = {"required": ["statusReason"]}
    return s
