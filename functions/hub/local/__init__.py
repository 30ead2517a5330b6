"""Local stack: create template.yaml's resources on AWS_ENDPOINT_URL and play Lambda for its functions.

    from hub.local import local_stack
    with local_stack() as (endpoint, api_url, stack_info, runtime):
        ...
"""
from __future__ import annotations

from typing import Any

_EXPORTS = {
    "LocalStack": "hub.local.stack",
    "local_stack": "hub.local.stack",
    "LocalRuntime": "hub.local.runtime",
    "StackInfo": "hub.local.stack_info",
    "FunctionSpec": "hub.local.stack_info",
    "deploy": "hub.local.deploy",
    "deploy_cloudformation": "hub.local.deploy",
    "start_moto": "hub.local.server",
}


def __getattr__(name: str) -> Any:  # lazy: importing hub.local.template must stay light
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(name)
