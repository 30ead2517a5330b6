"""EventBridge schedules for the template's Schedule events: fired on demand, by a timer for rate(), or
as a simulated clock moves (`advance`).

On the wall clock a timer thread fires each rate() schedule every period. On a simulated clock time moves
only when told to, so `advance(target)` fires, on the way to `target`, what EventBridge would have fired:
- a function with a `wake` provider (the sweep: the next child-state deadline) at each instant it has work,
  so a deadline is met at its own instant (as `safeguard replay` does) rather than up to a period late;
  the firings in between would have found nothing due;
- every other rate() schedule once, at `target`, when at least one period has passed since it last fired:
  the firings in between would have seen nothing newer than this one does (the digest signs the same heads).
"""
from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Optional

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

    def __init__(self, info: StackInfo, invoke: Callable[..., Any],
                 clock: Optional[Callable[[], datetime]] = None):
        """clock: the stack's clock; a simulated one (it has `set`) replaces the timers by `advance`."""
        self.info = info
        self.invoke = invoke
        self.clock = clock
        self.schedules = [
            (fn, ev) for fn, spec in info.functions.items() for ev in spec.events
            if ev["type"] == "Schedule" and ev.get("enabled", True)
        ]
        self.threads: list[threading.Thread] = []
        self._last: dict[str, datetime] = {ev["name"] + fn: clock() for fn, ev in self.schedules} if clock else {}

    @property
    def simulated(self) -> bool:
        return hasattr(self.clock, "set")

    def fire(self, functions: list[str] | None = None, now: datetime | None = None) -> dict[str, Any]:
        """Invoke every scheduled function once (or only `functions`). Returns {function: result}."""
        now = now or (self.clock() if self.clock else None)
        results: dict[str, Any] = {}
        for fn, ev in self.schedules:
            if functions is None or fn in functions:
                event = json.loads(ev["input"]) if ev.get("input") else scheduled_event(self.info, fn, ev, now)
                results[fn] = self.invoke(fn, event, source=f"schedule:{ev['name']}")
                if now is not None:
                    self._last[ev["name"] + fn] = now
        return results

    def advance(self, target: datetime, *, wake: dict[str, Callable[[], Optional[datetime]]] | None = None,
                settle: Callable[[], Any] | None = None) -> list[tuple[datetime, str, Any]]:
        """Move the simulated clock to `target`, firing what falls due on the way (see the module docstring);
        `settle()` runs after each firing (e.g. drain the queues). Returns [(instant, function, result)]."""
        if not self.simulated:
            raise TypeError("advance needs a simulated clock (the stack was started on the wall clock)")
        wake = {fn: f for fn, f in (wake or {}).items() if any(f_ == fn for f_, _ in self.schedules)}
        fired: list[tuple[datetime, str, Any]] = []

        def run(fn: str, now: datetime) -> None:
            fired.append((now, fn, self.fire([fn], now)[fn]))
            if settle is not None:
                settle()

        previous = None
        while wake:
            due = sorted((t, fn) for fn, f in wake.items() if (t := f()) is not None and t <= target)
            if not due:
                break
            if due[0] == previous:  # replay's guard: a sweep always moves the deadline past its instant
                raise RuntimeError(f"{due[0][1]} did not move its deadline past {due[0][0].isoformat()}")
            previous = due[0]
            run(due[0][1], self.clock.set(max(due[0][0], self.clock())))
        now = self.clock.set(target)
        for fn, ev in self.schedules:
            period = rate_seconds(ev["expression"])
            if fn not in wake and period is not None and (now - self._last[ev["name"] + fn]).total_seconds() >= period:
                run(fn, now)
        return fired

    def start(self, stop: threading.Event) -> None:
        """One timer thread per schedule until `stop` is set (none on a simulated clock: see `advance`)."""
        if self.simulated:
            log.info("schedules follow the simulated clock: they fire as it is advanced")
            return
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
