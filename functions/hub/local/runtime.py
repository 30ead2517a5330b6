"""Play Lambda, API Gateway, the SQS event source mappings and EventBridge schedules locally.

The handlers are the same modules Lambda runs, imported by their Handler
string; nothing in them knows it is local. Wiring (routes, authorizer, queues,
batch sizes, schedules) comes from the template via `StackInfo.functions`.
"""
from __future__ import annotations

import base64
import fnmatch
import importlib
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

from hub.local.deploy import StackInfo

log = logging.getLogger(__name__)

DEFAULT_API_ID = "localapi"


class LambdaContext:
    """The attributes handlers and Powertools read from the Lambda context."""

    def __init__(self, function_name: str, memory_limit_in_mb: int, timeout_s: int, region: str, account: str):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account}:function:{function_name}"
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"{datetime.now(timezone.utc):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _compile_route(path: str) -> re.Pattern:
    parts = []
    for seg in path.strip("/").split("/"):
        m = re.fullmatch(r"\{(\w+)(\+?)\}", seg)
        if m:
            parts.append(f"(?P<{m.group(1)}>.+)" if m.group(2) else f"(?P<{m.group(1)}>[^/]+)")
        else:
            parts.append(re.escape(seg))
    return re.compile("^/" + "/".join(parts) + "/?$")


def _arn_match(pattern: str, arn: str) -> bool:
    return fnmatch.fnmatchcase(arn, pattern)


def evaluate_policy(policy: dict | None, method_arn: str) -> str:
    """'Allow', 'Deny' (explicit) or 'None' (implicit deny) for an authorizer policy and a method ARN."""
    result = "None"
    for st in (policy or {}).get("Statement") or []:
        actions = st.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a in ("execute-api:Invoke", "execute-api:*", "*") for a in actions):
            continue
        resources = st.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if not any(_arn_match(r, method_arn) for r in resources):
            continue
        if st.get("Effect") == "Deny":
            return "Deny"
        if st.get("Effect") == "Allow":
            result = "Allow"
    return result


