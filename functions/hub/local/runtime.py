"""Play Lambda, API Gateway, the SQS event source mappings and EventBridge schedules locally.

The handlers are the same modules Lambda runs, imported by their Handler string; nothing in them knows it
is local. Wiring (routes, authorizer, queues, batch sizes, schedules) comes from the template via
`StackInfo.functions`. `LocalRuntime` is a façade over the parts, each in its own module:
`invoker` (handlers and Lambda contexts), `api_gateway` (HTTP server, routing, authorizer),
`sqs_sources` (event source mappings) and `schedules` (EventBridge rules).

The runtime never edits `os.environ` or `sys.path`. On construction it calls `compose(stack_info, clock)`,
which hands the handlers what Lambda would give them through the environment; the default,
`hub_ports.compose_hub`, builds the hub's ports on the stack and installs them with
`hub.handlers.composition.use`. Handler modules are loaded from their CodeUri by `invoker`.

With a simulated clock (`hub.local.clock.SimulatedClock`) the schedules fire as `advance_clock` moves it
(the sweep at each child-state deadline), and `enable_clock_control` serves the local-only clock endpoint.
"""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Any, Callable

from hub.local.api_gateway import ApiGateway, evaluate_policy
from hub.local.clock import ClockControl, next_deadline
from hub.local.hub_ports import compose_hub, emulator_session
from hub.local.invoker import Invoker, LambdaContext
from hub.local.schedules import Schedules, rate_seconds, scheduled_event
from hub.local.sqs_sources import SqsEventSources
from hub.local.stack_info import StackInfo

