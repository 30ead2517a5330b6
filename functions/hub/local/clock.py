"""A simulated clock for the embedded stack, and the local-only endpoint that moves it.

`SimulatedClock` is what the local runtime hands the composition root (`bootstrap.build(..., clock=)`), so
every function reads the same instant and none knows it is simulated. It only moves forward: a hub whose
clock went back would see deadlines come due twice and audit records out of order.

`next_deadline(ports)` reads the deadline indexes the sweep reads (each table's `due-index` GSI): the next
instant the sweep has work, which the runtime uses to fire the sweep at exactly that instant on the way.

`ClockControl` serves `GET|POST /_local/clock` on the local API server only (it is not in template.yaml, so
it is never deployed). It needs `Authorization: Bearer <operator token>`; `safeguard up --clock simulated`
writes that token to the stack state file (.local/api.json, mode 0600) and only loopback callers are served.
"""
from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

CONTROL_PATH = "/_local/clock"
Reply = tuple[int, dict[str, str], bytes]


class ClockError(ValueError):
    """A clock move that is not allowed (backwards, or a naive date-time)."""


def _utc(t: datetime) -> datetime:
    if t.tzinfo is None:
        raise ClockError("a simulated instant needs a time zone offset")
    return t.astimezone(timezone.utc)


class SimulatedClock:
    """A thread-safe clock that moves only when told to, and never backwards. Call it for the instant."""

    def __init__(self, start: datetime):
        self._now = _utc(start)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    now = __call__

    def set(self, instant: datetime) -> datetime:
        """Move to `instant` (the same instant is allowed); ClockError if it is earlier than now."""
        instant = _utc(instant)
        with self._lock:
            if instant < self._now:
                raise ClockError(f"the clock never goes back: {instant.isoformat()} is before {self._now.isoformat()}")
            self._now = instant
            return instant

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ClockError("the clock never goes back: a negative advance")
        with self._lock:
            self._now += delta
            return self._now


# The tables whose sparse `due-index` (due_shard, next_due) the sweep reads: the children's rule deadlines
# and, where the settings name one, the alert Tasks' escalation deadlines.
SWEPT_TABLES = ("state_table", "task_table")


def _key_instant(key: str) -> datetime:
    return _utc(datetime.fromisoformat(key.replace("Z", "+00:00")))


def _earliest(ports, table: str, exact_state: bool) -> datetime | None:
    from botocore.exceptions import ClientError

    keys: list[tuple[str, str]] = []
    try:
        for page in ports.clients.dynamodb.get_paginator("scan").paginate(
                TableName=table, IndexName="due-index", ProjectionExpression="pk, next_due"):
            keys += [(i["next_due"]["S"], i.get("pk", {}).get("S", "")) for i in page.get("Items", [])]
    except ClientError as exc:  # a table without the index (an older deployment) has no deadlines to wake for
        if exc.response.get("Error", {}).get("Code") in ("ResourceNotFoundException", "ValidationException"):
            return None
        raise
    if not keys:
        return None
    first = min(_key_instant(k) for k, _ in keys)
    if not exact_state:
        return first
    # the child-state key is truncated to the second: the earliest children's own state has the instant
    states = (ports.state.get(pk.split("#", 1)[1]) for k, pk in keys if _key_instant(k) == first)
    return min((_utc(datetime.fromisoformat(s.next_due)) for s in states if s and s.next_due), default=first)


def next_deadline(ports) -> datetime | None:
    """The earliest deadline the sweep has work at, or None: the smallest `next_due` in the due indexes.

    Those indexes hold only what has a pending deadline, so scanning them is small on a local stack."""
    found = [t for setting in SWEPT_TABLES if (table := getattr(ports.settings, setting, None))
             for t in [_earliest(ports, table, setting == "state_table")] if t is not None]
    return min(found) if found else None


# ---------------------------------------------------------------- the control endpoint
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str | int | float) -> timedelta:
    """Seconds (a number), or a compact duration such as "1d", "2h30m", "90s"."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return timedelta(seconds=text)
    m = _DURATION.match(str(text).strip())
    if not m or not any(m.groups()):
        raise ClockError(f"not a duration: {text!r} (seconds, or e.g. 1d, 2h30m, 90s)")
    d, h, mi, s = (int(g or 0) for g in m.groups())
    return timedelta(days=d, hours=h, minutes=mi, seconds=s)


def new_operator_token() -> str:
    return "sgl_" + secrets.token_urlsafe(24)


def _reply(status: int, body: dict) -> Reply:
    return status, {"Content-Type": "application/json", "Cache-Control": "no-store"}, json.dumps(body).encode()


class ClockControl:
    """`GET /_local/clock` reads the clock; `POST` with {"set": ISO 8601} or {"advance": duration} moves it
    through `advance_to(target)`, which fires the schedules due on the way and returns what fired."""

    def __init__(self, clock: SimulatedClock, token: str, advance_to: Callable[[datetime], list[Any]]):
        self.clock, self._token, self._advance_to = clock, token, advance_to
        self._lock = threading.Lock()  # one move at a time: two operators must not interleave sweeps

    def __call__(self, method: str, raw_path: str, headers: list[tuple[str, str]], body: bytes,
                 source_ip: str) -> Reply | None:
        """The reply for a request to the control path, or None for any other path (the API's routes)."""
        if raw_path.split("?", 1)[0].rstrip("/") != CONTROL_PATH:
            return None
        if source_ip not in ("127.0.0.1", "::1"):
            return _reply(403, {"message": "local callers only"})
        auth = next((v for k, v in headers if k.lower() == "authorization"), "")
        given = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if not hmac.compare_digest(given.encode(), self._token.encode()):
            return _reply(401, {"message": "Unauthorized: the operator token from the stack state file is needed"})
        if method == "GET":
            return _reply(200, {"now": self.clock().isoformat()})
        if method != "POST":
            return _reply(405, {"message": "GET or POST"})
        try:
            req = json.loads(body or b"{}")
            if not isinstance(req, dict) or len({"set", "advance"} & req.keys()) != 1:
                raise ClockError('send {"set": "<ISO 8601 with offset>"} or {"advance": "<duration>"}')
            with self._lock:
                if "set" in req:
                    target = _utc(datetime.fromisoformat(str(req["set"]).replace("Z", "+00:00")))
                else:
                    target = self.clock() + parse_duration(req["advance"])
                if target < self.clock():
                    raise ClockError(f"the clock never goes back: it is {self.clock().isoformat()}")
                fired = self._advance_to(target)
        except (ClockError, ValueError) as exc:
            return _reply(400, {"message": str(exc)})
        except Exception as exc:  # noqa: BLE001 - a failed schedule must not kill the server thread
            return _reply(500, {"message": f"a schedule failed on the way: {type(exc).__name__}",
                                "now": self.clock().isoformat()})
        return _reply(200, {"now": self.clock().isoformat(),
                            "fired": [{"function": fn, "at": at.isoformat()} for at, fn, _ in fired]})
