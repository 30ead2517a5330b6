"""Spec §2, the child: one Patient entry with an NHS number, a birthDate, optionally a GP and a household."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from hub.core.facts import PatientInfo
from hub.core.messages import EXT_HOUSEHOLD, NS_HOUSEHOLD, NS_NHS_NUMBER
from hub.core.validation.nhs import nhs_number_valid
from hub.core.validation.ods_checks import org_ref_ods
from hub.core.validation.limits import EARLIEST_DATE, MAX_IDENTIFIER
from hub.core.validation.values import CLOCK_SKEW, as_dict, as_list, as_str, parse_date, token_ok

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check_patient(c: MessageChecker) -> PatientInfo | None:
    """Sets the child's entry, fullUrl and birth date on ``c``; -> the child, or None without a valid NHS number."""
    patients = [(i, r) for i, r in c.entries if r.get("resourceType") == "Patient"]
    if not patients:
        c.err("required", "a Patient entry for the child is required", "Bundle.entry")
        return None
    if len(patients) > 1:
        c.err("business-rule", "a message concerns one child: only one Patient entry is allowed",
              c.res_path(patients[1][0]))
    i, pat = patients[0]
    c.patient_idx = i
    c.patient_url = as_str(as_dict(as_list(c.b.get("entry"))[i]).get("fullUrl"))
    p = c.res_path(i)
    nhs = None
    ids = as_list(pat.get("identifier"))
    for k, ident in enumerate(ids):
        ident = as_dict(ident)
        if ident.get("system") == NS_NHS_NUMBER:
            v = ident.get("value")
            if not nhs_number_valid(v):
                c.err("value", "NHS number must be ten digits with a valid Modulus 11 check digit",
                      f"{p}.identifier[{k}].value")
            else:
                nhs = v
            break
    else:
        c.err("required", f"the Patient needs an NHS number identifier ({NS_NHS_NUMBER})", f"{p}.identifier")
    bd = pat.get("birthDate")
    birth = None
    if bd is None:
        c.err("required", "Patient.birthDate is required", f"{p}.birthDate")
    else:
        birth = parse_date(bd)
        if birth is None:
            c.err("value", "Patient.birthDate must be a full date (YYYY-MM-DD)", f"{p}.birthDate")
        elif birth > (c.now + CLOCK_SKEW).date() + timedelta(days=1):
            c.err("business-rule", "Patient.birthDate is in the future", f"{p}.birthDate")
            birth = None
        elif birth < EARLIEST_DATE:
            c.err("business-rule", f"Patient.birthDate is before {EARLIEST_DATE.isoformat()}", f"{p}.birthDate")
            birth = None
    c.birth = birth
    gp = None
    gps = pat.get("generalPractitioner")
    for k, ref in enumerate(as_list(gps)):
        ods = org_ref_ods(c, ref, f"{p}.generalPractitioner[{k}]", "generalPractitioner")
        if gp is None:
            gp = ods
    household = None
    for k, x in enumerate(as_list(pat.get("extension"))):
        x = as_dict(x)
        if x.get("url") == EXT_HOUSEHOLD:
            vi = as_dict(x.get("valueIdentifier"))
            if vi.get("system") != NS_HOUSEHOLD:
                c.err("value", f"household needs valueIdentifier with system {NS_HOUSEHOLD} and a value",
                      f"{p}.extension[{k}].valueIdentifier")
            elif not token_ok(vi.get("value"), MAX_IDENTIFIER):
                # matched whole (v1.1): "HH-0001\n" would otherwise be another household
                c.err("value", f"the household value must be 1 to {MAX_IDENTIFIER} characters, with no whitespace "
                               "at either end and no line break", f"{p}.extension[{k}].valueIdentifier.value")
            elif household is None:
                household = vi["value"]
    if nhs is None:
        return None
    return PatientInfo(nhs_number=nhs, birth_date=birth, gp_ods=gp, household=household)
