"""What a body can cost the hub: a capped OperationOutcome (v1.1), replies under 1 MB, little memory for a
rejected body, and every value the router and the rules read bounded at ingest."""
from __future__ import annotations

import copy
import json
import tracemalloc

import pytest

from hub.core.validation import MAX_BODY_BYTES, warm_up
from hub.core.validation.limits import (
    MAX_FOCUS, MAX_IDENTIFIER, MAX_ISSUES, MAX_JSON_VALUES, MAX_REASONS, MAX_TEXT,
)

E0, E2, E3 = "Bundle.entry[0].resource", "Bundle.entry[2].resource", "Bundle.entry[3].resource"
ONE_MB = 1024 * 1024


def _entries_with_bad_full_urls(bundle: dict, n: int, pad: int = 0) -> dict:
    bad = {"fullUrl": "urn:uuid:" + "x" * pad, "resource": {"resourceType": "Basic"}}
    bundle["entry"] += [copy.deepcopy(bad) for _ in range(n)]
    return bundle


def _reply_bytes(verdict) -> int:
    return len(json.dumps(verdict.outcome).encode())


# ---- at most 100 issues, then one that says how many more ------------------------------------------
def test_an_outcome_lists_at_most_100_issues_then_how_many_more(check, valid_message):
    v = check(_entries_with_bad_full_urls(valid_message("injury-observed"), 150))
    assert v.status == 422
    issues = v.outcome["issue"]
    assert len(issues) == MAX_ISSUES + 1
    last = issues[-1]
    assert last["code"] == "too-costly" and last["severity"] == "error" and last["expression"] == ["Bundle"]
    more = int(last["diagnostics"].split()[0])
    assert more >= 2 * 150 - MAX_ISSUES  # each bad entry: its fullUrl and its resource type
    assert all(i["severity"] == "error" and i["expression"] for i in issues)


def test_an_outcome_at_the_cap_has_no_count_issue(check, valid_message):
    b = valid_message("injury-observed")
    b["entry"][3]["resource"]["zz"] = 1
    issues = check(b).outcome["issue"]
    assert len(issues) == 1 and issues[0]["code"] != "too-costly"


def test_contract_faults_past_the_cap_are_counted_not_built(valid_message, now):
    from hub.core.validation.contract import MessageChecker

    checker = MessageChecker(valid_message("injury-observed"), now, None)
    for k in range(MAX_ISSUES + 40):
        checker.err("value", "x", f"Bundle.entry[{k}]")
    assert len(checker.errors) == MAX_ISSUES and checker.omitted == 40


# ---- replies under 1 MB: nothing unbounded is echoed ------------------------------------------------
@pytest.mark.parametrize("where", ["key", "code", "reference", "duplicate-key", "event"])
def test_huge_values_are_never_echoed(check, valid_message, where):
    big = "Z" * 400_000
    b = valid_message("injury-observed")
    res = b["entry"][3]["resource"]
    body = None
    if where == "key":
        for k in range(3):
            res[big + str(k)] = 1
    elif where == "code":
        res["code"]["coding"][0]["code"] = big
    elif where == "reference":
        res["subject"]["reference"] = big
    elif where == "event":
        b["entry"][0]["resource"]["eventCoding"]["code"] = big
    else:
        body = json.dumps(b).encode()[:-1] + f', "{big}": 1, "{big}": 2}}'.encode()
    v = check(body or b)
    assert v.status == 422
    assert _reply_bytes(v) < 8 * 1024, v.outcome


def test_a_3mb_body_of_faults_gets_a_small_reply(check, valid_message):
    b = _entries_with_bad_full_urls(valid_message("injury-observed"), 900, pad=3200)
    body = json.dumps(b).encode()
    assert 2.75 * 10**6 < len(body) <= MAX_BODY_BYTES
    v = check(body)
    assert v.status == 422 and len(v.outcome["issue"]) == MAX_ISSUES + 1
    assert _reply_bytes(v) < 64 * 1024


# ---- memory: a rejected body costs a few MB beyond itself ------------------------------------------
def _peak(check, body: bytes):
    warm_up()
    tracemalloc.start()
    try:
        verdict = check(body)
        return verdict, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("shape", ["many-small", "few-large"])
def test_a_275mb_body_of_bad_entries_costs_under_5x_its_size(check, valid_message, shape):
    # many-small: the issue's attack (a 22 MB reply, a 305 MB peak); few-large: under the value budget, so the
    # whole validation runs and the cap on materialised faults is what bounds it
    b = valid_message("injury-observed")
    if shape == "many-small":
        b["entry"] += [{"fullUrl": "x", "resource": {"resourceType": "Observation", "zz": 1}}] * 40_000
    else:
        _entries_with_bad_full_urls(b, 850, pad=3200)
    body = json.dumps(b).encode()
    assert 2.75 * 10**6 <= len(body) <= MAX_BODY_BYTES
    verdict, peak = _peak(check, body)
    assert verdict.status == 422
    assert _reply_bytes(verdict) < 64 * 1024
    assert peak < 5 * len(body), f"peak {peak / 1e6:.1f} MB for a {len(body) / 1e6:.2f} MB body"


