"""Transport-level verdicts (spec §1): media type, size, not-JSON, authorisation, never an exception."""
from __future__ import annotations

import json

import pytest

from hub.core.messages import Caller
from hub.core.validation import MAX_BODY_BYTES, Verdict, validate_message


def test_validation_accepts_fhir_json_and_json_media_types(check, valid_message):
    # GIVEN a valid message WHEN posted with each accepted media type THEN 202
    for ct in ("application/fhir+json", "application/json", "Application/FHIR+JSON; charset=utf-8",
               "application/json;charset=UTF-8", None):
        assert check(valid_message("child-seen"), content_type=ct).status == 202, ct


@pytest.mark.parametrize("ct", ["text/plain", "application/xml", "application/fhir+xml", "", "json",
                                "multipart/form-data; boundary=x"])
def test_validation_rejects_other_media_types_with_415(check, valid_message, ct):
    verdict = check(valid_message("child-seen"), content_type=ct)
    assert verdict.status == 415
    assert verdict.message is None
    assert verdict.outcome["issue"][0]["code"] == "not-supported"


def test_validation_rejects_bodies_over_3mb_before_parsing(check):
    # GIVEN a body one byte over the limit that is not even JSON WHEN validated THEN 413, not 400
    body = b"{" + b" " * (MAX_BODY_BYTES - 1) + b"x"
    assert len(body) == MAX_BODY_BYTES + 1
    assert check(body).status == 413


def test_validation_accepts_a_body_of_exactly_3mb(check, valid_message):
    # GIVEN a valid message padded with whitespace to exactly the limit THEN it is still accepted
    raw = json.dumps(valid_message("child-seen")).encode()
    body = raw + b" " * (MAX_BODY_BYTES - len(raw))
    assert len(body) == MAX_BODY_BYTES
    assert check(body).status == 202


@pytest.mark.parametrize("body", [
    b"", b"   ", b"{", b'{"resourceType": "Bundle"', b"[]", b"[{}]", b'"Bundle"', b"42", b"true", b"null",
    b"\xff\xfe{}", b'{"a": NaN}', b'{"a": Infinity}', b'{"a": "\\ud800"}', b"{'a': 1}", b'{"a": 1} trailing',
    "{\"a\": \"\udcff\"}".encode("utf-8", "surrogatepass"), b"\xef\xbb\xbf{}",
])
def test_validation_returns_400_for_bodies_that_are_not_a_json_object(check, body):
    verdict = check(body)
    assert verdict.status == 400, verdict.outcome
    issue = verdict.outcome["issue"][0]
    assert issue["severity"] == "error" and issue["code"] and issue["diagnostics"] and issue["expression"]


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    b'{"resourceType":"Bundle","entry":' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"resourceType":"Bundle","total":' + b"9" * 5000 + b"}",
    b'{"resourceType":"Bundle","total":1e400}',
    b'{"resourceType":"Bundle","total":-0.0e-400}',
    b'{"resourceType":"Bundle","type":"' + b"x" * 10_000 + b'"}',
    b'{"resourceType":"Bundle","type":"message","type":"message"}',
    b'{"resourceType":"Bundle","id":{"a":[1,2,{"b":null}]},"entry":{}}',
    b'{"resourceType":"Bundle","entry":[null, 1, "x", [], {"resource": null}, {"resource": {"resourceType": 7}}]}',
])
def test_validation_never_raises_on_hostile_json(check, body):
    verdict = check(body)
    assert isinstance(verdict, Verdict)
    assert 400 <= verdict.status < 500
    assert all(i.get("expression") for i in verdict.outcome["issue"])


def test_validation_rejects_a_deeply_nested_extension_cleanly(check, valid_message):
    # GIVEN a valid message whose Patient carries an extension nested 3000 levels deep
    bundle = valid_message("child-seen")
    ext = {"url": "x", "valueString": "y"}
    for _ in range(3000):
        ext = {"url": "x", "extension": [ext]}
    bundle["entry"][2]["resource"]["extension"].append(ext)
    body = b"".join(_iter_dump(bundle))
    # WHEN validated THEN a clean 4xx
    verdict = check(body)
    assert 400 <= verdict.status < 500


