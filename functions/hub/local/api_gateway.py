"""API Gateway (REST API, Lambda proxy integration) for the template's Api events, over local HTTP.

A request goes: route match (else MISSING_AUTHENTICATION_TOKEN, whatever the method or the path), the
route's Lambda authorizer (identity sources checked first: 401 without calling it; its policy evaluated
against the method ARN), then the function with a REST proxy event; its proxy response becomes the HTTP reply.

The replies API Gateway makes itself (no route, 401, 403, authorizer failures) are its gateway responses:
the API's `GatewayResponses` from the template (status, headers mapped from `method.request.header.*` or
quoted literals, the application/json template with `$context.*` variables), else API Gateway's defaults.
"""
from __future__ import annotations

import base64
import fnmatch
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

from hub.local.stack_info import StackInfo

# one logger for everything the local runtime plays, so its errors can be found (and counted) by one name
log = logging.getLogger("hub.local.runtime")

DEFAULT_API_ID = "localapi"

Reply = tuple[int, dict[str, str], bytes]


def compile_route(path: str) -> re.Pattern:
    parts = []
    for seg in path.strip("/").split("/"):
        m = re.fullmatch(r"\{(\w+)(\+?)\}", seg)
        if m:
            parts.append(f"(?P<{m.group(1)}>.+)" if m.group(2) else f"(?P<{m.group(1)}>[^/]+)")
        else:
            parts.append(re.escape(seg))
    return re.compile("^/" + "/".join(parts) + "/?$")


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
        if not any(fnmatch.fnmatchcase(method_arn, r) for r in resources):
            continue
        if st.get("Effect") == "Deny":
            return "Deny"
        if st.get("Effect") == "Allow":
            result = "Allow"
    return result


def json_reply(status: int, body: dict) -> Reply:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


# API Gateway's own replies when the template does not customise them: (status, body)
DEFAULT_RESPONSES: dict[str, tuple[int, dict]] = {
    "MISSING_AUTHENTICATION_TOKEN": (403, {"message": "Missing Authentication Token"}),
    "UNAUTHORIZED": (401, {"message": "Unauthorized"}),
    "ACCESS_DENIED": (403, {"Message": "User is not authorized to access this resource"}),
    "AUTHORIZER_FAILURE": (500, {"message": None}),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, {"message": None}),
    # a function that failed or answered no proxy response; not a configurable type, DEFAULT_5XX applies
    "BAD_GATEWAY": (502, {"message": "Internal server error"}),
}
_CONTEXT_VAR = re.compile(r"\$context\.([A-Za-z.]+)")


def gateway_response(kind: str, configured: dict, headers: dict[str, str], context: dict,
                     body: dict | None = None) -> Reply:
    """The reply of gateway response `kind` (e.g. UNAUTHORIZED): the API's GatewayResponses entry for it,
    else DEFAULT_4XX/DEFAULT_5XX by status, else API Gateway's default. `body` overrides the default body."""
    status, default_body = DEFAULT_RESPONSES[kind]
    default_body = body if body is not None else default_body
    cfg = configured.get(kind) or configured.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX") or {}
    status = int(cfg.get("StatusCode") or status)
    lower = {k.lower(): v for k, v in headers.items()}
    out_h = {"Content-Type": "application/json"}
    for name, source in ((cfg.get("ResponseParameters") or {}).get("Headers") or {}).items():
        source = str(source)
        if source.startswith("'") and source.endswith("'"):
            out_h[name] = source[1:-1]
        elif source.lower().startswith("method.request.header."):
            value = lower.get(source[len("method.request.header."):].lower())
            if value is not None:
                out_h[name] = value
    template = (cfg.get("ResponseTemplates") or {}).get("application/json")
    if template is None:
        return status, out_h, json.dumps(default_body).encode()
    message = str((default_body or {}).get("message") or (default_body or {}).get("Message") or "")
    flat = {"requestId": context.get("requestId", ""), "error.message": message,
            "error.messageString": json.dumps(message),
            **{f"authorizer.{k}": v for k, v in (context.get("authorizer") or {}).items()}}
    return status, out_h, _CONTEXT_VAR.sub(lambda m: str(flat.get(m.group(1), "")), template).encode()


@dataclass
class _Request:
    """One request as API Gateway sees it after routing: what the authorizer and the proxy event carry."""

    route: dict
    method: str
    path: str
    stage: str
    path_params: dict
    single_h: dict[str, str]
    multi_h: dict[str, list[str]]
    single_q: dict[str, str] | None
    multi_q: dict[str, list[str]] | None
    method_arn: str
    context: dict  # requestContext

    @property
    def lower_h(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.single_h.items()}


