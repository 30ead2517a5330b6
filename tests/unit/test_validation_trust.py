"""Contract v1.1 at ingest: the sending time is bounded, identifiers match whole, the sender is a Bundle entry,
`child-registered` is not accepted from police, and no body makes the hub speak Python."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from hub.core.events import event_spec
from hub.core.messages import AGENCY_KINDS, Caller
from hub.core.validation import primitives
from hub.core.validation.nhs import nhs_number_valid, ods_code_valid
from hub.core.validation.values import URN_UUID_RE, UUID_RE, parse_date, parse_datetime, token_ok
from tests.support.messages import VALIDATION_NOW

E0, E1, E2, E3 = (f"Bundle.entry[{i}].resource" for i in range(4))
VALIDATION = Path(__import__("hub.core.validation", fromlist=["x"]).__file__).parent


def faults(verdict) -> set[tuple[str, str]]:
    return {(i["code"], e) for i in verdict.outcome["issue"] for e in i.get("expression", [])}


# ---- Bundle.timestamp: no later than receipt plus 5 minutes (v1.1), and representable ----------------
def test_timestamp_up_to_five_minutes_after_receipt_is_accepted(check, valid_message):
    b = valid_message("injury-observed")
    b["timestamp"] = (VALIDATION_NOW + timedelta(minutes=5)).isoformat()
    assert check(b).status == 202


@pytest.mark.parametrize("stamp", [
    (VALIDATION_NOW + timedelta(minutes=5, seconds=1)).isoformat(),
    "2031-01-01T00:00:00Z",
    "9999-12-31T23:59:59-14:00",  # the relationship hijack: "latest" pushed to the end of time
    "9999-12-31T23:59:59+14:00",
])
def test_timestamp_later_than_receipt_plus_five_minutes_is_a_422_at_bundle_timestamp(check, valid_message, stamp):
    b = valid_message("child-registered")
    b["timestamp"] = stamp
    v = check(b)
    assert v.status == 422 and v.message is None
    assert ("business-rule", "Bundle.timestamp") in faults(v)


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "1899-12-31T23:59:59Z"])
def test_timestamp_before_1900_is_a_422(check, valid_message, stamp):
    b = valid_message("concern-recorded")
    b["timestamp"] = stamp
    assert ("business-rule", "Bundle.timestamp") in faults(check(b))


def test_clinical_times_keep_the_floor_when_the_birth_date_fails(check, valid_message):
    b = valid_message("injury-observed")
    b["entry"][2]["resource"]["birthDate"] = "0001-01-01"
    b["entry"][3]["resource"]["effectiveDateTime"] = "0001-01-01T00:00:00+01:00"
    got = faults(check(b))
    assert ("business-rule", f"{E2}.birthDate") in got
    assert ("business-rule", f"{E3}.effectiveDateTime") in got


def test_clinical_time_after_receipt_plus_five_minutes_is_still_a_422(check, valid_message):
    b = valid_message("injury-observed")
    b["entry"][3]["resource"]["effectiveDateTime"] = "9999-12-31T23:59:59-14:00"
    assert ("business-rule", f"{E3}.effectiveDateTime") in faults(check(b))


# ---- whole-value identifiers, codes and patterns (v1.1) ------------------------------------------
@pytest.mark.parametrize("fn,good", [
    (nhs_number_valid, "9990012008"), (ods_code_valid, "A81001"), (parse_date, "2026-03-10"),
    (parse_datetime, "2026-03-10T09:15:00Z"), (lambda v: UUID_RE.fullmatch(v), "9c06d1ff-1b41-5d7f-b474-776676c07b02"),
    (lambda v: URN_UUID_RE.fullmatch(v), "urn:uuid:9c06d1ff-1b41-5d7f-b474-776676c07b02"),
    (lambda v: token_ok(v, 128), "HH-0001"),
])
@pytest.mark.parametrize("dress", ["{}\n", "{}\r\n", " {}", "{} ", "\n{}", "{}\u2028", "{}\x00"])
def test_patterns_match_the_whole_value(fn, good, dress):
    assert fn(good)
    assert not fn(dress.format(good)), repr(dress.format(good))


def test_dates_and_ids_take_ascii_digits_only():
    assert parse_date("２０２６-03-10") is None and parse_datetime("2026-03-10T09:15:00+0١:00") is None
    assert not nhs_number_valid("999001200٨")


@pytest.mark.parametrize("name", [n for n in dir(primitives) if n.startswith("Fhir") and n not in (
    "FhirString", "FhirMarkdown", "FhirXhtml", "FhirComments", "FhirReference", "FhirBoolean", "FhirInteger",
    "FhirPositiveInt", "FhirUnsignedInt", "FhirDecimal",
    "FhirBase64")])  # base64Binary allows whitespace (R4 regex), so it is no identifier
def test_structural_patterns_reject_a_trailing_line_break(name):
    # pydantic's `pattern=` runs on Rust regex, where `$` is the end of the text (Python's `$` is not): pinned here
    sample = {"FhirCode": "final", "FhirId": "abc", "FhirUri": "urn:x", "FhirOid": "urn:oid:1.2",
              "FhirUuid": "urn:uuid:9c06d1ff-1b41-5d7f-b474-776676c07b02",
              "FhirDate": "2026-03-10", "FhirDateTime": "2026-03-10T09:15:00Z", "FhirInstant": "2026-03-10T09:15:00Z",
              "FhirTime": "09:15:00"}[name]
    adapter = TypeAdapter(getattr(primitives, name))
    assert adapter.validate_python(sample) == sample
    with pytest.raises(ValidationError):
        adapter.validate_python(sample + "\n")


def test_no_partial_matching_in_validation_sources():
    # `.match(` anchors only the start and `$` lets a final "\n" through: every check uses `.fullmatch`
    for path in VALIDATION.rglob("*.py"):
        if path.name == "models.py":
            continue
        text = path.read_text().replace("_STEP.match(body, pos)", "")  # a scanner's step, anchored at pos
        assert not re.search(r"\.match\(|re\.search\(", text), path.name


@pytest.mark.parametrize("where,path", [
    ("nhs", f"{E2}.identifier[0].value"),
    ("sender-ods", f"{E1}.identifier[0].value"),
    ("gp-ods", f"{E2}.generalPractitioner[0].identifier.value"),
    ("household", f"{E2}.extension[0].valueIdentifier.value"),
])
@pytest.mark.parametrize("dress", ["{}\n", " {}", "{}\t"])
def test_identifiers_with_a_line_break_or_edge_whitespace_are_a_422(check, valid_message, where, path, dress):
    b = valid_message("child-registered")
    patient = b["entry"][2]["resource"]
    target = {"nhs": patient["identifier"][0], "sender-ods": b["entry"][1]["resource"]["identifier"][0],
              "gp-ods": patient["generalPractitioner"][0]["identifier"],
              "household": patient["extension"][0]["valueIdentifier"]}[where]
    target["value"] = dress.format(target["value"])
    v = check(b)
    assert v.status == 422, target
    assert ("value", path) in faults(v) or any(e.startswith(path) for _, e in faults(v)), faults(v)


@pytest.mark.parametrize("dress", ["{}\n", " {}"])
def test_business_identifiers_match_whole(check, valid_message, dress):
    b = valid_message("injury-observed")
    ident = b["entry"][3]["resource"]["identifier"][0]
    ident["value"] = dress.format(ident["value"])
    assert ("value", f"{E3}.identifier[0].value") in faults(check(b))


# ---- the sender is an entry, never contained (v1.1) -------------------------------------------------
def _contained_sender(b: dict, ods: str) -> dict:
    header = b["entry"][0]["resource"]
    header["contained"] = [{"resourceType": "Organization", "id": "o1", "identifier": [
        {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": ods}]}]
    header["sender"] = {"reference": "#o1"}
    return b


def test_a_contained_sender_is_a_422_at_the_sender(check, valid_message):
    v = check(_contained_sender(valid_message("injury-observed"), "RX1"))
    assert v.status == 422
    assert ("invalid", f"{E0}.sender") in faults(v)


def test_a_police_key_cannot_pass_as_a_gp_through_a_contained_sender(check, valid_message):
    # the sender bypass: the caller-versus-sender check never runs without the sender's ODS code
    b = _contained_sender(valid_message("concern-recorded"), "A81001")
    v = check(b, caller=Caller("P42", "police"))
    assert v.status == 422 and v.message is None


def test_a_sender_that_names_no_entry_is_rejected(check, valid_message):
    b = valid_message("injury-observed")
    b["entry"][0]["resource"]["sender"] = {"reference": "urn:uuid:00000000-0000-4000-8000-000000000000"}
    v = check(b, caller=Caller("RX1", "hospital"))
    assert v.status == 422
    assert ("not-found", f"{E0}.sender.reference") in faults(v)


# ---- child-registered: every kind but police (v1.1) ---------------------------------------------------
def test_child_registered_from_police_is_a_403(check, valid_message):
    b = valid_message("child-registered")
    b["entry"][1]["resource"]["identifier"][0]["value"] = "P42"
    v = check(b, caller=Caller("P42", "police"))
    assert v.status == 403 and v.outcome["issue"][0]["code"] == "forbidden"


@pytest.mark.parametrize("kind", [k for k in AGENCY_KINDS if k != "police"])
def test_child_registered_from_any_other_kind_is_accepted(check, valid_message, kind):
    assert check(valid_message("child-registered"), caller=Caller("A81001", kind)).status == 202


def test_registry_accepts_child_registered_from_every_kind_but_police():
    assert event_spec("child-registered").accepted_from == set(AGENCY_KINDS) - {"police"}


# ---- a UTF-8 byte order mark, and no Python wording in any diagnostic -------------------------------
def test_a_byte_order_mark_is_a_fhir_worded_400(check):
    body = b"\xef\xbb\xbf" + (Path(__file__).parents[2] / "events/valid/child-seen.json").read_bytes()
    v = check(body)
    assert v.status == 400
    [i] = v.outcome["issue"]
    assert i["code"] == "structure" and "byte order mark" in i["diagnostics"] and i["expression"] == ["Bundle"]


PYTHON_WORDS = re.compile(r"utf-8-sig|sys\.|set_int_max_str_digits|Python|Error\b|Exception|\bchar \d|line \d+ column")


@pytest.mark.parametrize("body", [
    b"\xef\xbb\xbf{}", b'{"a": 1' + b"0" * 5000 + b"}", b'{"a": "\\ud800"}', b'{"a": 1} x', b"{", b'{"a": NaN}',
    b"\xff{}", b"[1]",
])
def test_diagnostics_never_use_python_wording(check, body):
    v = check(body)
    assert 400 <= v.status < 500
    for i in v.outcome["issue"]:
        assert not PYTHON_WORDS.search(i["diagnostics"]), i["diagnostics"]


def test_an_unexpected_fault_is_reported_without_naming_python(check, valid_message, monkeypatch):
    from hub.core.validation import contract

    def boom(*_a, **_k):
        raise KeyError("x")

    monkeypatch.setattr(contract, "check_header", boom)
    v = check(valid_message("child-seen"))
    assert v.status == 422 and "KeyError" not in v.outcome["issue"][0]["diagnostics"]


def test_a_message_is_never_built_without_its_sender_ods(check, valid_message, monkeypatch):
    # whatever a future check misses, no Message leaves the validator with the sender unknown
    from hub.core.validation import header_checks

    monkeypatch.setattr(header_checks, "_check_sender", lambda *_a: None)
    v = check(valid_message("injury-observed"), caller=Caller("RX1", "hospital"))
    assert v.status == 422 and v.message is None
    assert ("required", f"{E0}.sender") in faults(v)
