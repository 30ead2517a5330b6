"""X-Correlation-ID as the handlers log it: the client's id is the Powertools correlation id of every line
the invocation logs (the handler's and its service's), on template.yaml's resources in moto. One invocation
at a time here: the local runtime runs functions concurrently in one process, where they share a logger."""
from __future__ import annotations

import json
import logging

from tests.support.lambda_events import api_event
from tests.support.messages import load_event


class _Grab(logging.Handler):
    def __init__(self, formatter):
        super().__init__()
        self.setFormatter(formatter)
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


def _logged(module, event, context) -> tuple[dict, list[dict]]:
    grab = _Grab(module.logger.registered_formatter)
    module.logger._logger.addHandler(grab)
    try:
        reply = module.lambda_handler(event, context)
    finally:
        module.logger._logger.removeHandler(grab)
    return reply, grab.lines


def test_correlation_id_of_the_client_is_in_every_ingest_log_line_and_echoed(hub, lambda_context):
    from hub.handlers import ingest

    event = api_event(load_event("valid/injury-observed.json"), headers={"X-Correlation-ID": "gp-sys-42"})
    reply, lines = _logged(ingest, event, lambda_context)
    assert reply["statusCode"] == 202 and reply["headers"]["X-Correlation-ID"] == "gp-sys-42"
    assert ("message accepted", "gp-sys-42") in {(x["message"], x.get("correlation_id")) for x in lines}
    assert {x.get("correlation_id") for x in lines} == {"gp-sys-42"}


def test_correlation_id_defaults_to_the_request_id(hub, lambda_context):
    from hub.handlers import conformance

    event = api_event(load_event("valid/injury-observed.json"), path="/$validate")
    reply, lines = _logged(conformance, event, lambda_context)
    request_id = event["requestContext"]["requestId"]
    assert reply["statusCode"] == 200 and reply["headers"]["X-Correlation-ID"] == request_id
    assert [(x["message"], x.get("correlation_id")) for x in lines] == [("message validated", request_id)]