def test_a_body_over_the_value_budget_is_a_422_before_it_is_parsed(check, valid_message):
    b = valid_message("injury-observed")
    b["entry"][3]["resource"]["note"] = [{"text": "x"}] * (MAX_JSON_VALUES // 2)
    v = check(b)
    assert v.status == 422
    assert [(i["code"], i["expression"]) for i in v.outcome["issue"]] == [("too-long", ["Bundle"])]


def test_the_largest_examples_sit_far_below_the_value_budget(check):
    from hub.core.validation.json_text import json_values_over
    from tests.support.messages import valid_example_paths
    from tests.support.ukcore import ukcore_paths, wrap_ukcore

    bodies = [p.read_bytes() for p in valid_example_paths()]
    bodies += [json.dumps(wrap_ukcore(json.loads(p.read_text()))).encode() for p in ukcore_paths()]
    assert not any(json_values_over(body, MAX_JSON_VALUES // 10) for body in bodies)


@pytest.mark.parametrize("text,count", [
    (b'{"a": [1, 2, {"b": "x,y:[{"}], "c\\"d": null}', 9), (b"[]", 1), (b'"s"', 0), (b"[" * 50 + b"]" * 50, 50),
    (b'{"a\\\\": 1}', 2), (b'"unterminated, [{:', 0),
])
def test_the_value_count_skips_what_strings_hold(text, count):
    from hub.core.validation.json_text import json_value_count

    assert json_value_count(text, 1000) == count
    assert json_value_count(text, 0) == min(count, 1)  # stops as soon as the limit is passed


def test_the_value_count_is_one_pass_over_hostile_text():
    from hub.core.validation.json_text import json_value_count, json_values_over

    # each escaped quote could restart a naive scan: a quadratic pattern would never return
    assert json_value_count(b'"' + b'\\"' * 1_000_000, 10) == 0
    assert json_values_over(b"[" + b"1," * 20_000 + b"1]", MAX_JSON_VALUES)
    assert not json_values_over(b'["' + b"," * 2_000_000 + b'"]', MAX_JSON_VALUES)


# ---- every value the router and rules read is bounded ----------------------------------------------
def test_more_focus_resources_than_the_bound_is_a_422(check, valid_message):
    b = valid_message("immunisation-recorded")
    b["entry"][0]["resource"]["focus"] = [b["entry"][0]["resource"]["focus"][0]] * (MAX_FOCUS + 1)
    assert ("too-long", f"{E0}.focus") in {(i["code"], i["expression"][0]) for i in check(b).outcome["issue"]}


def test_more_reasons_than_the_bound_is_a_422(check, valid_message):
    b = valid_message("medical-examination")
    res = b["entry"][3]["resource"]
    res["reasonReference"] = [{"identifier": {"system": "https://x.example/id", "value": f"r{k}"}}
                              for k in range(MAX_REASONS + 1)]
    assert ("too-long", f"{E3}.reasonReference") in {(i["code"], i["expression"][0])
                                                     for i in check(b).outcome["issue"]}


@pytest.mark.parametrize("where,path", [
    ("business-id", f"{E3}.identifier[0].value"),
    ("body-site", f"{E3}.bodySite"),
    ("household", f"{E2}.extension[0].valueIdentifier.value"),
])
def test_strings_the_hub_keeps_are_bounded(check, valid_message, where, path):
    b = valid_message("injury-observed")
    obs, patient = b["entry"][3]["resource"], b["entry"][2]["resource"]
    if where == "business-id":
        obs["identifier"][0]["value"] = "x" * (MAX_IDENTIFIER + 1)
    elif where == "body-site":
        obs["bodySite"] = {"text": "x" * (MAX_TEXT + 1)}
    else:
        ext = next(x for x in patient.get("extension", []) if x["url"].endswith("household"))
        ext["valueIdentifier"]["value"] = "H" * (MAX_IDENTIFIER + 1)
    v = check(b)
    assert v.status == 422 and path in {i["expression"][0] for i in v.outcome["issue"]}, v.outcome


def test_strings_at_their_bound_are_accepted(check, valid_message):
    b = valid_message("injury-observed")
    b["entry"][3]["resource"]["identifier"][0]["value"] = "x" * MAX_IDENTIFIER
    b["entry"][3]["resource"]["bodySite"] = {"text": "left shin " * (MAX_TEXT // 10)}
    assert check(b).status == 202


def test_structural_faults_past_the_cap_are_the_same_first_ones(valid_message):
    # read one at a time from pydantic's JSON rendering: the same first faults, in the same order, as errors()
    from hub.core.validation import structure

    adapter, ValidationError = structure.structure_validator()
    b = _entries_with_bad_full_urls(valid_message("injury-observed"), 150)
    b["entry"][3]["resource"]["zz"] = 1
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(b)
    exc = caught.value
    assert exc.error_count() > MAX_ISSUES
    capped, omitted = structure.structural_issues(exc)
    assert len(capped) == MAX_ISSUES and omitted == exc.error_count() - MAX_ISSUES
    opts = {"include_url": False, "include_input": False, "include_context": True}
    full = structure._first_errors(exc.json(**opts), 10**6)
    assert len(full) == exc.error_count()
    assert [e["loc"] for e in full] == [list(e["loc"]) for e in exc.errors(**opts)]
