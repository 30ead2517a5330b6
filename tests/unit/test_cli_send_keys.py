"""`safeguard send` on the local stack issues keys for senders that have none."""
import json

from hub.cli import send, stack_state
from tests.support.messages import EVENTS


def test_send_keys_issued_for_unknown_senders_with_kind_from_agencies_or_guess(tmp_path, monkeypatch):
    monkeypatch.setenv("SAFEGUARD_STACK", str(tmp_path))  # never the developer's own state folder
    monkeypatch.setattr(stack_state, "use_local_stack", lambda: True)
    issued = []
    monkeypatch.setattr(send, "provision", lambda ags: issued.extend(ags) or {
        a["ods"]: {"kind": a["kind"], "key": f"key-{a['ods']}"} for a in ags})
    stack_state.write_api_file({"api_url": "http://127.0.0.1:1", "keys": {"RX1": {"kind": "hospital", "key": "k"}}})
    plan = tmp_path / "plan.json"
    plan.write_text((EVENTS / "valid/plan-started.json").read_text())
    files = [EVENTS / "valid/injury-observed.json", EVENTS / "valid/child-registered.json", plan]
    # GIVEN RX1 has a key and LA123 is named in --agencies; WHEN keys are resolved for the files
    keys = send.keys_for_senders(files, {"RX1": {"kind": "hospital", "key": "k"}},
                                 [{"ods": "LA123", "kind": "social-care"}])
    # THEN only the senders without a key get one, the GP by guess and LA123 as social care, and api.json keeps them
    assert sorted((a["ods"], a["kind"]) for a in issued) == [("A81001", "gp"), ("LA123", "social-care")]
    assert keys["RX1"]["key"] == "k" and keys["A81001"]["key"] == "key-A81001"
    assert set(json.loads((tmp_path / "api.json").read_text())["keys"]) == {"RX1", "A81001", "LA123"}
