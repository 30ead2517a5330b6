"""Purpose of use of an audit query: the published value set (data/audit-purpose-of-use.json, a FHIR
CodeSystem). Every GET /audit query names one, and its audit record keeps it."""
from __future__ import annotations

import json
from functools import lru_cache

CODE_SYSTEM_FILE = "data/audit-purpose-of-use.json"


@lru_cache(maxsize=1)
def code_system() -> dict:
    from importlib.resources import files

    return json.loads(files("hub").joinpath(CODE_SYSTEM_FILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def purposes() -> dict[str, str]:
    """code -> display"""
    return {c["code"]: c["display"] for c in code_system()["concept"]}


def purpose_codes() -> tuple[str, ...]:
    return tuple(purposes())
