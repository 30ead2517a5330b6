"""child-seen (spec §4): an Encounter of type home-visit or clinic-contact, its start, and whether the child
was seen, and seen alone (two boolean extensions)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hub.core.facts import SeenFact
from hub.core.messages import CS_CONCEPT, EXT_CHILD_SEEN, EXT_CHILD_SEEN_ALONE
from hub.core.validation.focus_checks import bool_ext, clinical_time, encounter_type
from hub.core.validation.json_schema import cc_with, dt, ext
from hub.core.validation.vocabulary import SEEN_CODES

if TYPE_CHECKING:
    from hub.core.validation.contract import MessageChecker


def check(c: MessageChecker, res: dict, p: str, key: str, rid: str) -> SeenFact:
    etype = encounter_type(c, res, p, SEEN_CODES, "home-visit or clinic-contact")
    start = clinical_time(c, res, p, "period.start")
    seen = bool_ext(c, res, EXT_CHILD_SEEN, p, "child-seen")
    alone = bool_ext(c, res, EXT_CHILD_SEEN_ALONE, p, "child-seen-alone")
    return SeenFact(key=key, resource_id=rid, type=etype or "", start=start, seen=bool(seen), seen_alone=bool(alone))


def focus_schema(s: dict) -> dict:
    s["required"] += ["type", "period", "subject", "extension"]
    props = s["properties"]
    props["type"] = {"type": "array", "contains": cc_with(CS_CONCEPT, SEEN_CODES)}
    props["period"] = {"type": "object", "required": ["start"], "properties": {"start": dt()}}
    props["extension"] = {"type": "array", "allOf": [
        {"contains": ext(EXT_CHILD_SEEN, "valueBoolean", {"type": "boolean"})},
        {"contains": ext(EXT_CHILD_SEEN_ALONE, "valueBoolean", {"type": "boolean"})},
    ]}
    return s
