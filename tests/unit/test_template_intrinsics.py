"""The local resolver for intrinsic functions (used by deploy to fill the functions' environment)."""
from __future__ import annotations

import pytest

from hub.local.cfn_resolver import NO_VALUE, DeployError, Resolver, refs_in as _refs_in, toposort as _toposort
from hub.local.deploy import data_plane_template

TEMPLATE = {
    "Parameters": {"Stage": {"Type": "String", "Default": "dev"},
                   "Kinds": {"Type": "CommaDelimitedList", "Default": "gp,police"},
                   "Url": {"Type": "String", "Default": ""}},
    "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
                   "HasUrl": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Url"}, ""]}]},
                   "Either": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "HasUrl"}]}},
    "Resources": {"Q": {"Type": "AWS::SQS::Queue"}},
}


def _resolver(params=None):
    p = {"Stage": "dev", "Kinds": "gp,police", "Url": ""}
    p.update(params or {})
    pseudo = {"AWS::Region": "eu-west-2", "AWS::AccountId": "1", "AWS::NoValue": NO_VALUE, "AWS::StackName": "s"}
    return Resolver(TEMPLATE, p, pseudo, get_ref=lambda lid: f"ref-{lid}", get_att=lambda lid, a: f"{lid}.{a}!")


def test_template_intrinsics_ref_sub_join_select():
    r = _resolver()
    assert r.resolve({"Ref": "Q"}) == "ref-Q"
    assert r.resolve({"Fn::Sub": "${AWS::StackName}-${Q.Arn}-${!Literal}-${Stage}"}) == "s-Q.Arn!-${Literal}-dev"
    assert r.resolve({"Fn::Sub": ["${x}/${AWS::Region}", {"x": {"Ref": "Q"}}]}) == "ref-Q/eu-west-2"
    assert r.resolve({"Fn::Join": [",", {"Ref": "Kinds"}]}) == "gp,police"
    assert r.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b"]}]}) == "b"
    assert r.resolve({"Fn::GetAtt": ["Q", "QueueName"]}) == "Q.QueueName!"


def test_template_intrinsics_conditions_and_no_value():
    assert _resolver().resolve({"Fn::If": ["IsProd", "INFO", "DEBUG"]}) == "DEBUG"
    assert _resolver({"Stage": "prod"}).resolve({"Fn::If": ["IsProd", "INFO", "DEBUG"]}) == "INFO"
    assert _resolver({"Url": "https://x"}).condition("Either") is True
    assert _resolver().condition("Either") is False
    assert _resolver().resolve({"a": {"Ref": "AWS::NoValue"}, "b": [1, {"Ref": "AWS::NoValue"}]}) == {"b": [1]}
    with pytest.raises(DeployError):
        _resolver().condition("Nope")


def test_template_intrinsics_dependency_order():
    res = {"A": {"Properties": {"x": {"Fn::GetAtt": ["B", "Arn"]}}},
           "B": {"Properties": {"y": {"Fn::Sub": "${C}"}}},
           "C": {"Properties": {}}}
    assert _toposort(res, {"A", "B", "C"}) == ["C", "B", "A"]
    assert _refs_in({"Fn::Sub": ["${a}-${D.Arn}", {"a": {"Ref": "E"}}]}) == {"D", "E"}
    res["C"]["Properties"] = {"z": {"Ref": "A"}}
    with pytest.raises(DeployError):
        _toposort(res, {"A", "B", "C"})


def test_template_data_plane_drops_functions_api_and_dependents():
    from hub.local.template import DEFAULT_TEMPLATE, load_template

    tpl, removed = data_plane_template(load_template(DEFAULT_TEMPLATE))
    kinds = {r["Type"] for r in tpl["Resources"].values()}
    assert not {"AWS::Serverless::Function", "AWS::Serverless::Api"} & kinds
    assert {"IngestFunction", "HubApi", "IngestErrorsAlarm"} <= removed  # the alarm refers to the function
    assert {"ValidatedQueue", "ChildStateTable", "ArchiveBucket", "HubKey", "ValidatedDLQAlarm"} <= set(tpl["Resources"])
    assert "ApiUrl" not in tpl["Outputs"] and "ValidatedQueueUrl" in tpl["Outputs"]
    assert "Function" not in tpl.get("Globals", {})
    assert tpl["Transform"] == "AWS::Serverless-2016-10-31"


def test_template_data_plane_keeps_the_digest_key_without_the_statement_naming_a_function_role():
    from hub.local.cfn_resolver import refs_in
    from hub.local.template import DEFAULT_TEMPLATE, load_template

    tpl, removed = data_plane_template(load_template(DEFAULT_TEMPLATE))
    res = tpl["Resources"]
    statements = res["AuditDigestKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert "AuditDigestFunctionRole" in removed
    assert statements and not [st for st in statements if "AuditDigestFunctionRole" in str(st)]
    # nothing left refers to what is not deployed (CloudFormation would refuse the template)
    defined = set(res) | set(tpl.get("Parameters") or {})
    dangling = {lid: sorted(x for x in refs_in(r.get("Properties") or {}) if x not in defined and not x.startswith("AWS::"))
                for lid, r in res.items()}
    assert {lid: d for lid, d in dangling.items() if d} == {}
