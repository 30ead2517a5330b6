"""The agencies of the replay scenarios, callers as the authorizer presents them, and their API keys."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from tests.support.messages import EVENTS

# [{ods, kind}] of events/scenarios/child-s/agencies.json, one agency of each kind
SCENARIO_AGENCIES: list[dict] = json.loads((EVENTS / "scenarios/child-s/agencies.json").read_text())
AGENCY_KINDS: dict[str, str] = {a["ods"]: a["kind"] for a in SCENARIO_AGENCIES}
ODS_OF: dict[str, str] = {a["kind"]: a["ods"] for a in SCENARIO_AGENCIES}
COMMISSIONER = {"ods": "COMM01", "kind": "commissioner"}


def caller(ods: str = "A81001", kind: str | None = None):
    """The `Caller` the authorizer hands ingest for an agency (kind looked up for the scenario agencies)."""
    from hub.core.messages import Caller

    return Caller(ods, kind or AGENCY_KINDS.get(ods, "gp"))


def issue_keys(registry, agencies: list[dict], *, now: datetime | None = None) -> dict[str, str]:
    """Issue one API key per agency into `registry` (an AgencyRegistry port); returns {ods: bearer token}."""
    from hub.service.agencies import issue_key

    now = now or datetime.now(timezone.utc)
    return {a["ods"]: issue_key(registry, a["ods"], a["kind"], now=now)[1] for a in agencies}


def credential(ods: str = "A81001", kind: str = "gp", *, key_id: str = "abcdefghijkl", now: datetime | None = None,
               secret: str = "s" * 43):
    """(AgencyCredential, token) with a fixed key id and secret."""
    from hub.core.auth import new_credential

    return new_credential(ods, kind, key_id=key_id, secret=secret, now=now or datetime(2026, 1, 1, tzinfo=timezone.utc))