def _iter_dump(node):
    # json.dumps recurses; an explicit stack builds very deep bodies
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, bytes):
            yield item
        elif isinstance(item, dict):
            parts = []
            for i, (k, v) in enumerate(item.items()):
                parts.append((b"," if i else b"") + json.dumps(k).encode() + b":")
                parts.append(v)
            stack.append(b"}")
            stack.extend(reversed(parts))
            stack.append(b"{")
        elif isinstance(item, list):
            parts = []
            for i, v in enumerate(item):
                if i:
                    parts.append(b",")
                parts.append(v)
            stack.append(b"]")
            stack.extend(reversed(parts))
            stack.append(b"[")
        else:
            yield json.dumps(item).encode()


def test_validation_detects_duplicate_keys_even_with_unicode_escapes(check, valid_message):
    # GIVEN a message whose Observation repeats "status" and contains \u escapes elsewhere
    raw = json.dumps(valid_message("injury-observed"), ensure_ascii=True)
    raw = raw.replace('"left cheek"', '"left \\u0063heek"').replace('"status": "final"',
                                                                     '"status": "final", "status": "final"')
    verdict = check(raw.encode())
    assert verdict.status == 422
    assert any(i["code"] == "structure" and "status" in i["expression"][0] for i in verdict.outcome["issue"])


def test_validation_accepts_unicode_escapes_without_duplicates(check, valid_message):
    raw = json.dumps(valid_message("injury-observed"), ensure_ascii=True).replace('"left cheek"', '"left \\u00e9"')
    assert check(raw.encode()).status == 202


# ---- authorisation (§1) --------------------------------------------------------------
def test_validation_with_caller_sets_sender_kind(check, valid_message):
    verdict = check(valid_message("child-seen"), caller=Caller(ods="HV001", kind="health-visiting"))
    assert verdict.status == 202
    assert verdict.message.sender_kind == "health-visiting"
    assert check(valid_message("child-seen")).message.sender_kind is None


def test_validation_rejects_a_sender_that_is_not_the_caller_with_403(check, valid_message):
    verdict = check(valid_message("child-seen"), caller=Caller(ods="A81001", kind="health-visiting"))
    assert verdict.status == 403
    assert verdict.message is None
    assert verdict.outcome["issue"][0]["code"] == "forbidden"
    assert verdict.outcome["issue"][0]["expression"] == ["Bundle.entry[0].resource.sender"]


@pytest.mark.parametrize("event,kind,ok", [
    ("plan-started", "social-care", True), ("plan-started", "gp", False), ("plan-started", "police", False),
    ("plan-ended", "social-care", True), ("plan-ended", "hospital", False),
    ("medical-examination", "gp", True), ("medical-examination", "hospital", True),
    ("medical-examination", "police", False), ("medical-examination", "social-care", False),
    ("medical-examination", "health-visiting", False),
    ("injury-observed", "police", True), ("concern-recorded", "social-care", True),
    ("child-seen", "hospital", True), ("immunisation-recorded", "health-visiting", True),
])
def test_validation_authorises_events_by_caller_kind(check, valid_message, event, kind, ok):
    # GIVEN the caller is the sender in the body, with the given kind
    bundle = valid_message(event)
    ods = bundle["entry"][1]["resource"]["identifier"][0]["value"]
    verdict = check(bundle, caller=Caller(ods=ods, kind=kind))
    assert verdict.status == (202 if ok else 403), verdict.outcome
    if not ok:
        assert verdict.outcome["issue"][0]["expression"] == ["Bundle.entry[0].resource.eventCoding.code"]


def test_validation_rejects_non_agency_callers(check, valid_message):
    verdict = check(valid_message("child-seen"), caller=Caller(ods="HV001", kind="commissioner"))
    assert verdict.status == 403


def test_validation_without_caller_skips_authorisation(check, valid_message):
    # the CLI path: a plan-started from any sender is judged on content only
    assert check(valid_message("plan-started"), caller=None).status == 202


def test_validate_message_keyword_only_interface(valid_message, now):
    body = json.dumps(valid_message("child-seen")).encode()
    with pytest.raises(TypeError):
        validate_message(body, "application/json", None, now)  # type: ignore[misc]
    assert validate_message(body, content_type="application/json", caller=None, now=now).status == 202
