"""The embedded stack for the reliability suite: one per test module (moto server on a free port,
template.yaml's data plane, the functions played by LocalRuntime), keys for the scenario agencies,
and every log line the functions write, for the PII scan.

SOAK=1 selects the heavy variants (`make soak`).
"""
from __future__ import annotations

import os
import re

import pytest

from tests.reliability.support import LogCapture, StackEnv, stack_ports
from tests.support.lambda_events import ensure_metrics_namespace


def _import_handlers(runtime) -> None:
    for fn in runtime.info.functions:
        runtime.handler(fn)




@pytest.fixture(scope="module")
def stack_env(request):
    """A fresh embedded stack for this module; yields StackEnv."""
    from tests.support.agencies import issue_keys
    from hub.handlers import composition
    from hub.local.stack import local_stack

    saved = {k: os.environ.get(k) for k in ("POWERTOOLS_METRICS_DISABLED", "POWERTOOLS_TRACE_DISABLED")}
    os.environ.update(POWERTOOLS_METRICS_DISABLED="true", POWERTOOLS_TRACE_DISABLED="true")
    name = "rel-" + re.sub(r"[^a-z0-9]", "", request.module.__name__.rsplit(".", 1)[-1].lower())[:20]
    logs = LogCapture()
    with local_stack(api_port=0, save_to=False, failed_visibility_timeout=1, stack_name=name) as st:
        _import_handlers(st.runtime)
        ensure_metrics_namespace()
        logs.attach()
        checker = stack_ports(st.stack_info)
        from tests.reliability.accounting import AGENCIES

        tokens = issue_keys(checker.agencies, AGENCIES)
        try:
            yield StackEnv(st, checker, tokens, logs)
        finally:
            logs.detach()
            composition.use(None)
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
