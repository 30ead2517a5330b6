"""Fault injection on boto3 clients through botocore's event hooks.

    faults = FaultInjector(attempt_rate=0.08, call_rate=0.03, seed=1)
    faults.attach(hub.clients.dynamodb, hub.clients.sqs)
    with faults.active():
        ...  # load runs; ~8% of HTTP attempts answer 500 or a throttling error (botocore retries those),
             # ~3% of API calls fail outright after no retry (the hub's own error handling must cope)
    faults.counts  # {(service, operation, kind): n}

Two levels, because botocore's standard retry mode absorbs most single-attempt faults:
- `before-send` (each HTTP attempt): a synthetic 500 InternalServerError or 400 throttling response;
  botocore retries these, spending its retry quota, so bursts still surface as ClientError.
- `before-call` (each API call, before retries): a ClientError-producing response that is not retried.
"""
from __future__ import annotations

import json
import random
import threading
from collections import Counter
from contextlib import contextmanager

from botocore.awsrequest import AWSResponse

_THROTTLE = {"dynamodb": "ProvisionedThroughputExceededException", "sqs": "ThrottlingException",
             "s3": "SlowDown"}


class InjectedCrash(Exception):
    """Raised instead of an AWS error: the function dies at this call (timeout, OOM, host failure)."""


class _Raw:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_):
        yield self._body


def _api_params(request_dict: dict) -> dict:
    """The operation's parameters, from the serialised request (JSON protocols: DynamoDB, SQS)."""
    body = request_dict.get("body")
    try:
        return json.loads(body) if body else {}
    except (ValueError, TypeError):
        return {}


def _service_of(model) -> str:
    return model.service_model.endpoint_prefix


def _error_response(url: str, service: str, status: int, code: str) -> AWSResponse:
    if service == "s3":
        body = f"<Error><Code>{code}</Code><Message>injected fault</Message></Error>".encode()
        headers = {"Content-Type": "application/xml"}
    else:  # dynamodb and sqs speak JSON 1.0
        body = json.dumps({"__type": f"com.amazonaws.{service}#{code}", "message": "injected fault"}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-query-error": f"{code};Sender"}
    return AWSResponse(url, status, headers, _Raw(body))


@contextmanager
def quick_throttle_backoff(scale: float = 0.05):
    """botocore backs off 0-1 s, doubling, before retrying a throttled call, and each wait holds the played
    Lambda's one container: ~140 injected throttles kept the fault suite waiting ~2 minutes. While this is
    active, throttles back off on the scale of other errors (the retries and the retry quota are unchanged,
    and the hub never sees the delay), so the suite spends its time on faults, not on sleeping."""
    from botocore.retries.standard import ExponentialBackoff

    config = ExponentialBackoff._DEFAULT_BACKOFF_CONFIG
    saved = config["throttling_base_scale"]
    config["throttling_base_scale"] = scale
    try:
        yield
    finally:
        config["throttling_base_scale"] = saved


class FaultInjector:
    def __init__(self, *, attempt_rate: float = 0.0, call_rate: float = 0.0, seed: int = 0,
                 operations: set[str] | None = None, match=None, limit: int | None = None, crash: bool = False):
        """match(operation, api_params) -> bool narrows call faults to chosen requests; limit caps how many
        call faults are injected in all (e.g. call_rate=1, limit=1: fail exactly the first match)."""
        self.attempt_rate = attempt_rate
        self.call_rate = call_rate
        self.operations = operations  # None: every operation
        self.match = match
        self.limit = limit
        self.crash = crash  # call faults raise InjectedCrash (not an AWS error the adapters may retry)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.enabled = False
        self.counts: Counter = Counter()
        self._attached: list = []

    def attach(self, *clients) -> "FaultInjector":
        for c in clients:
            c.meta.events.register("before-send", self._before_send, unique_id=f"faults-send-{id(self)}")
            c.meta.events.register("before-call", self._before_call, unique_id=f"faults-call-{id(self)}")
            self._attached.append(c)
        return self

    def detach(self) -> None:
        for c in self._attached:
            c.meta.events.unregister("before-send", unique_id=f"faults-send-{id(self)}")
            c.meta.events.unregister("before-call", unique_id=f"faults-call-{id(self)}")
        self._attached.clear()

    @contextmanager
    def active(self):
        self.enabled = True
        try:
            yield self
        finally:
            self.enabled = False

    def _draw(self, rate: float) -> float | None:
        if not self.enabled or rate <= 0:
            return None
        with self._lock:
            x = self._rng.random()
        return x if x < rate else None

    def _wanted(self, op: str) -> bool:
        return self.operations is None or op in self.operations

    def _before_send(self, request, event_name: str = "", **kwargs):
        parts = event_name.split(".")  # before-send.<service-id>.<Operation>
        service = parts[1] if len(parts) > 1 else "unknown"
        op = parts[2] if len(parts) > 2 else "?"
        if not self._wanted(op):
            return None
        x = self._draw(self.attempt_rate)
        if x is None:
            return None
        throttle = x < self.attempt_rate / 2
        status, code = (400, _THROTTLE.get(service, "ThrottlingException")) if throttle else (500, "InternalServerError")
        if service == "s3" and throttle:
            status = 503
        with self._lock:
            self.counts[(service, op, "attempt-" + ("throttle" if throttle else "500"))] += 1
        return _error_response(request.url, service, status, code)

    def _before_call(self, model, params, request_signer=None, **kwargs):
        if not self._wanted(model.name):
            return None
        if self.match is not None and not self.match(model.name, _api_params(params)):
            return None
        if self._draw(self.call_rate) is None:
            return None
        service = _service_of(model)
        with self._lock:
            calls = sum(n for k, n in self.counts.items() if k[2] == "call-500")
            if self.limit is not None and calls >= self.limit:
                return None
            self.counts[(service, model.name, "call-500")] += 1
        if self.crash:
            raise InjectedCrash(f"injected crash at {service}.{model.name}")
        http = AWSResponse("http://injected", 500, {}, _Raw(b""))
        parsed = {"Error": {"Code": "InternalServerError", "Message": "injected fault (not retried)"},
                  "ResponseMetadata": {"HTTPStatusCode": 500}}
        return http, parsed

    def summary(self) -> dict[str, int]:
        out: Counter = Counter()
        for (service, _op, kind), n in self.counts.items():
            out[f"{service}:{kind}"] += n
        return dict(out)
