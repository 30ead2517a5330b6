"""AWS calls counted from botocore's own event system, by function and by API operation.

`install()` wraps `botocore.session.Session.create_client` so that every client made afterwards in this
process (the hub's, Powertools idempotency's, the local runtime's pollers') has a `before-call` handler on
its event emitter. `before-call` fires once per API call (retries are not counted again: they are
`before-send`). The calling function is the one the local runtime is invoking on this thread
(`attribute(invoker)` marks it); calls made outside any invocation are the played Lambda service itself
(event source mappings receiving and deleting, the drain checks) and are reported apart, since in AWS
they are not the hub's calls.
"""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any

OUTSIDE = "(lambda service: pollers, drain)"


class CallCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._local = threading.local()
        self.calls: Counter[tuple[str, str]] = Counter()  # (function, "service.Operation") -> calls
        self.enabled = False

    def on_call(self, model: Any = None, **_: Any) -> None:
        if not self.enabled or model is None:
            return
        fn = getattr(self._local, "function", None) or OUTSIDE
        op = f"{model.service_model.service_name}.{model.name}"
        with self._lock:
            self.calls[(fn, op)] += 1

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    def attribute(self, invoker: Any) -> None:
        """Wrap `invoker.invoke(function, event, source)` so calls on its thread count for `function`."""
        inner = invoker.invoke
        local = self._local

        def invoke(function: str, event: Any, source: str = "direct") -> Any:
            outer = getattr(local, "function", None)
            local.function = function
            try:
                return inner(function, event, source)
            finally:
                local.function = outer

        invoker.invoke = invoke

    def report(self, per: int) -> dict:
        """Calls per `per` (accepted messages): total, by function, by function and operation."""
        with self._lock:
            calls = dict(self.calls)
        hub = {k: v for k, v in calls.items() if k[0] != OUTSIDE}
        by_fn: Counter[str] = Counter()
        for (fn, _), n in hub.items():
            by_fn[fn] += n
        by_op: dict[str, dict[str, float]] = {}
        for (fn, op), n in sorted(hub.items()):
            by_op.setdefault(fn, {})[op] = round(n / per, 3)
        outside: Counter[str] = Counter()
        for (fn, op), n in calls.items():
            if fn == OUTSIDE:
                outside[op] += n
        return {"per_message": round(sum(hub.values()) / per, 3),
                "by_function": {k: round(v / per, 3) for k, v in by_fn.most_common()},
                "by_operation": by_op,
                "lambda_service_per_message": {k: round(v / per, 3) for k, v in outside.most_common()},
                "messages": per}


COUNTER = CallCounter()
_installed = False


def install() -> CallCounter:
    """Count every client created from now on (call before the stack builds its clients)."""
    global _installed
    if not _installed:
        import botocore.session

        original = botocore.session.Session.create_client

        def create_client(self, *args: Any, **kwargs: Any) -> Any:
            client = original(self, *args, **kwargs)
            client.meta.events.register("before-call", COUNTER.on_call)
            return client

        botocore.session.Session.create_client = create_client
        _installed = True
    return COUNTER
