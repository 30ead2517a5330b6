"""FHIR conformance over HTTP on the running stack: GET /metadata and the conformance resources (public,
valid FHIR R4 per fhir.resources, the same as the published package), POST /$validate (ingest's verdict,
no side effect, audited as a validation), 404 OperationOutcomes for unknown routes and methods, the
x-api-key header, and X-Correlation-ID echoed on every reply."""
from __future__ import annotations

import importlib
import json
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.support.agencies import ODS_OF
from tests.support.agencies import AGENCY_KINDS
from tests.support.messages import invalid_example_paths, load_valid, sender_of, to_bytes, with_message_id

pytest.importorskip("fhir.resources.R4B")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
build = importlib.import_module("build_fhir_package")
HUB = "https://safeguarding-hub.example/fhir"
EXT_INGEST_STATUS = f"{HUB}/StructureDefinition/ingest-status"


def call(stack, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(stack.api_url + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def fhir_model(resource: dict):
    rtype = resource["resourceType"]
    return getattr(importlib.import_module(f"fhir.resources.R4B.{rtype.lower()}"), rtype).model_validate(resource)


def bearer(token: str, **extra: str) -> dict:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/fhir+json", **extra}


def test_conformance_metadata_is_public_valid_and_names_every_event_endpoint_and_security(stack):
    status, headers, body = call(stack, "GET", "/metadata")
    assert status == 200 and headers["content-type"] == "application/fhir+json"
    cap = json.loads(body)
    fhir_model(cap)
    assert cap["kind"] == "instance" and cap["fhirVersion"] == "4.0.1"
    (messaging,) = cap["messaging"]
    # the endpoint is where this request came in, not the canonical base
    assert messaging["endpoint"][0]["address"].startswith(stack.api_url)
    assert messaging["endpoint"][0]["address"].endswith("/$process-message")
    receivers = [s["definition"] for s in messaging["supportedMessage"] if s["mode"] == "receiver"]
    assert len(receivers) == 10
    # every MessageDefinition it names is served, public, and valid
    for url in receivers:
        code = url.rsplit("/", 1)[1]
        status, _, body = call(stack, "GET", f"/MessageDefinition/{code}")
        assert status == 200, code
        assert fhir_model(json.loads(body)).eventCoding.code == code
    security = cap["rest"][0]["security"]
    assert "x-api-key" in security["description"] and "mutual TLS" in security["description"]


def test_conformance_every_packaged_resource_is_served_as_published(stack):
    package = build.read_package()
    index = json.loads(package["package/.index.json"])["files"]
    for entry in index:
        if entry["resourceType"] == "CapabilityStatement":
            continue  # /metadata fills in the address it is read at
        status, _, body = call(stack, "GET", f"/{entry['resourceType']}/{entry['id']}")
        assert status == 200, entry
        assert body == package[f"package/{entry['filename']}"]
        fhir_model(json.loads(body))
    assert call(stack, "GET", "/CodeSystem/no-such-system")[0] == 404
    assert call(stack, "GET", "/ValueSet/..%2Fsecrets")[0] == 404


def _archived(stack, message_id: str) -> list[str]:
    bucket = stack.ports.settings.archive_bucket
    keys = [o["Key"] for page in stack.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])]
    return [k for k in keys if message_id in k]


def _quarantined(stack) -> int:
    bucket = stack.ports.settings.archive_bucket
    return stack.client("s3").list_objects_v2(Bucket=bucket, Prefix="quarantine/").get("KeyCount", 0)


def _audit(stack, action: str, message_id: str | None = None) -> list[dict]:
    return [r for r in stack.ports.audit.iter_records()
            if r["action"] == action and (message_id is None or r.get("message_id") == message_id)]


