"""Hypothesis against the running local API: bodies and headers POSTed over HTTP never produce a 5xx,
every reply is JSON, and the hub keeps working afterwards. (The validator's own fuzzing is in
tests/unit/test_validation_fuzz.py; this goes through the authorizer, API Gateway and ingest.)"""
from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.messages import EVENTS
from tests.reliability.support import SOAK, pii_needles

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("reliability-api-fuzz")]
EXAMPLES = 1_000 if SOAK else 300
VALID = [json.loads(p.read_bytes()) for p in sorted((EVENTS / "valid").glob("*.json"))]
SENDER_KIND = {"A81001": "gp", "RX1": "hospital", "HV001": "health-visiting", "P42": "police", "LA123": "social-care"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated_messages(draw):
    """A published valid message with 1-3 random edits: a node replaced, deleted or duplicated."""
    doc = copy.deepcopy(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        op = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if op == "replace":
            parent[path[-1]] = draw(json_values)
        elif op == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    return json.dumps(doc).encode()


bodies = st.one_of(
    mutated_messages(),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=300),
    st.sampled_from(VALID).map(lambda d: json.dumps(d).encode()[: len(json.dumps(d)) // 2]),  # truncated
    st.sampled_from(VALID).map(lambda d: json.dumps(d).encode("utf-16")),  # not UTF-8
)
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
content_types = st.one_of(st.sampled_from(["application/fhir+json", "application/json", "application/fhir+json; charset=utf-8",
                                           "text/plain", "application/xml", "", "application/fhir+xml"]), header_text)


def _post(url: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    req = urllib.request.Request(f"{url}/$process-message", data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.fixture(scope="module")
def api(stack_env):
    return stack_env


@given(body=bodies, content_type=content_types, auth=st.sampled_from(["own", "other", "garbage", "none"]),
       garbage=header_text, extra=st.dictionaries(st.sampled_from(["X-Forwarded-For", "Accept", "X-Amzn-Trace-Id",
                                                                   "Content-Encoding", "Prefer"]), header_text, max_size=2))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=not SOAK)
def test_api_fuzz_no_5xx_and_json_replies(api, body, content_type, auth, garbage, extra):
    try:
        sender = json.loads(body)["entry"][1]["resource"]["identifier"][0]["value"]
    except Exception:  # noqa: BLE001 - most fuzzed bodies have no sender
        sender = "A81001"
    own = api.tokens.get(sender, api.tokens["A81001"])
    token = {"own": own, "other": api.tokens["P42"] if sender != "P42" else api.tokens["A81001"],
             "garbage": garbage, "none": None}[auth]
    headers = {**extra, "Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}" if auth != "garbage" else token
    status, raw = _post(api.api_url, body, headers)
    assert status < 500, (status, raw[:300])
    assert status in (200, 202, 400, 401, 403, 409, 413, 415, 422), status
    reply = json.loads(raw)
    if status in (400, 409, 413, 415, 422):
        assert reply["resourceType"] == "OperationOutcome" and reply["issue"]


def test_api_fuzz_oversized_body_is_413(api):
    big = json.dumps({**VALID[0], "padding": "x" * (3 * 1024 * 1024)}).encode()
    status, raw = _post(api.api_url, big, {"Content-Type": "application/fhir+json",
                                             "Authorization": f"Bearer {api.tokens['A81001']}"})
    assert status == 413


def test_api_fuzz_hub_still_accepts_a_valid_message_and_logs_no_pii(api):
    from tests.support.agency_http import send_all
    from tests.support.cohort import synthetic_cohort

    cohort = synthetic_cohort(5, 5, seed=71, mix="stateless")
    assert [r.status for r in send_all(api.api_url, cohort.bodies, api.tokens)] == [202] * 5
    assert api.runtime.drain(timeout=120)
    nhs = [e["resource"]["identifier"][0]["value"] for d in VALID for e in d["entry"]
           if e["resource"].get("resourceType") == "Patient"]
    births = [e["resource"]["birthDate"] for d in VALID for e in d["entry"]
              if e["resource"].get("resourceType") == "Patient"]
    assert api.logs.find(pii_needles(nhs + cohort.nhs_numbers, births + cohort.birth_dates)) == []
