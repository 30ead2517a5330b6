"""Issue 12's attacks on the audit and the keys, over HTTP on the embedded stack.

- GET /audit without a coded purpose, with `purpose=x`, or with a date it cannot represent
  (`to=9999-12-31`, `from=0001-01-01T00:00:00+01:00`): a 400 OperationOutcome, never a 5xx.
- an expired key: 401; a key over its rate limit: 429 OperationOutcome with Retry-After; a key's last use
  is recorded; the key works from `x-api-key` as well as the bearer header.
- the scheduled digest lands, signed, in the object-locked bucket, and verify checks the chains against it.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

pytestmark = [pytest.mark.localstack, pytest.mark.xdist_group("integration-stack")]


def get(stack, path: str, params: dict, token: str | None, *, header: str = "authorization"):
    headers = {}
    if token:
        headers = {"Authorization": f"Bearer {token}"} if header == "authorization" else {"x-api-key": token}
    url = f"{stack.api_url}{path}?{urllib.parse.urlencode(params)}"
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, json.loads(raw or b"{}")


def _ports():
    from hub.handlers import composition

    return composition.current()


def _issue(kind: str, ods: str, **kw) -> tuple[str, str]:
    from hub.service.agencies import issue_key

    cred, token = issue_key(_ports().agencies, ods, kind, now=datetime.now(timezone.utc), **kw)
    return cred.key_id, token


def _queries(since: datetime) -> list[dict]:
    return [r for r in _ports().audit.iter_records(start=since) if r["action"] == "audit.query"]


@pytest.mark.parametrize("params, parameter", [
    ({}, "purpose"),
    ({"purpose": "x"}, "purpose"),
    ({"purpose": "audit", "to": "9999-12-31"}, "to"),
    ({"purpose": "audit", "from": "0001-01-01T00:00:00+01:00"}, "from"),
    ({"purpose": "audit", "to": "9999-12-31T23:59:59-14:00"}, "to"),
    ({"purpose": "audit", "from": "not a date"}, "from"),
])
def test_attack_audit_query_without_purpose_or_with_an_unrepresentable_date_is_400(stack, api_keys, params, parameter):
    status, _, body = get(stack, "/audit", params, api_keys["COMM01"])
    assert status == 400, body
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["expression"] == [parameter]


def test_attack_audit_query_records_its_coded_purpose(stack, api_keys):
    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    status, _, body = get(stack, "/audit", {"purpose": "assurance", "action": "message.accepted"}, api_keys["COMM01"])
    assert status == 200 and "records" in body
    assert [q["details"]["purpose"] for q in _queries(since) if q["outcome"] == "200"] == ["assurance"]


def test_attack_audit_query_with_x_api_key_header(stack, api_keys):
    status, _, body = get(stack, "/audit", {"purpose": "audit"}, api_keys["COMM01"], header="x-api-key")
    assert status == 200, body


def test_attack_expired_key_is_refused(stack):
    # GIVEN a key issued with an expiry, used while valid
    key_id, token = _issue("commissioner", "COMM02", expires_at=datetime.now(timezone.utc) + timedelta(hours=1))
    assert get(stack, "/audit", {"purpose": "audit"}, token)[0] == 200
    # WHEN its expiry passes (moved into the past in the store, as time would)
    ports = _ports()
    past = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
    ports.clients.dynamodb.update_item(TableName=ports.settings.agencies_table, Key={"key_id": {"S": key_id}},
                                       UpdateExpression="SET expires_at = :t", ExpressionAttributeValues={":t": {"S": past}})
    # THEN it is refused with a 401 OperationOutcome
    status, _, body = get(stack, "/audit", {"purpose": "audit"}, token)
    assert status == 401 and body["resourceType"] == "OperationOutcome" and body["issue"][0]["code"] == "login"


def test_attack_key_over_its_rate_limit_gets_429_and_others_are_unaffected(stack, api_keys):
    # GIVEN a commissioner key limited to 6 requests a minute (bursts of 5)
    key_id, token = _issue("commissioner", "COMM03", rate_per_minute=6)
    statuses = [get(stack, "/audit", {"purpose": "audit", "limit": "1"}, token) for _ in range(7)]
    # THEN the burst passes and the rest is refused with a 429 OperationOutcome and Retry-After
    assert [s for s, _, _ in statuses] == [200] * 5 + [429, 429]
    _, headers, body = statuses[-1]
    assert body["resourceType"] == "OperationOutcome" and body["issue"][0]["code"] == "throttled"
    assert "6 requests a minute" in body["issue"][0]["diagnostics"] and int(headers["retry-after"]) >= 1
    # AND another key is not slowed down
    assert get(stack, "/audit", {"purpose": "audit", "limit": "1"}, api_keys["COMM01"])[0] == 200
    # AND the limited key's last use is recorded
    assert _ports().agencies.get(key_id).last_used_at is not None


def test_attack_digest_is_signed_into_the_locked_bucket_and_anchors_verify(stack, api_keys):
    # GIVEN some audit records (the queries above), WHEN the scheduled digest runs
    get(stack, "/audit", {"purpose": "audit", "limit": "1"}, api_keys["COMM01"])
    out = stack.runtime.fire_schedules(["AuditDigestFunction"])
    ports = _ports()
    key, stored = ports.digests.latest()
    # THEN it is in the digest bucket, under retention, and its MAC and heads check out
    s3 = ports.clients.s3
    assert ports.settings.audit_digest_bucket and ports.settings.audit_digest_bucket != ports.settings.archive_bucket
    head = s3.head_object(Bucket=ports.settings.audit_digest_bucket, Key=key)
    assert head.get("ObjectLockMode") in ("GOVERNANCE", "COMPLIANCE") and head.get("ObjectLockRetainUntilDate")
    anchors = ports.digests.check(stored)
    assert all(r.ok for r in ports.audit.verify(anchors=anchors)), out


# ---- re-identification: nothing a commissioner reads leads back to an NHS number ------------------------
_SEPARATORS = ("", "|", ":", "\x1f", "#", ",", "/", " ", "-", "_", ";")
_HASHES = ("sha256", "sha1", "md5", "blake2b", "sha512")


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if value is not None else []


def _unkeyed_derivations(nhs: str, visible: list[str]) -> set[str]:
    """Every hex digest an attacker gets by hashing the NHS number alone or joined with up to two values
    the record shows, in any order, with common separators (how the issue's commissioner did it)."""
    import hashlib
    import itertools

    parts = [v for v in dict.fromkeys(visible) if len(v) <= 120]
    combos = [(nhs,)] + [p for v in parts for p in itertools.permutations((nhs, v))]
    combos += [p for a, b in itertools.combinations(parts, 2) for p in itertools.permutations((nhs, a, b))]
    out = set()
    for combo in combos:
        for sep in _SEPARATORS:
            data = sep.join(combo).encode()
            out |= {hashlib.new(h, data).hexdigest() for h in _HASHES}
    return out


def test_attack_no_audit_field_leads_a_commissioner_back_to_an_nhs_number(stack, api_keys):
    import re

    from hub.cli.send import post_message
    from tests.support.messages import load_event

    # GIVEN a registered baby with a bruise (so an alert is raised and audited)
    body = load_event("valid/injury-observed.json")
    nhs = re.search(rb'"https://fhir.nhs.uk/Id/nhs-number",\s*"value":\s*"(\d{10})"', body).group(1).decode()
    post_message(stack.api_url, load_event("valid/child-registered.json"), api_keys["A81001"])
    post_message(stack.api_url, body, api_keys["RX1"])
    assert stack.runtime.drain(timeout=60)
    # WHEN a commissioner reads every record about that period, for every action, with no child named
    status, _, page = get(stack, "/audit", {"purpose": "commissioning", "limit": "1000"}, api_keys["COMM01"])
    assert status == 200 and page["records"]
    actions = {r["action"] for r in page["records"]}
    assert {"message.accepted", "message.routed", "alert.raised"} <= actions
    # THEN no field holds the NHS number, nor any unkeyed hash of it with what the record shows
    leaks = []
    for rec in page["records"]:
        visible = _strings(rec)
        assert not [v for v in visible if nhs in v], rec["action"]
        hexes = {h for v in visible for h in re.findall(r"[0-9a-f]{32,128}", v)}
        if hexes & _unkeyed_derivations(nhs, visible):
            leaks.append((rec["action"], rec.get("message_id")))
    assert leaks == [], f"records whose fields re-identify the child: {leaks[:5]}"
