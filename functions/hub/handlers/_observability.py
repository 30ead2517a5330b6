"""Powertools Metrics for every handler.

The namespace normally comes from POWERTOOLS_METRICS_NAMESPACE (template.yaml); the default keeps a
handler usable when it is imported before that is set (tests, tools), instead of failing at flush.
"""
from __future__ import annotations

import os

from aws_lambda_powertools import Metrics


def metrics() -> Metrics:
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    # Each handler module gets its own metric set instead of Metrics' process-wide one: in Lambda that is the
    # same (one handler per container); in the local runtime, where functions run concurrently in one
    # process, a shared set would be flushed by one function while another adds to it.
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "SafeguardingHub"
    return Metrics(namespace=namespace, provider=AmazonCloudWatchEMFProvider(namespace=namespace))


CORRELATION_HEADER = "X-Correlation-ID"
_MAX_CORRELATION_ID = 128


def correlation_id(event: dict) -> str | None:
    """The client's X-Correlation-ID (any header case), else API Gateway's request id."""
    for name, value in ((event or {}).get("headers") or {}).items():
        if name.lower() == "x-correlation-id" and isinstance(value, str) and 0 < len(value) <= _MAX_CORRELATION_ID:
            return value
    return ((event or {}).get("requestContext") or {}).get("requestId")


def correlated(logger):
    """API handlers: the client's X-Correlation-ID becomes the Powertools correlation id of the invocation
    and is echoed on the reply (API Gateway's request id when the client sent none). Goes under
    `logger.inject_lambda_context`, which would otherwise set the request id."""
    import functools

    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(event, context):
            cid = correlation_id(event)
            if cid:
                logger.set_correlation_id(cid)
            reply = handler(event, context)
            if cid and isinstance(reply, dict) and "statusCode" in reply:
                headers = {k: v for k, v in (reply.get("headers") or {}).items() if k.lower() != "x-correlation-id"}
                reply["headers"] = {**headers, CORRELATION_HEADER: cid}
                if reply.get("multiValueHeaders"):
                    reply["multiValueHeaders"] = {k: v for k, v in reply["multiValueHeaders"].items()
                                                  if k.lower() != "x-correlation-id"}
            return reply

        wrapper.echoes_correlation_id = True  # copied up through functools.wraps: tests find it on lambda_handler
        return wrapper

    return decorate