class LocalRuntime:
    def __init__(
        self,
        stack_info: StackInfo,
        *,
        host: str = "127.0.0.1",
        api_port: int = 0,
        poll_wait_seconds: int = 1,
        failed_visibility_timeout: int | None = None,
        schedule_timer: bool = False,
        serialize: bool = True,
    ):
        """failed_visibility_timeout: None = failed records wait out the queue's VisibilityTimeout, as in
        Lambda; a number (e.g. 0) makes them visible again sooner, for fast local retries."""
        self.info = stack_info
        self.host = host
        self.api_port = api_port
        self.poll_wait_seconds = poll_wait_seconds
        self.failed_visibility_timeout = failed_visibility_timeout
        self.schedule_timer = schedule_timer
        self._lock = threading.RLock() if serialize else None
        self._handlers: dict[str, Callable] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: ThreadingHTTPServer | None = None
        self._inflight = 0
        self._inflight_lock = threading.Lock()
        self._sqs = None
        self._sqs_lock = threading.Lock()
        self.invocations: list[tuple[str, str]] = []  # (function, source) for diagnostics
        self.routes = self._routes()
        self.sqs_sources = [
            (fn, ev) for fn, spec in self.info.functions.items() for ev in spec.events
            if ev["type"] == "SQS" and ev.get("enabled", True)
        ]
        self.schedules = [
            (fn, ev) for fn, spec in self.info.functions.items() for ev in spec.events
            if ev["type"] == "Schedule" and ev.get("enabled", True)
        ]
        self._prepare_env()

    # ------------------------------------------------------------------ environment and invocation
    def _prepare_env(self) -> None:
        os.environ.update(self.info.env)
        os.environ["AWS_ENDPOINT_URL"] = self.info.endpoint_url
        os.environ["AWS_DEFAULT_REGION"] = self.info.region
        os.environ["AWS_REGION"] = self.info.region
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
        for spec in self.info.functions.values():
            if spec.code_uri and spec.code_uri not in sys.path:
                sys.path.insert(0, spec.code_uri)

    def handler(self, function: str) -> Callable:
        if function not in self._handlers:
            module_name, _, attr = self.info.functions[function].handler.rpartition(".")
            self._handlers[function] = getattr(importlib.import_module(module_name), attr)
        return self._handlers[function]

    def context(self, function: str) -> LambdaContext:
        spec = self.info.functions[function]
        name = spec.name or f"{self.info.stack_name}-{function}"
        return LambdaContext(name, spec.memory, spec.timeout, self.info.region, self.info.account_id)

    def invoke(self, function: str, event: Any, source: str = "direct") -> Any:
        """Call a function's handler as Lambda would (exceptions propagate)."""
        fn = self.handler(function)
        ctx = self.context(function)
        self.invocations.append((function, source))
        if self._lock is None:
            return fn(event, ctx)
        with self._lock:
            return fn(event, ctx)

    def _sqs_client(self):
        with self._sqs_lock:
            if self._sqs is None:
                import boto3

                self._sqs = boto3.session.Session(region_name=self.info.region).client(
                    "sqs", endpoint_url=self.info.endpoint_url
                )
            return self._sqs

    # ------------------------------------------------------------------ API Gateway (REST, proxy)
    def _routes(self) -> list[dict]:
        routes = []
        for fn, spec in self.info.functions.items():
            for ev in spec.events:
                if ev["type"] == "Api":
                    routes.append({**ev, "function": fn, "regex": _compile_route(ev["path"])})
        return routes

    def match_route(self, method: str, path: str) -> tuple[dict | None, dict]:
        for r in self.routes:
            m = r["regex"].match(path)
            if m and r["method"] in (method, "ANY"):
                return r, m.groupdict()
        return None, {}

    @property
    def api_url(self) -> str | None:
        if self._server is None:
            return None
        return f"http://{self.host}:{self._server.server_address[1]}"

    def handle_http(self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes,
                    source_ip: str = "127.0.0.1") -> tuple[int, dict[str, str], bytes]:
        """One API Gateway REST request: authorizer, then the proxy integration. Returns (status, headers, body)."""
        url = urlsplit(raw_path)
        path = unquote(url.path) or "/"
        stages = {r["stage"] for r in self.routes}
        stage = next(iter(stages)) if stages else "local"
        for s in stages:  # accept /<stage>/... as well as bare paths
            if path == f"/{s}" or path.startswith(f"/{s}/"):
                path, stage = path[len(s) + 1:] or "/", s
        route, path_params = self.match_route(method, path)
        if route is None:
            return _json_reply(403, {"message": "Missing Authentication Token"})
        stage = route.get("stage") or stage
        request_id = str(uuid.uuid4())
        single_h: dict[str, str] = {}
        multi_h: dict[str, list[str]] = {}
        for k, v in headers:
            single_h[k] = v
            multi_h.setdefault(k, []).append(v)
        lower_h = {k.lower(): v for k, v in single_h.items()}
        qs = parse_qs(url.query, keep_blank_values=True)
        single_q = {k: v[-1] for k, v in qs.items()} or None
        multi_q = qs or None
        method_arn = (f"arn:aws:execute-api:{self.info.region}:{self.info.account_id}:{DEFAULT_API_ID}/"
                      f"{stage}/{method}{path}")
        request_context = {
            "accountId": self.info.account_id,
            "apiId": DEFAULT_API_ID,
            "resourceId": "local",
            "resourcePath": route["path"],
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": datetime.now(timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": "HTTP/1.1",
            "domainName": self.host,
            "identity": {"sourceIp": source_ip, "userAgent": lower_h.get("user-agent"), "accessKey": None,
                         "accountId": None, "caller": None, "user": None, "userArn": None,
                         "cognitoIdentityId": None, "cognitoIdentityPoolId": None,
                         "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None},
        }
        auth = route.get("authorizer")
        if auth:
            missing = [h for h in auth.get("identity_headers") or [] if not lower_h.get(h.lower())]
            missing += [q for q in auth.get("identity_query") or [] if not (single_q or {}).get(q)]
            if missing:
                return _json_reply(401, {"message": "Unauthorized"})
            if auth["type"] == "TOKEN":
                header = (auth.get("identity_headers") or ["Authorization"])[0]
                auth_event: dict[str, Any] = {"type": "TOKEN", "authorizationToken": lower_h.get(header.lower()),
                                              "methodArn": method_arn}
            else:
                auth_event = {
                    "type": "REQUEST", "methodArn": method_arn, "resource": route["path"], "path": path,
                    "httpMethod": method, "headers": single_h, "multiValueHeaders": multi_h,
                    "queryStringParameters": single_q, "multiValueQueryStringParameters": multi_q,
                    "pathParameters": path_params or None, "stageVariables": None,
                    "requestContext": request_context,
                }
            try:
                result = self.invoke(auth["function"], auth_event, source="authorizer")
            except Exception as e:  # noqa: BLE001 - API Gateway maps authorizer errors to responses
                if str(e) == "Unauthorized":
                    return _json_reply(401, {"message": "Unauthorized"})
                log.exception("authorizer %s failed", auth["function"])
                return _json_reply(500, {"message": None})
            if not isinstance(result, dict) or "policyDocument" not in result:
                return _json_reply(500, {"message": None})
            decision = evaluate_policy(result.get("policyDocument"), method_arn)
            if decision == "Deny":
                return _json_reply(403, {"Message": "User is not authorized to access this resource with an explicit deny"})
            if decision != "Allow":
                return _json_reply(403, {"Message": "User is not authorized to access this resource"})
            request_context["authorizer"] = {**(result.get("context") or {}),
                                             "principalId": result.get("principalId"), "integrationLatency": 0}
        if body:
            try:
                body_s, b64 = body.decode("utf-8"), False
            except UnicodeDecodeError:
                body_s, b64 = base64.b64encode(body).decode("ascii"), True
        else:
            body_s, b64 = None, False
        event = {
            "resource": route["path"], "path": path, "httpMethod": method,
            "headers": single_h or None, "multiValueHeaders": multi_h or None,
            "queryStringParameters": single_q, "multiValueQueryStringParameters": multi_q,
            "pathParameters": path_params or None, "stageVariables": None,
            "requestContext": request_context, "body": body_s, "isBase64Encoded": b64,
        }
        try:
            resp = self.invoke(route["function"], event, source="api")
        except Exception:  # noqa: BLE001
            log.exception("function %s failed", route["function"])
            return _json_reply(502, {"message": "Internal server error"})
        if not isinstance(resp, dict) or "statusCode" not in resp:
            return _json_reply(502, {"message": "Internal server error"})
        out_h: dict[str, str] = {}
        for k, v in (resp.get("headers") or {}).items():
            out_h[k] = str(v)
        for k, vs in (resp.get("multiValueHeaders") or {}).items():
            out_h[k] = ",".join(str(v) for v in vs)
        rb = resp.get("body") or ""
        data = base64.b64decode(rb) if resp.get("isBase64Encoded") else (rb if isinstance(rb, str) else json.dumps(rb)).encode()
        out_h.setdefault("Content-Type", "application/json")
        out_h["x-amzn-RequestId"] = request_id
        return int(resp["statusCode"]), out_h, data

    def _make_http_handler(self):
        runtime = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):  # request lines would carry paths only; keep quiet
                log.debug("api %s", fmt % args)

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, data = runtime.handle_http(
                    self.command, self.path, list(self.headers.items()), body, self.client_address[0]
                )
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _any

        return Handler

    # ------------------------------------------------------------------ SQS event source mappings
    @staticmethod
    def _record(msg: dict, queue_arn: str, region: str) -> dict:
        attrs = msg.get("Attributes") or {}
        mattrs = {}
        for name, a in (msg.get("MessageAttributes") or {}).items():
            mattrs[name] = {
                "stringValue": a.get("StringValue"),
                "binaryValue": base64.b64encode(a["BinaryValue"]).decode() if a.get("BinaryValue") else None,
                "stringListValues": a.get("StringListValues", []),
                "binaryListValues": [base64.b64encode(b).decode() for b in a.get("BinaryListValues", [])],
                "dataType": a.get("DataType"),
            }
        rec_attrs = {k: v for k, v in attrs.items() if k in (
            "ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
            "MessageGroupId", "MessageDeduplicationId", "SequenceNumber", "AWSTraceHeader")}
        return {
            "messageId": msg["MessageId"],
            "receiptHandle": msg["ReceiptHandle"],
            "body": msg.get("Body", ""),
            "attributes": rec_attrs,
            "messageAttributes": mattrs,
            "md5OfBody": msg.get("MD5OfBody"),
            "md5OfMessageAttributes": msg.get("MD5OfMessageAttributes"),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        }

    def poll_once(self, function: str | None = None, wait_seconds: int = 0) -> int:
        """Receive one batch per SQS source (or only `function`'s), invoke, delete successes. Returns records handled."""
        total = 0
        for fn, ev in self.sqs_sources:
            if function is None or fn == function:
                total += self._poll_source(fn, ev, wait_seconds)
        return total

    def _poll_source(self, fn: str, ev: dict, wait_seconds: int) -> int:
        sqs = self._sqs_client()
        resp = sqs.receive_message(
            QueueUrl=ev["queue_url"],
            MaxNumberOfMessages=max(1, min(int(ev["batch_size"]), 10)),
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        msgs = resp.get("Messages") or []
        if not msgs:
            return 0
        # received messages count as NotVisible in the queue until deleted, so drain() sees them either way
        with self._inflight_lock:
            self._inflight += 1
        try:
            event = {"Records": [self._record(m, ev["queue_arn"], self.info.region) for m in msgs]}
            failed: set[str]
            try:
                result = self.invoke(fn, event, source=f"sqs:{ev['queue']}")
                failed = set()
                if ev.get("report_batch_item_failures") and isinstance(result, dict):
                    failed = {f["itemIdentifier"] for f in result.get("batchItemFailures") or []}
            except Exception:  # noqa: BLE001 - a handler error fails the whole batch, as in Lambda
                log.exception("function %s failed on a batch of %d", fn, len(msgs))
                failed = {m["MessageId"] for m in msgs}
            done = [m for m in msgs if m["MessageId"] not in failed]
            if done:
                sqs.delete_message_batch(
                    QueueUrl=ev["queue_url"],
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                )
            if self.failed_visibility_timeout is not None:
                for m in msgs:
                    if m["MessageId"] in failed:
                        sqs.change_message_visibility(QueueUrl=ev["queue_url"], ReceiptHandle=m["ReceiptHandle"],
                                                      VisibilityTimeout=int(self.failed_visibility_timeout))
            return len(msgs)
        finally:
            with self._inflight_lock:
                self._inflight -= 1

    def _poller(self, fn: str, ev: dict) -> None:
        while not self._stop.is_set():
            try:
                self._poll_source(fn, ev, self.poll_wait_seconds)
            except Exception:  # noqa: BLE001 - keep polling like the event source mapping does
                log.exception("poller %s/%s", fn, ev.get("queue"))
                self._stop.wait(0.5)

    def _queues_empty(self) -> bool:
        sqs = self._sqs_client()
        for _, ev in self.sqs_sources:
            a = sqs.get_queue_attributes(
                QueueUrl=ev["queue_url"],
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                                "ApproximateNumberOfMessagesDelayed"],
            )["Attributes"]
            if any(int(v) for v in a.values()):
                return False
        return True

    def drain(self, timeout: float = 30.0) -> bool:
        """Process until every source queue is empty and nothing is in flight. False if timeout came first
        (e.g. a failed record waiting out its visibility timeout)."""
        deadline = time.monotonic() + timeout
        pollers_running = any(t.is_alive() for t in self._threads if t.name.startswith("sqs-"))
        quiet = 0
        while time.monotonic() < deadline:
            if pollers_running:
                busy = self._inflight > 0
                time.sleep(0.05)
            else:
                busy = self.poll_once(wait_seconds=0) > 0
            if not busy and self._inflight == 0 and self._queues_empty():
                quiet += 1
                if quiet >= 2:
                    return True
            else:
                quiet = 0
        return False

    # ------------------------------------------------------------------ schedules (EventBridge)
    def schedule_event(self, function: str, ev: dict, now: datetime | None = None) -> dict:
        now = now or datetime.now(timezone.utc)
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.info.account_id,
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.info.region,
            "resources": [f"arn:aws:events:{self.info.region}:{self.info.account_id}:rule/{ev.get('rule_name', function)}"],
            "detail": {},
        }

    def fire_schedules(self, functions: list[str] | None = None, now: datetime | None = None) -> dict[str, Any]:
        """Invoke every scheduled function once (or only `functions`). Returns {function: result}."""
        results: dict[str, Any] = {}
        for fn, ev in self.schedules:
            if functions is None or fn in functions:
                event = json.loads(ev["input"]) if ev.get("input") else self.schedule_event(fn, ev, now)
                results[fn] = self.invoke(fn, event, source=f"schedule:{ev['name']}")
        return results

    @staticmethod
    def rate_seconds(expression: str) -> float | None:
        m = re.fullmatch(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)", expression.strip())
        if not m:
            return None
        return int(m.group(1)) * {"minute": 60, "hour": 3600, "day": 86400}[m.group(2).rstrip("s")]

    def _schedule_timer(self, fn: str, ev: dict) -> None:
        period = self.rate_seconds(ev["expression"])
        if period is None:
            log.warning("schedule %s for %s not played locally (only rate() is)", ev["expression"], fn)
            return
        while not self._stop.wait(period):
            try:
                self.fire_schedules([fn])
            except Exception:  # noqa: BLE001
                log.exception("scheduled %s failed", fn)

    # ------------------------------------------------------------------ lifecycle
    def start(self, *, api: bool = True, pollers: bool = True, schedules: bool | None = None) -> "LocalRuntime":
        self._stop.clear()
        if api and self.routes:
            self._server = ThreadingHTTPServer((self.host, self.api_port), self._make_http_handler())
            self._server.daemon_threads = True
            t = threading.Thread(target=self._server.serve_forever, name="api", daemon=True)
            t.start()
            self._threads.append(t)
        if pollers:
            for fn, ev in self.sqs_sources:
                t = threading.Thread(target=self._poller, args=(fn, ev), name=f"sqs-{fn}-{ev['name']}", daemon=True)
                t.start()
                self._threads.append(t)
        if schedules if schedules is not None else self.schedule_timer:
            for fn, ev in self.schedules:
                t = threading.Thread(target=self._schedule_timer, args=(fn, ev), name=f"schedule-{fn}", daemon=True)
                t.start()
                self._threads.append(t)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for t in self._threads:
            t.join(timeout)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._server = None

    def __enter__(self) -> "LocalRuntime":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _json_reply(status: int, body: dict) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()
