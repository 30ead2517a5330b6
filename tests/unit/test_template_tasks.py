"""template.yaml for alert Tasks and police routing: the Task table and its indexes, the Task API function and
routes behind the agency authorizer, least-privilege IAM on the table, and the parameters the settings read."""
from __future__ import annotations

from pathlib import Path

import pytest

from hub import settings
from tests.support.template_fixtures import cfn, source  # noqa: F401 - pytest fixtures

ROOT = Path(__file__).resolve().parents[2]
ROUTES = {("GET", "/Task"), ("GET", "/Task/{id}")} | {("POST", f"/Task/{{id}}/${op}")
                                                      for op in ("acknowledge", "assign", "decide", "close")}


def test_the_task_table_has_owner_alert_and_due_indexes(source):
    table = source["Resources"]["TaskTable"]
    assert table["DeletionPolicy"] == "Retain"
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    indexes = {i["IndexName"]: [k["AttributeName"] for k in i["KeySchema"]] for i in props["GlobalSecondaryIndexes"]}
    assert indexes == {"owner-index": ["owner", "last_updated"], "alert-index": ["alert_id"],
                       "due-index": ["due_shard", "next_due"]}
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_the_task_routes_are_the_task_api_functions_and_all_need_the_authorizer(cfn):
    (api,) = [r for r in cfn["Resources"].values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    paths = api["Properties"]["Body"]["paths"]
    found = {(m.upper(), p): op for p, ms in paths.items() for m, op in ms.items() if p.startswith("/Task")}
    assert set(found) == ROUTES
    assert all(op.get("security") == [{"AgencyAuthorizer": []}] for op in found.values())
    assert all("TaskApiFunction" in str(op["x-amazon-apigateway-integration"]["uri"]) for op in found.values())


def _statements(source, function: str) -> list[dict]:
    out = []
    for pol in source["Resources"][function]["Properties"]["Policies"]:
        if isinstance(pol, dict) and "Statement" in pol:
            out += pol["Statement"]
    return out


@pytest.mark.parametrize("function", ["TaskApiFunction", "RulesFunction", "SweepFunction"])
def test_functions_touching_tasks_may_read_create_and_update_but_never_delete(source, function):
    [stmt] = [s for s in _statements(source, function) if s.get("Sid") == "AlertTasks"]
    assert sorted(stmt["Action"]) == ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
    assert "TaskTable" in str(stmt["Resource"])


def test_parameters_reach_the_settings_names(source):
    env = source["Globals"]["Function"]["Environment"]["Variables"]
    assert {settings.TASK_TABLE, settings.ESCALATION_RECIPIENTS, settings.ESCALATION_DELAY_HOURS,
            settings.POLICE_FORCE_BY_LA} <= set(env)
    params = source["Parameters"]
    assert params["PoliceForceByLa"]["Default"] == ""  # nothing goes to police until a deployment maps its forces
    assert settings.pairs(params["EscalationDelayHours"]["Default"]) == {"critical": "4", "high": "24", "medium": "120"}
    parsed = settings.Settings.from_env({settings.POLICE_FORCE_BY_LA: "LA123=P42, LA9=P7",
                                         settings.ESCALATION_RECIPIENTS: "owner,DSP001"})
    assert parsed.police_force_by_la == {"LA123": "P42", "LA9": "P7"}
    assert parsed.escalation_recipients == ("owner", "DSP001")
    with pytest.raises(ValueError):
        settings.pairs("LA123P42")


def test_the_task_api_function_has_a_build_target_and_an_errors_alarm(source):
    assert "TaskApiFunction" in (ROOT / "functions" / "Makefile").read_text()
    alarm = source["Resources"]["TaskApiErrorsAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Ref": "TaskApiFunction"}
