"""`safeguard agency add|list|revoke` in-process on the template's AgenciesTable under moto: issuing,
rotation, revocation as the authorizer sees it, and the exit codes."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

runner = CliRunner()


@pytest.fixture
def cli(hub, tmp_path, monkeypatch):
    from hub.cli import _load_commands, app, stack_state

    _load_commands()
    # never the developer's own state folder
    monkeypatch.setenv("SAFEGUARD_STACK", str(tmp_path))
    monkeypatch.setattr(stack_state, "_chosen", None)  # --stack of an earlier invocation, restored after
    return lambda *args: runner.invoke(app, list(args))


def _authorize(token: str):
    """What the API's authorizer decides for this bearer token: the policy, or None for a 401."""
    from hub.handlers import authorizer
    from tests.support.lambda_events import LambdaContext

    event = {"type": "REQUEST", "headers": {"Authorization": f"Bearer {token}"},
             "methodArn": "arn:aws:execute-api:eu-west-2:123456789012:api/dev/POST/$process-message"}
    try:
        return authorizer.lambda_handler(event, LambdaContext())
    except Exception as exc:  # noqa: BLE001 - API Gateway turns exactly "Unauthorized" into a 401
        assert str(exc) == "Unauthorized"
        return None


def _secret(key: dict) -> str:
    return key["api_key"][len(f"sgh_{key['key_id']}_"):]


def _add(cli, ods: str, kind: str) -> dict:
    res = cli("agency", "add", "--ods", ods, "--kind", kind, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def _list(cli) -> list[dict]:
    res = cli("agency", "list", "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_cli_agency_add_issues_a_key_the_authorizer_accepts(cli, hub):
    # WHEN a key is issued for a GP
    key = _add(cli, "A81001", "gp")
    # THEN the token names the key id, the hub keeps only its hash, and the authorizer lets it in as that GP
    assert key["api_key"].startswith(f"sgh_{key['key_id']}_") and (key["ods"], key["kind"]) == ("A81001", "gp")
    stored = hub.agencies.get(key["key_id"])
    assert stored is not None and _secret(key) not in json.dumps(stored.to_item())
    policy = _authorize(key["api_key"])
    assert policy is not None and policy["context"]["ods"] == "A81001" and policy["context"]["kind"] == "gp"


def test_cli_agency_list_shows_ids_and_agencies_never_secrets(cli):
    keys = [_add(cli, "A81001", "gp"), _add(cli, "P42", "police"), _add(cli, "COMM01", "commissioner")]
    rows = _list(cli)
    assert sorted((r["key_id"], r["ods"], r["kind"]) for r in rows) == sorted(
        (k["key_id"], k["ods"], k["kind"]) for k in keys)
    assert all(r["revoked_at"] is None and r["created_at"] for r in rows)
    listed = cli("agency", "list").output + cli("agency", "list", "--json").output
    assert not any(_secret(k) in listed for k in keys)
    assert all(k["key_id"] in listed for k in keys)


def test_cli_agency_rotation_add_second_key_then_revoke_first(cli):
    # GIVEN a police force with a key in use
    old = _add(cli, "P42", "police")
    # WHEN it rotates: a second key, then the first is revoked
    new = _add(cli, "P42", "police")
    res = cli("agency", "revoke", old["key_id"])
    # THEN the old key is refused at once, the new one works, and the list shows which is which
    assert res.exit_code == 0, res.output
    assert _authorize(old["api_key"]) is None
    assert _authorize(new["api_key"]) is not None
    revoked = {r["key_id"]: r["revoked_at"] for r in _list(cli)}
    assert revoked[old["key_id"]] and revoked[new["key_id"]] is None
    # AND revoking again is harmless and keeps the first revocation time
    again = cli("agency", "revoke", old["key_id"])
    assert again.exit_code == 0 and "already revoked" in again.output
    assert {r["key_id"]: r["revoked_at"] for r in _list(cli)}[old["key_id"]] == revoked[old["key_id"]]


def test_cli_agency_revoke_drops_the_key_from_the_local_api_file(cli, hub, tmp_path, monkeypatch):
    from hub.cli import stack_state

    key = _add(cli, "P42", "police")
    other = _add(cli, "A81001", "gp")
    stack_state.write_api_file({"api_url": "http://127.0.0.1:1", "keys": {
        "P42": {"kind": "police", "key": key["api_key"]}, "A81001": {"kind": "gp", "key": other["api_key"]}}})
    assert cli("agency", "revoke", key["key_id"]).exit_code == 0
    assert set(json.loads((tmp_path / "api.json").read_text())["keys"]) == {"A81001"}


def test_cli_agency_bad_input_and_unknown_keys_have_their_exit_codes(cli):
    assert cli("agency", "add", "--ods", "A81001", "--kind", "astronaut").exit_code == 2
    assert cli("agency", "add", "--ods", "lower", "--kind", "gp").exit_code == 2
    assert cli("agency", "add", "--kind", "gp").exit_code == 2  # --ods missing
    missing = cli("agency", "revoke", "nosuchkey000")
    assert missing.exit_code == 1 and "No key" in missing.output
    assert _list(cli) == []


def test_cli_agency_without_a_stack_exits_3(cli, monkeypatch):
    from hub.bootstrap import build
    from hub.handlers import composition
    from hub.settings import Settings

    composition.use(build(Settings.from_env({})))  # no AGENCIES_TABLE: nothing names a stack
    for args in (("agency", "list"), ("agency", "add", "--ods", "A81001", "--kind", "gp"),
                 ("agency", "revoke", "abc")):
        assert cli(*args).exit_code == 3, args
