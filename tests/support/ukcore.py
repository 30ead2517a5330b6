"""UK Core example resources (NHS England, OGL; a copy of shared/reference) wrapped into valid hub messages."""
from __future__ import annotations

import copy
import uuid
from pathlib import Path

from tests.support.messages import REPO, entry_of, load_valid

UKCORE = REPO / "tests" / "fixtures" / "ukcore-examples"
HUB = "https://safeguarding-hub.example/fhir"
CS = f"{HUB}/CodeSystem/concept"

UKCORE_EVENT = {
    "Patient": "child-registered",
    "Observation": "injury-observed",
    "Immunization": "immunisation-recorded",
    "Encounter": "child-seen",
    "EpisodeOfCare": "plan-started",
    "Appointment": "appointment-outcome",
}


def ukcore_paths() -> list[Path]:
    return sorted(p for p in UKCORE.glob("UKCore-*.json"))


def _logicalise(node, patient_url: str):
    """Literal references to resources outside the message become logical ones (identifier only)."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "reference" and isinstance(v, str) and not v.startswith("#"):
                continue
            out[k] = _logicalise(v, patient_url)
        if "reference" in node and isinstance(node["reference"], str) and not node["reference"].startswith("#"):
            if node["reference"].startswith("Patient/"):
                return {**{k: v for k, v in out.items() if k != "identifier"}, "reference": patient_url}
            out.setdefault("identifier", {"system": "https://example.org/Id/ukcore-ref",
                                          "value": node["reference"].replace("/", "-")})
        return out
    if isinstance(node, list):
        return [_logicalise(v, patient_url) for v in node]
    return node


def wrap_ukcore(resource: dict) -> dict:
    """A valid hub message whose focus is the UK Core example, with the event's required content added."""
    rtype = resource["resourceType"]
    event = UKCORE_EVENT[rtype]
    base = load_valid(event if event != "immunisation-recorded" else "immunisation-recorded")
    idx, header = 0, base["entry"][0]["resource"]
    p_idx, patient = entry_of(base, "Patient")
    patient_url = base["entry"][p_idx]["fullUrl"]
    res = _logicalise(copy.deepcopy(resource), patient_url)
    res.setdefault("id", "ukcore")
    ident = {"system": "https://example.org/Id/ukcore", "value": res["id"]}
    t = "2026-05-01T10:00:00+01:00"
    if rtype == "Patient":
        ids = [i for i in res.get("identifier", []) if i.get("system") != "https://fhir.nhs.uk/Id/nhs-number"]
        res["identifier"] = ids + [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990012008"}]
        res.setdefault("birthDate", "2026-03-10")
        res["generalPractitioner"] = [{"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code",
                                                      "value": "A81001"}}]
        base["entry"][p_idx]["resource"] = res
        return base
    res.setdefault("identifier", [ident])
    if rtype == "Observation":
        for k in [k for k in res if k.startswith(("effective", "_effective"))]:
            del res[k]
        res["effectiveDateTime"] = t
        res["status"] = "final"
        res.setdefault("code", {}).setdefault("coding", []).append({"system": CS, "code": "bruise"})
        res.setdefault("bodySite", {"text": "left arm"})
        res.setdefault("performer", [{"display": "Examiner"}])
        res["subject"] = {"reference": patient_url}
    elif rtype == "Immunization":
        for k in [k for k in res if k.startswith("occurrence")]:
            del res[k]
        res["occurrenceDateTime"] = t
        res["status"] = "completed"
        res["vaccineCode"].setdefault("coding", []).append({"system": f"{HUB}/CodeSystem/vaccine", "code": "6-in-1"})
        pa = res.get("protocolApplied") or [{}]
        pa[0].pop("doseNumberString", None)
        pa[0]["doseNumberPositiveInt"] = 1
        res["protocolApplied"] = pa
        res["patient"] = {"reference": patient_url}
    elif rtype == "Encounter":
        res["type"] = res.get("type", []) + [{"coding": [{"system": CS, "code": "home-visit"}]}]
        res["period"] = {**res.get("period", {}), "start": t}
        res["period"].pop("end", None)
        res["extension"] = res.get("extension", []) + [
            {"url": f"{HUB}/StructureDefinition/child-seen", "valueBoolean": True},
            {"url": f"{HUB}/StructureDefinition/child-seen-alone", "valueBoolean": False}]
        res["subject"] = {"reference": patient_url}
    elif rtype == "EpisodeOfCare":
        res["status"] = "active"
        res["type"] = res.get("type", []) + [{"coding": [{"system": CS, "code": "child-protection-plan"},
                                                         {"system": CS, "code": "neglect"}]}]
        res["period"] = {"start": t}
        res["managingOrganization"] = {"identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code",
                                                      "value": "LA123"}}
        res["careManager"] = {"display": "Lead social worker"}
        res["patient"] = {"reference": patient_url}
    elif rtype == "Appointment":
        res["status"] = "fulfilled"
        res["serviceType"] = res.get("serviceType", []) + [{"coding": [{"system": CS, "code": "gp"}]}]
        res["start"] = t
        res.pop("end", None)
        res["participant"] = res.get("participant", []) + [{"actor": {"reference": patient_url},
                                                           "status": "accepted"}]
    focus_url = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'ukcore/' + res['id'])}"
    # replace the example's focus entries with the UK Core resource
    focus_refs = {f["reference"] for f in header["focus"]}
    base["entry"] = [e for e in base["entry"] if e["fullUrl"] not in focus_refs]
    base["entry"].append({"fullUrl": focus_url, "resource": res})
    header["focus"] = [{"reference": focus_url}]
    return base
