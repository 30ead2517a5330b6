"""The example messages in events/ (published with the contract) and reading a Bundle's sender."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "events"
SHARED = REPO.parent / "shared"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
# every example is dated 2026-03..2026-10; "now" sits after them all
VALIDATION_NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


def load_event(name: str) -> bytes:
    """Bytes of events/<name>, e.g. load_event("valid/injury-observed.json")."""
    return (EVENTS / name).read_bytes()


def load_valid(name: str) -> dict:
    """A fresh copy of events/valid/<name>.json as a dict."""
    return copy.deepcopy(json.loads((EVENTS / "valid" / f"{name}.json").read_text()))


def valid_example_paths() -> list[Path]:
    return sorted((EVENTS / "valid").glob("*.json"))


def invalid_example_paths() -> list[Path]:
    return sorted(p for p in (EVENTS / "invalid").glob("*.json") if not p.name.endswith(".expected.json"))


def to_bytes(bundle: dict) -> bytes:
    return json.dumps(bundle, separators=(",", ":")).encode()


def sender_of(body: bytes | str | dict) -> str | None:
    """ODS code of the MessageHeader.sender Organization; None if the body is not a readable message."""
    try:
        bundle = body if isinstance(body, dict) else json.loads(body)
        ref = bundle["entry"][0]["resource"]["sender"]["reference"]
        for e in bundle["entry"]:
            if e.get("fullUrl") == ref:
                for ident in e["resource"].get("identifier", []):
                    if ident.get("system") == ODS_SYSTEM:
                        return ident.get("value")
    except (ValueError, RecursionError, KeyError, IndexError, TypeError, AttributeError):
        return None
    return None


def entry_of(bundle: dict, resource_type: str) -> tuple[int, dict]:
    """(index, resource) of the first entry of that type."""
    for i, e in enumerate(bundle["entry"]):
        if e["resource"]["resourceType"] == resource_type:
            return i, e["resource"]
    raise KeyError(resource_type)


def nhs_number_of(bundle: dict) -> str:
    _, patient = entry_of(bundle, "Patient")
    return next(i["value"] for i in patient["identifier"] if i["system"] == "https://fhir.nhs.uk/Id/nhs-number")


def with_message_id(bundle: dict, message_id: str) -> dict:
    """A copy whose MessageHeader.id (the hub's idempotency key) is `message_id`."""
    out = copy.deepcopy(bundle)
    out["entry"][0]["resource"]["id"] = message_id
    return out
