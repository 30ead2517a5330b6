"""JSON Schema fragments for the published event schemas (``schema_export`` and the focus modules)."""
from __future__ import annotations

FULL_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


def coding_in(system: str, codes) -> dict:
    return {"type": "object", "required": ["system", "code"],
            "properties": {"system": {"const": system}, "code": {"enum": sorted(codes)}}}


def cc_with(system: str, codes) -> dict:
    """A CodeableConcept with at least one coding from ``codes``."""
    return {"type": "object", "required": ["coding"],
            "properties": {"coding": {"type": "array", "contains": coding_in(system, codes)}}}


def ext(url: str, value: str | None = None, value_schema: dict | None = None) -> dict:
    """An extension with ``url`` and, when given, its ``value[x]`` element."""
    props: dict = {"url": {"const": url}}
    req = ["url"]
    if value:
        props[value] = value_schema or {}
        req.append(value)
    return {"type": "object", "required": req, "properties": props}


def dt() -> dict:
    """A full dateTime with a time zone."""
    return {"type": "string", "pattern": FULL_DATETIME}
