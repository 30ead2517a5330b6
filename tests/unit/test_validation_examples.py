"""The published examples in events/: every valid one is accepted, every invalid one fails as its .expected.json says."""
from __future__ import annotations

import json

import pytest
from tests.support.messages import EVENTS, invalid_example_paths, valid_example_paths

from hub.core.messages import AGENCY_KINDS, EVENT_CODES, Caller

KIND_BY_ODS = {"A81001": "gp", "RX1": "hospital", "HV001": "health-visiting", "P42": "police", "LA123": "social-care"}


@pytest.mark.parametrize("path", valid_example_paths(), ids=lambda p: p.name)
def test_validation_examples_valid_are_accepted(check, path):
    verdict = check(path.read_bytes())
    assert verdict.status == 202, verdict.outcome
    assert verdict.message is not None and verdict.message.facts
    assert path.name.split(".")[0] == verdict.message.event  # files are named by event


@pytest.mark.parametrize("path", valid_example_paths(), ids=lambda p: p.name)
def test_validation_examples_valid_are_accepted_from_their_sender(check, path):
    body = json.loads(path.read_bytes())
    ods = next(e["resource"]["identifier"][0]["value"] for e in body["entry"]
               if e["fullUrl"] == body["entry"][0]["resource"]["sender"]["reference"])
    assert check(body, caller=Caller(ods=ods, kind=KIND_BY_ODS[ods])).status == 202


def test_validation_examples_cover_every_event_and_agency_kind():
    events, kinds = set(), set()
    for path in valid_example_paths():
        body = json.loads(path.read_bytes())
        events.add(body["entry"][0]["resource"]["eventCoding"]["code"])
        sender = body["entry"][0]["resource"]["sender"]["reference"]
        ods = next(e["resource"]["identifier"][0]["value"] for e in body["entry"] if e["fullUrl"] == sender)
        kinds.add(KIND_BY_ODS[ods])
    assert events == set(EVENT_CODES)
    assert kinds == set(AGENCY_KINDS)


@pytest.mark.parametrize("path", invalid_example_paths(), ids=lambda p: p.name)
def test_validation_examples_invalid_fail_as_expected(check, path):
    expected = json.loads(path.with_name(path.stem + ".expected.json").read_text())
    caller = Caller(**expected["caller"]) if "caller" in expected else None  # authorisation examples (§1)
    verdict = check(path.read_bytes(), caller=caller)
    assert verdict.status == expected["status"], verdict.outcome
    assert verdict.message is None
    got = [(i["code"], i.get("expression", [])) for i in verdict.outcome["issue"]]
    for want in expected["issues"]:
        assert any(code == want["code"] and ("expression" not in want or want["expression"] in exprs)
                   for code, exprs in got), (want, got)


def test_validation_examples_invalid_include_non_json():
    statuses = {json.loads(p.with_name(p.stem + ".expected.json").read_text())["status"]
                for p in invalid_example_paths()}
    assert {400, 422} <= statuses
    assert len(invalid_example_paths()) >= 15


def test_validation_examples_readme_lists_every_file():
    readme = (EVENTS / "README.md").read_text()
    for path in valid_example_paths() + invalid_example_paths():
        assert path.name in readme, path.name
