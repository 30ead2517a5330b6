"""Default deny, as a property: whatever a sender adds, a canary in it reaches only a profile that lists it.

Every event example (events/valid) and every UK Core example (wrapped into a hub message by
tests/support/ukcore) gets random extra elements, each holding its own canary string, at random places
of random entries: unknown extensions (at the resource or inside an element), narrative (`text.div`),
`meta.tag.display` (resource and Bundle), a reference's `display`, `_status`-style primitive extensions,
`contained` resources, unknown keys (at the resource, inside an element, on an entry and on the Bundle),
and a CodeableConcept's `text`. The copy for every profile of the shipped policy is then searched for
each canary.

The oracle is stated here, not read from the policy: only a CodeableConcept's `text` may pass, and only
to a profile in CC_TEXT_ALLOWED for that element; every other site never leaves the hub. The allowed
canaries must arrive, so an injection that missed its target fails the test instead of passing it.
"""
from __future__ import annotations

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.core.routing import default_policy, minimise
from tests.support.messages import valid_example_paths
from tests.support.ukcore import ukcore_paths, wrap_ukcore

POLICY = default_policy()


def _corpus() -> dict[str, dict]:
    out = {f"events:{p.name}": json.loads(p.read_text()) for p in valid_example_paths()}
    out |= {f"ukcore:{p.stem}": wrap_ukcore(json.loads(p.read_text())) for p in ukcore_paths()}
    return out


CORPUS = _corpus()
NAMES = sorted(CORPUS)

# (resource type, CodeableConcept element) whose `text` a profile passes: the clinical ones, in full
HEALTH_CC = {("Observation", "code"), ("Immunization", "vaccineCode"), ("Encounter", "type"),
             ("EpisodeOfCare", "type"), ("Appointment", "serviceType"), ("RelatedPerson", "relationship"),
             ("Organization", "type")}
CC_TEXT_ALLOWED = {
    "health": HEALTH_CC,
    "health-no-police-narrative": HEALTH_CC - {("Observation", "code")},  # the police's words stay behind
    "social-care": HEALTH_CC - {("Immunization", "vaccineCode")},  # no product narrative
}
# where each resource type carries a CodeableConcept (a list element: its first item)
CC_ELEMENT = {"Observation": "code", "Immunization": "vaccineCode", "Encounter": "type", "EpisodeOfCare": "type",
              "Appointment": "serviceType", "RelatedPerson": "relationship", "Organization": "type",
              "MessageHeader": "reason", "Patient": "maritalStatus", "Practitioner": "gender"}
REFERENCES = ("subject", "patient", "sender", "focus", "performer", "generalPractitioner", "managingOrganization",
              "serviceProvider", "participant")
SITES = ("extension", "nested-extension", "text.div", "meta.tag.display", "bundle-meta", "reference.display",
         "_status", "contained", "unknown-key", "nested-unknown-key", "entry-unknown-key", "bundle-unknown-key",
         "code.text")


def _extension(canary: str) -> dict:
    return {"url": f"https://sender.example/fhir/StructureDefinition/{canary.lower()}", "valueString": canary}


def _nested_target(resource: dict, pick: int) -> dict | None:
    """An object inside the resource (an element, or the first item of a list element)."""
    found = []
    for k, v in resource.items():
        if isinstance(v, dict):
            found.append(v)
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            found.append(v[0])
    return found[pick % len(found)] if found else None


def _reference(resource: dict) -> dict | None:
    for k in REFERENCES:
        v = resource.get(k)
        v = v[0] if isinstance(v, list) and v else v
        if isinstance(v, dict):
            return v.get("actor") if k == "participant" and isinstance(v.get("actor"), dict) else v
    return None


