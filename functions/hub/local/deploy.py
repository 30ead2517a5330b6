"""Deploy template.yaml's data plane on an emulator and describe the result as a `StackInfo`.

Two ways, one result:
- `deploy` creates every KMS key, bucket, table, queue, secret, topic, log group and alarm the (translated)
  template declares, generically by resource type (`resource_creators`), in dependency order, resolving
  the template's intrinsics with `cfn_resolver`; nothing here names a particular queue or table.
- `deploy_cloudformation` sends the template (SAM transform included, functions and API removed) to the
  emulator's CloudFormation, e.g. LocalStack, and reads the physical ids back.
Lambda, API Gateway, IAM, EventBridge and Pipes resources are not created: `hub.local.runtime.LocalRuntime`
plays those parts from `StackInfo.functions`.

The endpoint is `endpoint_url` when given, else boto3's own lookup (AWS_ENDPOINT_URL); the credentials
are the session's.
"""
from __future__ import annotations

import copy
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from hub.local.cfn_resolver import DeployError, Resolver, pseudo_parameters, refs_in, toposort
from hub.local.function_specs import function_specs
from hub.local.resource_attrs import DeployedResources
from hub.local.resource_creators import CREATORS, ClientCache, CreateContext
from hub.local.stack_info import FunctionSpec, StackInfo
from hub.local.template import DEFAULT_ACCOUNT, DEFAULT_REGION, DEFAULT_TEMPLATE, load_template, parameter_defaults, translate

__all__ = ["CFN_EXCLUDED_TYPES", "DeployError", "FunctionSpec", "StackInfo", "data_plane_template", "deploy",
           "deploy_cloudformation"]

log = logging.getLogger(__name__)


def deploy(
    template_path: str | os.PathLike | None = None,
    *,
    session=None,
    endpoint_url: str | None = None,
    stack_name: str = "hub-local",
    parameters: dict[str, Any] | None = None,
    save_to: str | os.PathLike | None | bool = None,
) -> StackInfo:
    """Create every data-plane resource of the template on the emulator; return its StackInfo.

    Idempotent per stack_name on one emulator (existing queues/tables/keys are reused).
    save_to: path for the StackInfo JSON; None -> .local/stack.json, False -> don't write.
    """
    template_path = Path(template_path) if template_path else DEFAULT_TEMPLATE
    ctx = _context(session, endpoint_url, stack_name)
    source = load_template(template_path)
    cfn = translate(source, parameters=parameters, region=ctx.region)
    resources = cfn.get("Resources") or {}
    physical: dict[str, str] = {}
    state = DeployedResources(resources, ctx, physical)
    resolver = _resolver(cfn, parameters, ctx, state)
    wanted, skipped = set(), {}
    for lid, r in resources.items():
        if r.get("Condition") and not resolver.condition(r["Condition"]):
            continue
        (wanted.add(lid) if r["Type"] in CREATORS else skipped.__setitem__(lid, r["Type"]))
    for lid in toposort(resources, wanted):
        props = resolver.resolve(resources[lid].get("Properties") or {})
        physical[lid] = CREATORS[resources[lid]["Type"]](lid, props, ctx)
    info = _build_info(source, cfn, resolver, state, ctx, template_path, skipped)
    if save_to is not False:
        info.save(save_to or None)
    return info


# ----------------------------------------------------------------------------- CloudFormation (LocalStack)
# Lambda cannot run in LocalStack host mode (no Docker): leave out the functions and what hangs off them.
CFN_EXCLUDED_TYPES = frozenset({
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
    "AWS::Serverless::HttpApi",
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventSourceMapping",
    "AWS::ApiGateway::Authorizer",
})


def data_plane_template(source: dict, excluded_types: frozenset[str] = CFN_EXCLUDED_TYPES) -> tuple[dict, set[str]]:
    """The SAM template without functions/API and everything that refers to them (transitively)."""
    tpl = copy.deepcopy(source)
    res = tpl.get("Resources") or {}
    removed = {lid for lid, r in res.items() if r.get("Type") in excluded_types}
    # the roles SAM generates for the functions left out are not deployed either; a key policy naming one
    # (the digest key names the digest function's role) keeps its key and loses that statement
    removed |= {f"{lid}Role" for lid in list(removed) if res[lid].get("Type") == "AWS::Serverless::Function"}
    for r in res.values():
        policy = (r.get("Properties") or {}).get("KeyPolicy") if r.get("Type") == "AWS::KMS::Key" else None
        if isinstance(policy, dict) and isinstance(policy.get("Statement"), list):
            policy["Statement"] = [st for st in policy["Statement"] if not refs_in(st) & removed]
    changed = True
    while changed:
        changed = False
        for lid, r in list(res.items()):
            if lid in removed:
                continue
            dep_on = r.get("DependsOn") or []
            dep_on = {dep_on} if isinstance(dep_on, str) else set(dep_on)
            if (refs_in(r.get("Properties") or {}) | dep_on) & removed:
                removed.add(lid)
                changed = True
    for lid in removed:
        res.pop(lid, None)
    outs = tpl.get("Outputs") or {}
    for name in [n for n, o in outs.items() if refs_in(o) & removed]:
        outs.pop(name)
    glob = tpl.get("Globals") or {}
    remaining = {r.get("Type") for r in res.values()}
    if "AWS::Serverless::Function" not in remaining:
        glob.pop("Function", None)
    if "AWS::Serverless::Api" not in remaining:
        glob.pop("Api", None)
    if not glob:
        tpl.pop("Globals", None)
    return tpl, removed