class ApiGateway:
    """Routes and the authorizer from `StackInfo.functions`; `invoke(function, event, source)` runs a function."""

    def __init__(self, info: StackInfo, invoke: Callable[..., Any], *, host: str = "127.0.0.1", port: int = 0):
        self.info = info
        self.invoke = invoke
        self.host = host
        self.port = port
        self.routes = [{**ev, "function": fn, "regex": compile_route(ev["path"])}
                       for fn, spec in info.functions.items() for ev in spec.events if ev["type"] == "Api"]
        # one API per local stack: its gateway responses answer whatever no route (or authorizer) takes
        self.gateway_responses: dict = next((r["gateway_responses"] for r in self.routes
                                             if r.get("gateway_responses")), {})
        self._server: ThreadingHTTPServer | None = None
        self.local: Callable[..., Reply | None] | None = None  # local-only endpoints (the clock control)

    # ------------------------------------------------------------------ one request
    def match_route(self, method: str, path: str) -> tuple[dict | None, dict]:
        for r in self.routes:
            m = r["regex"].match(path)
            if m and r["method"] in (method, "ANY"):
                return r, m.groupdict()
        return None, {}

    def handle_http(self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes,
                    source_ip: str = "127.0.0.1") -> Reply:
        """One API Gateway REST request: authorizer, then the proxy integration. Returns (status, headers, body)."""
        if self.local is not None and (local := self.local(method, raw_path, headers, body, source_ip)) is not None:
            return local
        req = self._route(method, raw_path, headers, source_ip)
        if req is None:
            # API Gateway cannot tell an unknown path from a known path's unknown method: both land here
            request_id = str(uuid.uuid4())
            return self._gateway("MISSING_AUTHENTICATION_TOKEN", dict(headers), {"requestId": request_id})
        auth = req.route.get("authorizer")
        if auth:
            denied = self._authorize(auth, req)
            if denied is not None:
                return denied
        return self._integrate(req, body)

    def _route(self, method: str, raw_path: str, headers: list[tuple[str, str]], source_ip: str) -> _Request | None:
        url = urlsplit(raw_path)
        path = unquote(url.path) or "/"
        stages = {r["stage"] for r in self.routes}
        stage = next(iter(stages)) if stages else "local"
        for s in stages:  # accept /<stage>/... as well as bare paths
            if path == f"/{s}" or path.startswith(f"/{s}/"):
                path, stage = path[len(s) + 1:] or "/", s
        route, path_params = self.match_route(method, path)
        if route is None:
            return None
        stage = route.get("stage") or stage
        single_h: dict[str, str] = {}
        multi_h: dict[str, list[str]] = {}
        for k, v in headers:
            single_h[k] = v
            multi_h.setdefault(k, []).append(v)
        qs = parse_qs(url.query, keep_blank_values=True)
        method_arn = (f"arn:aws:execute-api:{self.info.region}:{self.info.account_id}:{DEFAULT_API_ID}/"
                      f"{stage}/{method}{path}")
        req = _Request(route=route, method=method, path=path, stage=stage, path_params=path_params,
                       single_h=single_h, multi_h=multi_h, single_q={k: v[-1] for k, v in qs.items()} or None,
                       multi_q=qs or None, method_arn=method_arn, context={})
        req.context = self._request_context(req, source_ip)
        return req

    def _request_context(self, req: _Request, source_ip: str) -> dict:
        request_id = str(uuid.uuid4())
        return {
            "accountId": self.info.account_id,
            "apiId": DEFAULT_API_ID,
            "resourceId": "local",
            "resourcePath": req.route["path"],
            "httpMethod": req.method,
            "path": f"/{req.stage}{req.path}",
            "stage": req.stage,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTime": datetime.now(timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": "HTTP/1.1",
            "domainName": self.host,
            "identity": {"sourceIp": source_ip, "userAgent": req.lower_h.get("user-agent"), "accessKey": None,
                         "accountId": None, "caller": None, "user": None, "userArn": None,
                         "cognitoIdentityId": None, "cognitoIdentityPoolId": None,
                         "cognitoAuthenticationType": None, "cognitoAuthenticationProvider": None},
        }

    def _authorize(self, auth: dict, req: _Request) -> Reply | None:
        """None when the authorizer allows (its context is added to the request context), else the reply."""
        lower_h = req.lower_h
        missing = [h for h in auth.get("identity_headers") or [] if not lower_h.get(h.lower())]
        missing += [q for q in auth.get("identity_query") or [] if not (req.single_q or {}).get(q)]
        if missing:
            return self._gateway("UNAUTHORIZED", req.single_h, req.context)
        if auth["type"] == "TOKEN":
            header = (auth.get("identity_headers") or ["Authorization"])[0]
            auth_event: dict[str, Any] = {"type": "TOKEN", "authorizationToken": lower_h.get(header.lower()),
                                          "methodArn": req.method_arn}
        else:
            auth_event = {
                "type": "REQUEST", "methodArn": req.method_arn, "resource": req.route["path"], "path": req.path,
                "httpMethod": req.method, "headers": req.single_h, "multiValueHeaders": req.multi_h,
                "queryStringParameters": req.single_q, "multiValueQueryStringParameters": req.multi_q,
                "pathParameters": req.path_params or None, "stageVariables": None,
                "requestContext": req.context,
            }
        try:
            result = self.invoke(auth["function"], auth_event, source="authorizer")
        except Exception as e:  # noqa: BLE001 - API Gateway maps authorizer errors to responses
            if str(e) == "Unauthorized":
                return self._gateway("UNAUTHORIZED", req.single_h, req.context)
            log.exception("authorizer %s failed", auth["function"])
            return self._gateway("AUTHORIZER_FAILURE", req.single_h, req.context)
        if not isinstance(result, dict) or "policyDocument" not in result:
            return self._gateway("AUTHORIZER_CONFIGURATION_ERROR", req.single_h, req.context)
        decision = evaluate_policy(result.get("policyDocument"), req.method_arn)
        if decision == "Deny":
            req.context["authorizer"] = dict(result.get("context") or {})  # $context.authorizer.* in the reply
            return self._gateway("ACCESS_DENIED", req.single_h, req.context, {
                "Message": "User is not authorized to access this resource with an explicit deny"})
        if decision != "Allow":
            return self._gateway("ACCESS_DENIED", req.single_h, req.context)
        req.context["authorizer"] = {**(result.get("context") or {}),
                                     "principalId": result.get("principalId"), "integrationLatency": 0}
        return None

    def _integrate(self, req: _Request, body: bytes) -> Reply:
        """The Lambda proxy integration: REST proxy event in, proxy response out."""
        if body:
            try:
                body_s, b64 = body.decode("utf-8"), False
            except UnicodeDecodeError:
                body_s, b64 = base64.b64encode(body).decode("ascii"), True
        else:
            body_s, b64 = None, False
        event = {
            "resource": req.route["path"], "path": req.path, "httpMethod": req.method,
            "headers": req.single_h or None, "multiValueHeaders": req.multi_h or None,
            "queryStringParameters": req.single_q, "multiValueQueryStringParameters": req.multi_q,
            "pathParameters": req.path_params or None, "stageVariables": None,
            "requestContext": req.context, "body": body_s, "isBase64Encoded": b64,
        }
        try:
            resp = self.invoke(req.route["function"], event, source="api")
        except Exception:  # noqa: BLE001
            log.exception("function %s failed", req.route["function"])
            return self._gateway("BAD_GATEWAY", req.single_h, req.context)
        if not isinstance(resp, dict) or "statusCode" not in resp:
            return self._gateway("BAD_GATEWAY", req.single_h, req.context)
        out_h: dict[str, str] = {}
        for k, v in (resp.get("headers") or {}).items():
            out_h[k] = str(v)
        for k, vs in (resp.get("multiValueHeaders") or {}).items():
            out_h[k] = ",".join(str(v) for v in vs)
        rb = resp.get("body") or ""
        data = base64.b64decode(rb) if resp.get("isBase64Encoded") else (rb if isinstance(rb, str) else json.dumps(rb)).encode()
        out_h.setdefault("Content-Type", "application/json")
        out_h["x-amzn-RequestId"] = req.context["requestId"]
        return int(resp["statusCode"]), out_h, data

    def _gateway(self, kind: str, headers: dict[str, str], context: dict, body: dict | None = None) -> Reply:
        status, out_h, data = gateway_response(kind, self.gateway_responses, headers, context, body)
        out_h["x-amzn-RequestId"] = context.get("requestId", "")
        return status, out_h, data

    # ------------------------------------------------------------------ the HTTP server
    @property
    def url(self) -> str | None:
        if self._server is None:
            return None
        return f"http://{self.host}:{self._server.server_address[1]}"

    def serve(self) -> threading.Thread:
        """Listen on host:port (0 = a free port) in a daemon thread; returns that thread."""
        self._server = ThreadingHTTPServer((self.host, self.port), _http_handler(self))
        self._server.daemon_threads = True
        t = threading.Thread(target=self._server.serve_forever, name="api", daemon=True)
        t.start()
        return t

    def shutdown(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._server = None


def _http_handler(api: ApiGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # request lines would carry paths only; keep quiet
            log.debug("api %s", fmt % args)

        def _any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, data = api.handle_http(
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
