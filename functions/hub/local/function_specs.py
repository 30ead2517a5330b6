"""Each function's FunctionSpec: handler, resolved environment, and the event sources that invoke it
(API routes with their authorizer, SQS event source mappings, schedules), read from the SAM template.

The local runtime plays exactly this wiring, so routes, batch sizes and schedules come from the template
and from nowhere else.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.local.cfn_resolver import Resolver, cfn_bool
from hub.local.stack_info import FunctionSpec
from hub.local.template import serverless_functions


def function_specs(source: dict, cfn: dict, resolver: Resolver, template_dir: Path) -> dict[str, FunctionSpec]:
    """FunctionSpecs from the translated functions (env, handler) and the SAM Events (wiring)."""
    sam_funcs = serverless_functions(source)
    apis = {lid: r.get("Properties") or {} for lid, r in (source.get("Resources") or {}).items()
            if r.get("Type") == "AWS::Serverless::Api"}
    api_globals = (source.get("Globals") or {}).get("Api") or {}
    specs: dict[str, FunctionSpec] = {}
    for lid, res in (cfn.get("Resources") or {}).items():
        if res.get("Type") != "AWS::Lambda::Function":
            continue
        if res.get("Condition") and not resolver.condition(res["Condition"]):
            continue
        props = res.get("Properties") or {}
        env = resolver.resolve(((props.get("Environment") or {}).get("Variables")) or {})
        env = {k: (",".join(v) if isinstance(v, list) else str(v)) for k, v in env.items()}
        sam = sam_funcs.get(lid, {})
        code_uri = sam.get("CodeUri")
        code_path = str((template_dir / code_uri).resolve()) if isinstance(code_uri, str) and "://" not in code_uri else None
        events = []
        for ev_name, ev in (sam.get("Events") or {}).items():
            et, ep = ev.get("Type"), ev.get("Properties") or {}
            if et == "Api":
                events.append(_api_event(ev_name, ep, apis, api_globals, resolver))
            elif et == "SQS":
                events.append(_sqs_event(ev_name, ep, resolver))
            elif et in ("Schedule", "ScheduleV2"):
                events.append(_schedule_event(lid, ev_name, ep, resolver))
        specs[lid] = FunctionSpec(
            handler=props["Handler"],
            timeout=int(props.get("Timeout", 3)),
            memory=int(props.get("MemorySize", 128)),
            env=env,
            events=events,
            code_uri=code_path,
            name=str(resolver.resolve(props["FunctionName"])) if props.get("FunctionName") else None,
        )
    return specs


def _api_event(ev_name: str, ep: dict, apis: dict[str, dict], api_globals: dict, resolver: Resolver) -> dict:
    rest_api = ep.get("RestApiId")
    api_lid = (rest_api or {}).get("Ref", "ServerlessRestApi") if isinstance(rest_api, dict) else "ServerlessRestApi"
    api_props = {**api_globals, **apis.get(api_lid, {})}
    auth_cfg = api_props.get("Auth") or {}
    auth_name = ((ep.get("Auth") or {}).get("Authorizer")) or auth_cfg.get("DefaultAuthorizer")
    authorizer = None
    if auth_name and auth_name not in ("NONE", "AWS_IAM"):
        authorizer = _authorizer(auth_name, (auth_cfg.get("Authorizers") or {})[auth_name])
    stage = resolver.resolve(api_props.get("StageName", "Prod"))
    return {"name": ev_name, "type": "Api", "path": ep["Path"], "method": ep["Method"].upper(),
            "api": api_lid, "stage": str(stage), "authorizer": authorizer,
            "gateway_responses": api_props.get("GatewayResponses") or {}}


def _authorizer(name: str, a: dict) -> dict[str, Any]:
    fn_arn = a.get("FunctionArn")
    fn_lid = fn_arn["Fn::GetAtt"][0] if isinstance(fn_arn, dict) and "Fn::GetAtt" in fn_arn else None
    ident = a.get("Identity") or {}
    default_headers = [] if a.get("FunctionPayloadType") == "REQUEST" else ["Authorization"]
    return {
        "name": name,
        "function": fn_lid,
        "type": a.get("FunctionPayloadType", "TOKEN"),
        "identity_headers": list(ident.get("Headers") or default_headers),
        "identity_query": list(ident.get("QueryStrings") or []),
    }


def _sqs_event(ev_name: str, ep: dict, resolver: Resolver) -> dict:
    q = ep["Queue"]
    q_lid = q["Fn::GetAtt"][0] if isinstance(q, dict) and "Fn::GetAtt" in q else None
    return {
        "name": ev_name, "type": "SQS", "queue": q_lid,
        "queue_url": resolver.ref(q_lid) if q_lid else None,
        "queue_arn": resolver.resolve(q),
        "batch_size": int(ep.get("BatchSize", 10)),
        "report_batch_item_failures": "ReportBatchItemFailures" in (ep.get("FunctionResponseTypes") or []),
        "enabled": cfn_bool(ep.get("Enabled", True)) == "true",
    }


def _schedule_event(lid: str, ev_name: str, ep: dict, resolver: Resolver) -> dict:
    return {
        "name": ev_name, "type": "Schedule",
        "expression": resolver.resolve(ep.get("Schedule") or ep.get("ScheduleExpression")),
        "input": ep.get("Input"),
        "enabled": cfn_bool(ep.get("Enabled", True)) == "true" and ep.get("State", "ENABLED") != "DISABLED",
        "rule_name": f"{resolver.pseudo['AWS::StackName']}-{lid}-{ev_name}",
    }
