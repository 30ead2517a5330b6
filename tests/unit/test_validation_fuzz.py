"""Property tests: mutated valid messages always get a located 4xx, and no input ever raises.

Default 300 examples per property (CI); FUZZ_EXAMPLES=10000 for a long run.
"""
from __future__ import annotations

import copy
import json
import os
import random

import pytest
from tests.support.messages import VALIDATION_NOW, load_valid, valid_example_paths
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.core.messages import Caller
from hub.core.validation import Verdict, validate_message

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize=EXAMPLES <= 300)
NAMES = [p.name[: -len(".json")] for p in valid_example_paths()]


def run(body, caller=None) -> Verdict:
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    verdict = validate_message(body, content_type="application/fhir+json", caller=caller, now=VALIDATION_NOW)
    assert isinstance(verdict, Verdict)
    return verdict


def fhirpath(path: tuple) -> str:
    out = "Bundle"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def nodes(value, path=()):
    """Every (path, value) below the root."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield path + (k,), v
            yield from nodes(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield path + (i,), v
            yield from nodes(v, path + (i,))


def get_parent(root, path):
    node = root
    for p in path[:-1]:
        node = node[p]
    return node


def assert_located_4xx(verdict: Verdict, path: tuple | None = None) -> None:
    assert 400 <= verdict.status < 500, verdict.outcome
    assert verdict.message is None
    issues = verdict.outcome["issue"]
    assert issues and all(i["severity"] == "error" and i["code"] and i["diagnostics"] and i["expression"]
                          for i in issues)
    if path is not None:
        target = fhirpath(path)
        exprs = [e for i in issues for e in i["expression"]]
        # the fault is reported at the element, inside it, or at an enclosing element
        assert any(target.startswith(e) or e.startswith(target) for e in exprs if e != "Bundle"), (target, exprs)


OTHER_KIND = {
    str: [1, True, {"x": "y"}, ["x"]],
    bool: ["true", 1, {"x": True}],
    int: ["1", True, {"x": 1}, [1]],
    float: ["1.5", True, [1.5]],
    dict: ["x", 1, True, ["x"], []],
    list: ["x", 1, {"x": "y"}, []],
}


@FUZZ
@given(name=st.sampled_from(NAMES), data=st.data())
def test_fuzz_retyped_element_is_a_located_4xx(name, data):
    # GIVEN a valid message WHEN any element's value changes JSON kind THEN 4xx located at (or around) it
    bundle = load_valid(name)
    path, value = data.draw(st.sampled_from(list(nodes(bundle))))
    replacement = data.draw(st.sampled_from(OTHER_KIND[type(value)]))
    get_parent(bundle, path)[path[-1]] = copy.deepcopy(replacement)
    assert_located_4xx(run(bundle), path)


@FUZZ
@given(name=st.sampled_from(NAMES), data=st.data(),
       key=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8))
def test_fuzz_unknown_element_is_a_located_4xx(name, data, key):
    bundle = load_valid(name)
    objects = [(p, v) for p, v in nodes(bundle) if isinstance(v, dict)]
    path, obj = data.draw(st.sampled_from(objects))
    obj["zz" + key] = data.draw(st.sampled_from(["x", 1, True, {"a": "b"}, ["c"]]))
    assert_located_4xx(run(bundle), path + ("zz" + key,))


REQUIRED_BY_EVENT = {
    # (path in the example, why) - each is required by the contract for that message
    "*": [("type",), ("id",), ("timestamp",), ("entry", 0, "resource", "id"),
          ("entry", 0, "resource", "eventCoding"), ("entry", 0, "resource", "source", "contact"),
          ("entry", 0, "resource", "sender"), ("entry", 0, "resource", "focus"),
          ("entry", 1, "resource", "identifier"), ("entry", 2, "resource", "birthDate"),
          ("entry", 2, "resource", "identifier"), ("entry", 1, "fullUrl"), ("entry", 2, "fullUrl")],
    "plan-started": [("status",), ("type",), ("period",), ("managingOrganization",), ("careManager",),
                     ("identifier",), ("patient",)],
    "plan-ended": [("status",), ("period", "end"), ("extension",), ("identifier",), ("patient",)],
    "injury-observed": [("status",), ("code",), ("effectiveDateTime",), ("bodySite",), ("performer",),
                        ("identifier",), ("subject",)],
    "medical-examination": [("type",), ("period",), ("identifier",), ("subject",), ("class",), ("status",)],
    "immunisation-recorded": [("status",), ("vaccineCode",), ("protocolApplied",), ("occurrenceDateTime",),
                              ("identifier",), ("patient",)],
    "appointment-outcome": [("status",), ("serviceType",), ("start",), ("participant",), ("identifier",)],
    "child-seen": [("type",), ("period",), ("extension",), ("identifier",), ("subject",)],
    "concern-recorded": [("code",), ("effectiveDateTime",), ("identifier",), ("subject",), ("status",)],
    "mobility-assessed": [("code",), ("effectiveDateTime",), ("valueBoolean",), ("identifier",), ("subject",)],
    "child-registered": [],
}


@FUZZ
@given(name=st.sampled_from(NAMES), data=st.data())
def test_fuzz_dropped_required_element_is_a_located_4xx(name, data):
    bundle = load_valid(name)
    event = name.split(".")[0]
    choices = list(REQUIRED_BY_EVENT["*"]) + [("entry", 3, "resource") + p for p in REQUIRED_BY_EVENT[event]]
    if event == "child-registered":
        choices = [c for c in choices if c[:2] != ("entry", 2)] + [
            ("entry", 2, "resource", "generalPractitioner"), ("entry", 2, "resource", "birthDate")]
    path = data.draw(st.sampled_from(choices))
    del get_parent(bundle, path)[path[-1]]
    assert_located_4xx(run(bundle), path)


@FUZZ
@given(name=st.sampled_from(NAMES), data=st.data())
def test_fuzz_duplicated_entry_is_a_located_4xx(name, data):
    bundle = load_valid(name)
    i = data.draw(st.integers(0, len(bundle["entry"]) - 1))
    at = data.draw(st.integers(0, len(bundle["entry"])))
    bundle["entry"].insert(at, copy.deepcopy(bundle["entry"][i]))
    verdict = run(bundle)
    assert_located_4xx(verdict)
    assert any(i["code"] == "duplicate" for i in verdict.outcome["issue"]) or at == 0


def _bad_nhs(draw) -> str:
    digits = draw(st.text(alphabet="0123456789", min_size=10, max_size=10))
    from hub.core.validation.nhs import nhs_number_valid

    return digits if not nhs_number_valid(digits) else digits[:9] + str((int(digits[9]) + 1) % 10)


@FUZZ
@given(name=st.sampled_from(NAMES), data=st.data())
def test_fuzz_corrupted_identifiers_are_located_4xx(name, data):
    bundle = load_valid(name)
    p_idx = next(i for i, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == "Patient")
    kind = data.draw(st.sampled_from(["nhs", "nhs-text", "ods", "header-id", "full-url", "event-code"]))
    if kind == "nhs":
        path = ("entry", p_idx, "resource", "identifier", 0, "value")
        bad = _bad_nhs(data.draw)
        # a corrupted-but-valid NHS number could collide with Mod 11 only by luck; _bad_nhs prevents it
    elif kind == "nhs-text":
        path = ("entry", p_idx, "resource", "identifier", 0, "value")
        bad = data.draw(st.text(min_size=1, max_size=12).filter(lambda s: not (s.isdigit() and len(s) == 10)))
    elif kind == "ods":
        path = ("entry", 1, "resource", "identifier", 0, "value")
        bad = data.draw(st.one_of(st.text(alphabet="abcdefgh0123", min_size=3, max_size=8).filter(
            lambda s: any(c.islower() for c in s)), st.text(alphabet="ABC123", min_size=9, max_size=12),
            st.text(alphabet="ABC", max_size=2)))
    elif kind == "header-id":
        path = ("entry", 0, "resource", "id")
        bad = data.draw(st.from_regex(r"\A[A-Za-z0-9.\-]{1,30}\Z").filter(lambda s: len(s) != 36))
    elif kind == "full-url":
        path = ("entry", data.draw(st.integers(0, len(bundle["entry"]) - 1)), "fullUrl")
        bad = data.draw(st.sampled_from(["urn:uuid:not-a-uuid", "http://example.org/x",
                                         "urn:uuid:" + "A" * 8 + "-0000-4000-8000-000000000000"]))
    else:
        path = ("entry", 0, "resource", "eventCoding", "code")
        bad = data.draw(st.text(min_size=1, max_size=20).filter(lambda s: s not in {
            "child-registered", "plan-started", "plan-ended", "injury-observed", "medical-examination",
            "immunisation-recorded", "appointment-outcome", "child-seen", "concern-recorded", "mobility-assessed"}))
    get_parent(bundle, path)[path[-1]] = bad
    assert_located_4xx(run(bundle), path if kind != "full-url" else None)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=30,
)


@FUZZ
@given(value=json_values)
def test_fuzz_arbitrary_json_is_a_clean_4xx(value):
    verdict = run(json.dumps(value).encode())
    assert_located_4xx(verdict)


@FUZZ
@given(raw=st.binary(max_size=400))
def test_fuzz_arbitrary_bytes_never_raise(raw):
    verdict = run(raw, caller=Caller(ods="A81001", kind="gp"))
    assert_located_4xx(verdict)


@FUZZ
@given(name=st.sampled_from(NAMES), cut=st.integers(min_value=1, max_value=10_000))
def test_fuzz_truncated_bodies_are_400(name, cut):
    body = json.dumps(load_valid(name)).encode()
    verdict = run(body[: min(cut, len(body) - 1)])
    assert verdict.status == 400
    assert_located_4xx(verdict)


@FUZZ
@given(name=st.sampled_from(NAMES), data=st.data())
def test_fuzz_byte_flips_never_raise(name, data):
    body = bytearray(json.dumps(load_valid(name)).encode())
    for _ in range(data.draw(st.integers(1, 5))):
        body[data.draw(st.integers(0, len(body) - 1))] = data.draw(st.integers(0, 255))
    verdict = run(bytes(body))
    assert isinstance(verdict, Verdict) and verdict.status in (202, 400, 403, 422)
    if verdict.status != 202:
        assert_located_4xx(verdict)


def test_fuzz_profile_is_configurable():
    # CI default is modest; FUZZ_EXAMPLES raises it for a long run
    assert EXAMPLES >= 300 or os.environ.get("FUZZ_EXAMPLES")
    random.seed(0)