def test_conformance_validate_gives_ingests_verdict_with_no_side_effect(stack, api_keys):
    mid = str(uuid.uuid4())
    body = to_bytes(with_message_id(load_valid("injury-observed"), mid))
    token = api_keys[ODS_OF["hospital"]]
    # WHEN a valid message is validated twice
    for _ in range(2):
        status, _, raw = call(stack, "POST", "/$validate", body, bearer(token))
        outcome = json.loads(raw)
        assert status == 200, outcome
        assert outcome["extension"] == [{"url": EXT_INGEST_STATUS, "valueInteger": 202}]
        fhir_model(outcome)
    # THEN nothing was archived, accepted or remembered: the same message is then accepted (202, not a 200 replay)
    assert _archived(stack, mid) == [] and _audit(stack, "message.accepted", mid) == []
    assert len(_audit(stack, "message.validated", mid)) == 2
    status, _, raw = call(stack, "POST", "/$process-message", body, bearer(token))
    assert status == 202, raw


# each as its own sender, as the examples are meant to be sent
SENT_AS_THEMSELVES = [p for p in invalid_example_paths() if sender_of(p.read_bytes()) in AGENCY_KINDS][:5]


@pytest.mark.parametrize("path", SENT_AS_THEMSELVES, ids=lambda p: p.name)
def test_conformance_validate_answers_the_status_and_issues_ingest_answers(stack, api_keys, path):
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text())
    body = path.read_bytes()
    token = api_keys[sender_of(body)]
    before = _quarantined(stack)
    status, _, raw = call(stack, "POST", "/$validate", body, bearer(token))
    outcome = json.loads(raw)
    assert status == expected["status"]
    assert outcome["extension"] == [{"url": EXT_INGEST_STATUS, "valueInteger": expected["status"]}]
    assert _quarantined(stack) == before  # a refused validation is not quarantined
    ingest_status, _, ingest_raw = call(stack, "POST", "/$process-message", body, bearer(token))
    assert ingest_status == status
    assert outcome["issue"] == json.loads(ingest_raw)["issue"]


def test_conformance_validate_needs_a_key(stack):
    status, headers, raw = call(stack, "POST", "/$validate", b"{}", {"Content-Type": "application/fhir+json"})
    assert status == 401 and headers["content-type"] == "application/fhir+json"
    assert json.loads(raw)["issue"][0]["code"] == "login"


@pytest.mark.parametrize("method, path", [("GET", "/nowhere"), ("GET", "/$process-message"), ("DELETE", "/metadata"),
                                          ("POST", "/audit"), ("PUT", "/CodeSystem/vaccine")])
def test_conformance_unknown_route_or_method_is_a_404_operation_outcome(stack, method, path):
    status, headers, raw = call(stack, method, path, b"{}" if method != "GET" else None,
                                {"X-Correlation-ID": "route-check-1"})
    assert status == 404
    outcome = json.loads(raw)
    assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["code"] == "not-found"
    assert headers["x-correlation-id"] == "route-check-1"


def test_conformance_x_api_key_is_accepted_and_correlation_id_echoed(stack, api_keys):
    # (the handlers' log lines under that id: tests/functional/test_correlation_logging.py)
    cid = f"trace-{uuid.uuid4().hex[:8]}"
    body = to_bytes(with_message_id(load_valid("child-registered"), str(uuid.uuid4())))
    headers = {"x-api-key": api_keys[ODS_OF["gp"]], "Content-Type": "application/fhir+json", "X-Correlation-ID": cid}
    status, got, raw = call(stack, "POST", "/$process-message", body, headers)
    assert status == 202, raw
    assert got["x-correlation-id"] == cid
    # a reply API Gateway makes itself echoes it too, and a wrong key is a FHIR 401
    status, got, raw = call(stack, "POST", "/$process-message", body,
                            {**headers, "x-api-key": "sgh_nokey000000_nosecret"})
    assert status == 401 and got["x-correlation-id"] == cid and json.loads(raw)["issue"][0]["code"] == "login"
    # without a client id, the reply names API Gateway's request id
    status, got, _ = call(stack, "GET", "/metadata")
    assert status == 200 and got["x-correlation-id"] == got["x-amzn-requestid"]