__all__ = ["LambdaContext", "LocalRuntime", "evaluate_policy"]


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
        clock: Callable[[], datetime] | None = None,
        compose: Callable[[StackInfo, Callable[[], datetime] | None], Any] = compose_hub,
        wake: dict[str, Callable[[], datetime | None]] | None = None,
    ):
        """failed_visibility_timeout: None = failed records wait out the queue's VisibilityTimeout, as in
        Lambda; a number (e.g. 0) makes them visible again sooner, for fast local retries.
        clock: the handlers' clock (default: the wall clock), passed to `compose`.
        compose: builds and installs the handlers' composition; its result is kept as `ports`.
        wake: on a simulated clock, {function: the next instant it has work}; default: the sweep wakes at the
        next child-state deadline."""
        self.info = stack_info
        self.clock = clock
        self.schedule_timer = schedule_timer
        self._invoker = Invoker(stack_info, serialize=serialize)
        self._api = ApiGateway(stack_info, self.invoke, host=host, port=api_port)
        self._sqs_sources = SqsEventSources(stack_info, self.invoke, self._sqs_client,
                                            poll_wait_seconds=poll_wait_seconds,
                                            failed_visibility_timeout=failed_visibility_timeout)
        self._schedules = Schedules(stack_info, self.invoke, clock)
        self._stop = threading.Event()
        self._api_thread: threading.Thread | None = None
        self._sqs = None
        self._sqs_lock = threading.Lock()
        self.ports = compose(stack_info, clock)
        sweep = [fn for fn, spec in stack_info.functions.items() if spec.handler == "hub.handlers.sweep.lambda_handler"]
        self.wake = wake if wake is not None else {fn: lambda: next_deadline(self.ports) for fn in sweep}

    # ------------------------------------------------------------------ invocation
    @property
    def _handlers(self) -> dict[str, Callable]:
        """The loaded handlers; clearing them makes the next invocations cold."""
        return self._invoker.handlers

    @property
    def invocations(self) -> list[tuple[str, str]]:
        return self._invoker.invocations

    def handler(self, function: str) -> Callable:
        return self._invoker.handler(function)

    def context(self, function: str) -> LambdaContext:
        return self._invoker.context(function)

    def invoke(self, function: str, event: Any, source: str = "direct") -> Any:
        """Call a function's handler as Lambda would (exceptions propagate)."""
        return self._invoker.invoke(function, event, source)

    def _sqs_client(self):
        with self._sqs_lock:
            if self._sqs is None:
                session = emulator_session(self.info.region)
                self._sqs = session.client("sqs", endpoint_url=self.info.endpoint_url)
            return self._sqs

    # ------------------------------------------------------------------ API Gateway
    @property
    def host(self) -> str:
        return self._api.host

    @property
    def api_port(self) -> int:
        return self._api.port

    @api_port.setter
    def api_port(self, port: int) -> None:  # takes effect on the next start()
        self._api.port = port

    @property
    def routes(self) -> list[dict]:
        return self._api.routes

    @property
    def api_url(self) -> str | None:
        return self._api.url

    def match_route(self, method: str, path: str) -> tuple[dict | None, dict]:
        return self._api.match_route(method, path)

    def handle_http(self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes,
                    source_ip: str = "127.0.0.1") -> tuple[int, dict[str, str], bytes]:
        """One API Gateway REST request: authorizer, then the proxy integration. Returns (status, headers, body)."""
        return self._api.handle_http(method, raw_path, headers, body, source_ip)

    # ------------------------------------------------------------------ SQS event source mappings
    @property
    def sqs_sources(self) -> list[tuple[str, dict]]:
        return self._sqs_sources.sources

    def poll_once(self, function: str | None = None, wait_seconds: int = 0) -> int:
        """Receive one batch per SQS source (or only `function`'s), invoke, delete successes. Returns records handled."""
        return self._sqs_sources.poll_once(function, wait_seconds)

    def drain(self, timeout: float = 30.0) -> bool:
        """Process until every source queue is empty and nothing is in flight. False if timeout came first
        (e.g. a failed record waiting out its visibility timeout)."""
        return self._sqs_sources.drain(timeout)

    # ------------------------------------------------------------------ schedules (EventBridge)
    @property
    def schedules(self) -> list[tuple[str, dict]]:
        return self._schedules.schedules

    def schedule_event(self, function: str, ev: dict, now: datetime | None = None) -> dict:
        return scheduled_event(self.info, function, ev, now)

    def fire_schedules(self, functions: list[str] | None = None, now: datetime | None = None) -> dict[str, Any]:
        """Invoke every scheduled function once (or only `functions`). Returns {function: result}."""
        return self._schedules.fire(functions, now)

    rate_seconds = staticmethod(rate_seconds)

    def advance_clock(self, target: datetime, settle: Callable[[], Any] | None = None) -> list[tuple[datetime, str, Any]]:
        """Simulated clock only: move it to `target`, firing the schedules due on the way; after each firing
        `settle()` (default: drain the queues). Returns [(instant, function, result)]."""
        return self._schedules.advance(target, wake=self.wake, settle=settle or self._drained)

    def _drained(self) -> None:
        if not self.drain(timeout=60):
            raise RuntimeError("the queues did not drain after a scheduled function")

    def enable_clock_control(self, token: str) -> None:
        """Serve GET|POST /_local/clock on this runtime's API server, for callers with `token`."""
        self._api.local = ClockControl(self.clock, token, self.advance_clock)

    # ------------------------------------------------------------------ lifecycle
    @property
    def _threads(self) -> list[threading.Thread]:
        api = [self._api_thread] if self._api_thread is not None else []
        return api + self._sqs_sources.threads + self._schedules.threads

    def start(self, *, api: bool = True, pollers: bool = True, schedules: bool | None = None) -> "LocalRuntime":
        self._stop.clear()
        if api and self.routes:
            self._api_thread = self._api.serve()
        if pollers:
            self._sqs_sources.start(self._stop)
        if schedules if schedules is not None else self.schedule_timer:
            self._schedules.start(self._stop)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._api.shutdown()
        if self._api_thread is not None:
            self._api_thread.join(timeout)
            if not self._api_thread.is_alive():
                self._api_thread = None
        self._sqs_sources.join(timeout)
        self._schedules.join(timeout)

    def __enter__(self) -> "LocalRuntime":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
