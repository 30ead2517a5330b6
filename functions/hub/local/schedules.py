"""EventBridge schedules for the template's Schedule events: fired on demand, or by a timer for rate()."""
from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from hub.local.stack_info import StackInfo

log = logging.getLogger("hub.local.runtime")  # see api_gateway: one name for the played Lambda service


def scheduled_event(info: StackInfo, function: str, ev: dict, now: datetime | None = None) -> dict:
    """The event EventBridge sends for a rule firing at `now`."""
    now = now or datetime.now(timezone.utc)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": info.account_id,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": info.region,
        "resources": [f"arn:aws:events:{info.region}:{info.account_id}:rule/{ev.get('rule_name', function)}"],
        "detail": {},
    }


def rate_seconds(expression: str) -> float | None:
    """The period of a rate() expression; None for anything else (cron() is not played by the timer)."""
    m = re.fullmatch(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)", expression.strip())
    if not m:
        return None
    return int(m.group(1)) * {"minute": 60, "hour": 3600, "day": 86400}[m.group(2).rstrip("s")]


class Schedules:
    """The enabled Schedule events of `info`; `invoke(function, event, source)` runs a function."""

    def __init__(self, info: StackInfo, invoke: Callable[..., Any]):
        self.info = info
        self.invoke = invoke
        self.schedules = [
            (fn, ev) for fn, spec in info.functions.items() for ev in spec.events
            if ev["type"] == "Schedule" and ev.get("enabled", True)
        ]
        self.threads: list[threading.Thread] = []

    def fire(self, functions: list[str] | None = None, now: datetime | None = None) -> dict[str, Any]:
        """Invoke every scheduled function once (or only `functions`). Returns {function: result}."""
        results: dict[str, Any] = {}
        for fn, ev in self.schedules:
            if functions is None or fn in functions:
                event = json.loads(ev["input"]) if ev.get("input") else scheduled_event(self.info, fn, ev, now)
                results[fn] = self.invoke(fn, event, source=f"schedule:{ev['name']}")
        return results

    def start(self, stop: threading.Event) -> None:
        """One timer thread per schedule until `stop` is set."""
        for fn, ev in self.schedules:
            t = threading.Thread(target=self._timer, args=(fn, ev, stop), name=f"schedule-{fn}", daemon=True)
            t.start()
            self.threads.append(t)

    def _timer(self, fn: str, ev: dict, stop: threading.Event) -> None:
        period = rate_seconds(ev["expression"])
        if period is None:
            log.warning("schedule %s for %s not played locally (only rate() is)", ev["expression"], fn)
            return
        while not stop.wait(period):
            try:
                self.fire([fn])
            except Exception:  # noqa: BLE001
                log.exception("scheduled %s failed", fn)

    def join(self, timeout: float) -> None:
        for t in self.threads:
            t.join(timeout)
        self.threads = [t for t in self.threads if t.is_alive()]