def deploy_cloudformation(
    template_path: str | os.PathLike | None = None,
    *,
    session=None,
    endpoint_url: str | None = None,
    stack_name: str = "hub-local",
    parameters: dict[str, Any] | None = None,
    timeout: float = 300,
    save_to: str | os.PathLike | None | bool = None,
) -> StackInfo:
    """Create the data plane through the emulator's CloudFormation with the SAM transform (LocalStack)."""
    template_path = Path(template_path) if template_path else DEFAULT_TEMPLATE
    ctx = _context(session, endpoint_url, stack_name)
    source = load_template(template_path)
    body, _ = data_plane_template(source)
    cf = ctx.clients("cloudformation")
    cfn_params = [{"ParameterKey": k, "ParameterValue": ",".join(v) if isinstance(v, list) else str(v)}
                  for k, v in (parameters or {}).items()]
    existing = None
    try:
        existing = cf.describe_stacks(StackName=stack_name)["Stacks"][0]
    except Exception:  # noqa: BLE001 - does not exist
        existing = None
    if existing and existing["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        cf.delete_stack(StackName=stack_name)
        _wait_stack(cf, stack_name, timeout, deleting=True)
        existing = None
    if not existing:
        cf.create_stack(
            StackName=stack_name,
            TemplateBody=json.dumps(body),
            Parameters=cfn_params,
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        _wait_stack(cf, stack_name, timeout)
    physical: dict[str, str] = {}
    types: dict[str, str] = {}
    for page in cf.get_paginator("list_stack_resources").paginate(StackName=stack_name):
        for r in page["StackResourceSummaries"]:
            physical[r["LogicalResourceId"]] = r["PhysicalResourceId"]
            types[r["LogicalResourceId"]] = r["ResourceType"]
    cfn = translate(source, parameters=parameters, region=ctx.region)
    resources = cfn.get("Resources") or {}
    state = DeployedResources(resources, ctx, physical)
    resolver = _resolver(cfn, parameters, ctx, state)
    skipped = {lid: r["Type"] for lid, r in resources.items() if lid not in physical}
    info = _build_info(source, cfn, resolver, state, ctx, template_path, skipped)
    info.resource_types.update(types)
    if save_to is not False:
        info.save(save_to or None)
    return info


def _wait_stack(cf, stack_name: str, timeout: float, deleting: bool = False) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            st = cf.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
        except Exception:  # noqa: BLE001
            if deleting:
                return
            raise
        if deleting and st == "DELETE_COMPLETE":
            return
        if not deleting and st in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            return
        if st.endswith("_FAILED") or st.endswith("ROLLBACK_COMPLETE"):
            events = cf.describe_stack_events(StackName=stack_name)["StackEvents"]
            reasons = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}" for e in events
                       if e.get("ResourceStatus", "").endswith("FAILED")]
            raise DeployError(f"stack {stack_name} {st}: {reasons[:10]}")
        time.sleep(1)
    raise DeployError(f"stack {stack_name} not ready after {timeout}s")


# ----------------------------------------------------------------------------- shared by both ways
def _context(session, endpoint_url: str | None, stack_name: str) -> CreateContext:
    sess = _session(session)
    clients = ClientCache(sess, endpoint_url)
    return CreateContext(clients, stack_name, sess.region_name or DEFAULT_REGION, _account(clients))


def _session(session=None):
    import boto3

    if session is not None:
        return session
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    return boto3.session.Session(region_name=region)


def _account(clients: ClientCache) -> str:
    try:
        return clients("sts").get_caller_identity()["Account"]
    except Exception:  # noqa: BLE001
        return DEFAULT_ACCOUNT


def _resolver(cfn: dict, parameters: dict[str, Any] | None, ctx: CreateContext, state: DeployedResources) -> Resolver:
    return Resolver(cfn, parameter_defaults(cfn, parameters), pseudo_parameters(ctx.region, ctx.account, ctx.stack),
                    state.ref, state.att)


def _outputs(cfn: dict, resolver: Resolver) -> dict[str, str]:
    out = {}
    for name, o in (cfn.get("Outputs") or {}).items():
        if o.get("Condition") and not resolver.condition(o["Condition"]):
            continue
        try:
            out[name] = str(resolver.resolve(o["Value"]))
        except Exception as e:  # noqa: BLE001
            log.debug("output %s unresolved: %s", name, e)
    return out


def _build_info(source: dict, cfn: dict, resolver: Resolver, state: DeployedResources, ctx: CreateContext,
                template_path: Path, skipped: dict[str, str]) -> StackInfo:
    functions = function_specs(source, cfn, resolver, Path(template_path).resolve().parent)
    env: dict[str, str] = {}
    for spec in functions.values():
        env.update(spec.env)
    return StackInfo(
        endpoint_url=ctx.clients("sqs").meta.endpoint_url,
        region=ctx.region,
        resources=dict(state.physical),
        env=env,
        functions=functions,
        stack_name=ctx.stack,
        account_id=ctx.account,
        resource_types={lid: cfn["Resources"][lid]["Type"] for lid in state.physical if lid in cfn["Resources"]},
        outputs=_outputs(cfn, resolver),
        skipped=skipped,
        warnings=ctx.warnings,
    )