def inject(bundle: dict, site: str, pick: int, canary: str, key: str) -> tuple[str, str] | None:
    """Put `canary` at `site` of entry `pick`; returns (resource type, CodeableConcept element) for a
    code.text injection (whose oracle depends on both), else None."""
    entries = [e for e in bundle["entry"] if isinstance(e.get("resource"), dict)]
    entry = entries[pick % len(entries)]
    r = entry["resource"]
    rt = r["resourceType"]
    if site == "extension":
        r.setdefault("extension", []).append(_extension(canary))
    elif site == "nested-extension":
        target = _nested_target(r, pick) or r
        target.setdefault("extension", []).append(_extension(canary))
    elif site == "text.div":
        r["text"] = {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{canary}</div>'}
    elif site == "meta.tag.display":
        r["meta"] = {"tag": [{"system": "https://sender.example/tags", "code": "t", "display": canary}]}
    elif site == "bundle-meta":
        bundle["meta"] = {"tag": [{"system": "https://sender.example/tags", "code": "t", "display": canary}],
                          "source": f"https://sender.example/{canary}"}
    elif site == "reference.display":
        ref = _reference(r)
        if ref is None:
            r["subject"] = ref = {"reference": entries[0]["fullUrl"]}
        ref["display"] = canary
    elif site == "_status":
        r["_status"] = {"extension": [_extension(canary)]}
    elif site == "contained":
        r["contained"] = [{"resourceType": "Observation", "id": "c1", "status": "final",
                           "code": {"text": canary}, "text": {"status": "generated", "div": canary}}]
    elif site == "unknown-key":
        r[key] = canary
    elif site == "nested-unknown-key":
        (_nested_target(r, pick) or r)[key] = {"note": canary}
    elif site == "entry-unknown-key":
        entry[key] = canary
    elif site == "bundle-unknown-key":
        bundle[key] = canary
    elif site == "code.text":
        element = CC_ELEMENT.get(rt, "code")
        value = r.get(element)
        cc = value[0] if isinstance(value, list) and value else value
        if not isinstance(cc, dict):
            r[element] = cc = {"coding": [{"system": "https://sender.example/codes", "code": "x"}]}
        cc["text"] = canary
        return rt, element
    else:
        raise AssertionError(site)
    return None


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(NAMES),
       injections=st.lists(st.tuples(st.sampled_from(SITES), st.integers(0, 40),
                                     st.from_regex(r"zz[a-z]{1,10}", fullmatch=True)), min_size=1, max_size=6))
def test_minimise_canaries_reach_only_profiles_that_list_them(name, injections):
    # GIVEN an example with extra elements, each carrying its own canary
    bundle = copy.deepcopy(CORPUS[name])
    planted: dict[str, tuple[str, str] | None] = {}
    for i, (site, pick, key) in enumerate(injections):
        canary = f"CANARY{i}X{pick}"
        planted[canary] = inject(bundle, site, pick, canary, key)
    sent = json.dumps(bundle)
    for profile in POLICY.profiles:
        # WHEN it is minimised for each profile
        copy_text = json.dumps(minimise(bundle, profile, POLICY))
        for canary, cc in planted.items():
            allowed = cc is not None and cc in CC_TEXT_ALLOWED.get(profile, set())
            if not allowed:
                # THEN no canary reaches a copy whose profile does not list its element
                assert canary not in copy_text, f"{canary} ({injections}) reached {profile}"
            elif canary in sent:  # (a later injection may have overwritten it)
                # AND one whose profile lists it arrives
                assert canary in copy_text, f"{canary} ({injections}) did not reach {profile}"


def test_minimise_canaries_corpus_covers_every_event_and_ukcore_example():
    events = {json.loads(p.read_text())["entry"][0]["resource"]["eventCoding"]["code"] for p in valid_example_paths()}
    assert len(events) == 10 and len(ukcore_paths()) >= 40
    assert len(CORPUS) == len(valid_example_paths()) + len(ukcore_paths())


def test_minimise_canaries_oracle_names_only_shipped_profiles():
    # a renamed profile must not silently lose its allowed canaries
    assert set(CC_TEXT_ALLOWED) <= set(POLICY.profiles)
