"""Call a function's handler as Lambda would: imported by its Handler string, with a Lambda context.

The handler module is found the way Lambda finds it in /var/task: the function's CodeUri comes first.
That is done by loading the module from the CodeUri directory and registering it in `sys.modules`, never
by editing `sys.path`. Only the handler's top-level module or package is loaded from there; what it imports
resolves inside that package or from the installed environment. A module already imported (the hub's own
handlers, installed with the package) is used as it is.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from types import ModuleType
from typing import Any, Callable

from hub.local.stack_info import StackInfo


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


_import_lock = threading.Lock()


def load_module(module_name: str, code_uri: str | None = None) -> ModuleType:
    """`module_name`, its top-level package loaded from `code_uri` unless it is already imported."""
    top = module_name.split(".", 1)[0]
    with _import_lock:
        if top not in sys.modules and code_uri:
            spec = importlib.machinery.PathFinder.find_spec(top, [code_uri])
            if spec is not None and spec.loader is not None:
                module = importlib.util.module_from_spec(spec)
                sys.modules[top] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    sys.modules.pop(top, None)
                    raise
    return importlib.import_module(module_name)


def load_handler(handler: str, code_uri: str | None = None) -> Callable:
    module_name, _, attr = handler.rpartition(".")
    return getattr(load_module(module_name, code_uri), attr)


class Invoker:
    """Handlers by function logical id, cached like a warm container; invocations optionally serialised per function."""

    def __init__(self, info: StackInfo, *, serialize: bool = True):
        self.info = info
        self.handlers: dict[str, Callable] = {}  # cleared to make the next invocations cold
        self.invocations: list[tuple[str, str]] = []  # (function, source) for diagnostics
        # serialize: one invocation at a time per function (different functions run concurrently). A Lambda
        # container runs one invocation at a time, and here each function's handler module is its one warm
        # container: its Powertools batch processor, resolver and idempotency config hold per-invocation
        # state, so two threads must never run the same handler at once.
        self._locks = {fn: threading.RLock() for fn in info.functions} if serialize else None
        self._locks_guard = threading.Lock()

    def handler(self, function: str) -> Callable:
        if function not in self.handlers:
            spec = self.info.functions[function]
            self.handlers[function] = load_handler(spec.handler, spec.code_uri)
        return self.handlers[function]

    def context(self, function: str) -> LambdaContext:
        spec = self.info.functions[function]
        name = spec.name or f"{self.info.stack_name}-{function}"
        return LambdaContext(name, spec.memory, spec.timeout, self.info.region, self.info.account_id)

    def invoke(self, function: str, event: Any, source: str = "direct") -> Any:
        """Call a function's handler as Lambda would (exceptions propagate)."""
        fn = self.handler(function)
        ctx = self.context(function)
        self.invocations.append((function, source))
        if self._locks is None:
            return fn(event, ctx)
        with self._locks_guard:
            lock = self._locks.setdefault(function, threading.RLock())
        with lock:
            return fn(event, ctx)
