"""Re-addressing a message copy to one recipient."""
from __future__ import annotations

import copy

import pytest

from hub.core.messages import EXT_EVENT_TYPE, EXT_ORIGINAL_MESSAGE, NS_ODS
from hub.core.routing import Disclosure, ReaddressError, default_policy, minimise, readdress

OLD_MH = "6f1a0c2e-2f0b-4c55-9a57-3a1b2c3d4e5f"
NEW_MH = "0d6e7c3b-1111-4a2b-8c9d-aaaaaaaaaaaa"
NEW_B = "0d6e7c3b-2222-4a2b-8c9d-bbbbbbbbbbbb"
D = Disclosure("social-care", "LA0001", "Children Act 1989 s47", "social-care", "cp-plan-core-group", "v1")


def bundle() -> dict:
    return {
        "resourceType": "Bundle", "id": "orig-bundle", "type": "message", "timestamp": "2025-03-02T09:00:00+00:00",
        "signature": {"type": [{"system": "urn:iso-astm:E1762-95:2013", "code": "1.2.840.10065.1.12.1.1"}], "when": "2025-03-02T09:00:00+00:00", "who": {"display": "x"}},
        "entry": [
            {"fullUrl": f"urn:uuid:{OLD_MH}", "resource": {
                "resourceType": "MessageHeader", "id": OLD_MH,
                "extension": [{"url": EXT_EVENT_TYPE, "valueCode": "new"}],
                "eventCoding": {"system": "https://safeguarding-hub.example/fhir/CodeSystem/message-event", "code": "child-seen"},
                "destination": [{"endpoint": "https://hub.example/$process-message"}],
                "source": {"endpoint": "https://sender.example/fhir"},
                "sender": {"reference": "urn:uuid:00000000-0000-4000-8000-000000000001"},
                "focus": [{"reference": "urn:uuid:00000000-0000-4000-8000-000000000002"}],
            }},
            {"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000001", "resource": {"resourceType": "Organization", "id": "00000000-0000-4000-8000-000000000001"}},
            {"fullUrl": "urn:uuid:00000000-0000-4000-8000-000000000002", "resource": {"resourceType": "Patient", "id": "00000000-0000-4000-8000-000000000002"}},
        ],
    }


def test_routing_readdress_sets_ids_destination_and_original_id():
    # GIVEN an accepted message WHEN re-addressed to the lead LA
    src = bundle()
    snapshot = copy.deepcopy(src)
    out = readdress(src, D, new_message_id=NEW_MH, new_bundle_id=NEW_B)
    # THEN the input is untouched
    assert src == snapshot
    header = out["entry"][0]["resource"]
    # AND the copy has its own ids, with the original MessageHeader.id kept
    assert out["id"] == NEW_B and header["id"] == NEW_MH
    assert out["entry"][0]["fullUrl"] == f"urn:uuid:{NEW_MH}"
    assert {"url": EXT_ORIGINAL_MESSAGE, "valueId": OLD_MH} in header["extension"]
    assert {"url": EXT_EVENT_TYPE, "valueCode": "new"} in header["extension"]
    # AND the destination names exactly this recipient by ODS code
    assert len(header["destination"]) == 1
    dest = header["destination"][0]
    assert dest["receiver"] == {"identifier": {"system": NS_ODS, "value": "LA0001"}}
    assert dest["endpoint"].endswith("/mailbox/LA0001") and dest["endpoint"].startswith("https://")
    # AND the sender's signature (which no longer covers the content) is dropped; the rest is kept
    assert "signature" not in out
    assert out["entry"][1:] == src["entry"][1:]
    assert header["sender"] == src["entry"][0]["resource"]["sender"]


def test_routing_readdress_keeps_the_true_original_when_already_readdressed():
    once = readdress(bundle(), D, new_message_id=NEW_MH, new_bundle_id=NEW_B)
    twice = readdress(once, D, new_message_id="third", new_bundle_id="b3")
    exts = [e for e in twice["entry"][0]["resource"]["extension"] if e["url"] == EXT_ORIGINAL_MESSAGE]
    assert exts == [{"url": EXT_ORIGINAL_MESSAGE, "valueId": OLD_MH}]


def test_routing_readdress_result_is_valid_fhir_after_minimisation():
    from fhir.resources.R4B.bundle import Bundle

    out = readdress(minimise(bundle(), "police", default_policy()), D, new_message_id=NEW_MH, new_bundle_id=NEW_B)
    Bundle.model_validate(out)


def test_routing_readdress_rejects_a_bundle_without_message_header():
    b = bundle()
    b["entry"] = b["entry"][1:]
    with pytest.raises(ReaddressError):
        readdress(b, D, new_message_id=NEW_MH, new_bundle_id=NEW_B)
