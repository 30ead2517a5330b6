"""The embedded stack's simulated clock: the clock itself, the schedules it fires on the way, and the
local-only control endpoint (hub.local.clock, hub.local.schedules)."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone

import pytest

from hub.local.clock import CONTROL_PATH, ClockControl, ClockError, SimulatedClock, parse_duration
from hub.local.schedules import Schedules
from hub.local.stack_info import FunctionSpec, StackInfo

T0 = datetime(2011, 9, 1, 9, 0, tzinfo=timezone.utc)


def test_the_clock_moves_forward_only():
    clock = SimulatedClock(datetime(2011, 9, 1, 10, 0, tzinfo=timezone(timedelta(hours=1))))
    assert clock() == T0 and clock().tzinfo == timezone.utc  # kept in UTC
    assert clock.set(T0) == T0  # standing still is allowed
    assert clock.advance(timedelta(hours=2)) == T0 + timedelta(hours=2)
    with pytest.raises(ClockError):
        clock.set(T0 + timedelta(hours=1))
    with pytest.raises(ClockError):
        clock.advance(timedelta(seconds=-1))
    with pytest.raises(ClockError):
        clock.set(datetime(2012, 1, 1))  # naive: which time zone?
    assert clock() == T0 + timedelta(hours=2)


def test_the_clock_loses_no_move_when_threads_race():
    clock = SimulatedClock(T0)

    def tick() -> None:
        for _ in range(500):
            clock.advance(timedelta(seconds=1))

    threads = [threading.Thread(target=tick) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock() == T0 + timedelta(seconds=4000)


def _info() -> StackInfo:
    def fn(handler: str, name: str, rate: str) -> FunctionSpec:
        return FunctionSpec(handler=handler, timeout=30, memory=256, env={},
                            events=[{"type": "Schedule", "name": name, "expression": rate, "enabled": True}])

    return StackInfo(endpoint_url="http://127.0.0.1:1", region="eu-west-2", resources={}, env={}, functions={
        "SweepFunction": fn("hub.handlers.sweep.lambda_handler", "Every15Minutes", "rate(15 minutes)"),
        "DigestFunction": fn("hub.handlers.audit_digest.lambda_handler", "Every5Minutes", "rate(5 minutes)"),
    })


class Deadlines:
    """A sweep that clears the deadlines due at the instant it runs, as the rules' sweep does."""

    def __init__(self, clock: SimulatedClock, *instants: datetime):
        self.clock, self.pending = clock, sorted(instants)
        self.calls: list[tuple[str, str, datetime]] = []

    def next(self) -> datetime | None:
        return self.pending[0] if self.pending else None

    def invoke(self, fn: str, event: dict, source: str) -> dict:
        self.calls.append((fn, event["time"], self.clock()))
        if fn == "SweepFunction":
            self.pending = [t for t in self.pending if t > self.clock()]
        return {"ok": True}


def test_advance_fires_the_sweep_at_each_deadline_and_the_digest_once_its_period_passed():
    clock = SimulatedClock(T0)
    d1, d2, beyond = T0 + timedelta(hours=3, seconds=7), T0 + timedelta(days=2), T0 + timedelta(days=9)
    hub = Deadlines(clock, d2, d1, beyond)
    schedules = Schedules(_info(), hub.invoke, clock)
    settled: list[datetime] = []
    target = T0 + timedelta(days=3)

    fired = schedules.advance(target, wake={"SweepFunction": hub.next}, settle=lambda: settled.append(clock()))

    # the sweep ran at each deadline's own instant (not on its 15-minute grid), the digest once at the target
    assert [(at, fn) for at, fn, _ in fired] == [(d1, "SweepFunction"), (d2, "SweepFunction"), (target, "DigestFunction")]
    assert [(fn, now) for fn, _, now in hub.calls] == [("SweepFunction", d1), ("SweepFunction", d2), ("DigestFunction", target)]
    assert hub.calls[0][1] == d1.strftime("%Y-%m-%dT%H:%M:%SZ")  # the scheduled event carries the simulated time
    assert settled == [d1, d2, target] and clock() == target
    assert hub.pending == [beyond]  # a deadline past the target waits

    # less than the digest's period later nothing fires; past it, the digest fires once more
    assert schedules.advance(target + timedelta(minutes=4), wake={"SweepFunction": hub.next}) == []
    again = schedules.advance(target + timedelta(minutes=6), wake={"SweepFunction": hub.next})
    assert [fn for _, fn, _ in again] == ["DigestFunction"]


def test_advance_stops_a_sweep_that_never_moves_its_deadline():
    clock = SimulatedClock(T0)
    stuck = T0 + timedelta(hours=1)
    schedules = Schedules(_info(), lambda fn, event, source: None, clock)
    with pytest.raises(RuntimeError, match="did not move its deadline"):
        schedules.advance(T0 + timedelta(days=1), wake={"SweepFunction": lambda: stuck})


def test_the_wall_clock_keeps_its_timers_and_cannot_be_advanced():
    schedules = Schedules(_info(), lambda fn, event, source: None)
    with pytest.raises(TypeError):
        schedules.advance(T0)


def test_durations():
    assert parse_duration("1d2h30m5s") == timedelta(days=1, hours=2, minutes=30, seconds=5)
    assert parse_duration(90) == timedelta(seconds=90)
    for bad in ("", "soon", "1x", True):
        with pytest.raises(ClockError):
            parse_duration(bad)


# ---------------------------------------------------------------- the control endpoint
TOKEN = "sgl_test-token"


@pytest.fixture()
def control():
    clock = SimulatedClock(T0)
    moves: list[datetime] = []

    def advance_to(target: datetime):
        moves.append(target)
        clock.set(target)
        return [(target, "SweepFunction", {"records": 0})]

    return ClockControl(clock, TOKEN, advance_to), clock, moves


def _call(control, method="GET", body: dict | None = None, token: str | None = TOKEN, ip="127.0.0.1",
          path=CONTROL_PATH):
    headers = [("Authorization", f"Bearer {token}")] if token else []
    reply = control(method, path, headers, json.dumps(body).encode() if body is not None else b"", ip)
    return None if reply is None else (reply[0], json.loads(reply[2]))


def test_the_control_endpoint_needs_the_operator_token_and_a_local_caller(control):
    ctl, clock, moves = control
    assert _call(ctl, token=None)[0] == 401
    assert _call(ctl, token="sgl_guess")[0] == 401
    assert _call(ctl, ip="10.0.0.7")[0] == 403
    assert _call(ctl, "POST", {"advance": "1d"}, token=None)[0] == 401
    assert moves == [] and clock() == T0
    assert _call(ctl, path="/$process-message") is None  # every other path is the API's


def test_the_control_endpoint_reads_sets_and_advances_the_clock_never_backwards(control):
    ctl, clock, moves = control
    assert _call(ctl) == (200, {"now": T0.isoformat()})
    status, body = _call(ctl, "POST", {"set": "2011-10-12T10:00:00+01:00"})
    assert status == 200 and body["now"] == "2011-10-12T09:00:00+00:00"
    assert body["fired"] == [{"function": "SweepFunction", "at": "2011-10-12T09:00:00+00:00"}]
    status, body = _call(ctl, "POST", {"advance": "1d"})
    assert status == 200 and body["now"] == "2011-10-13T09:00:00+00:00"
    assert _call(ctl, "POST", {"set": "2011-01-01T00:00:00Z"})[0] == 400  # backwards
    assert _call(ctl, "POST", {"set": "2011-12-01T00:00:00"})[0] == 400  # no offset
    assert _call(ctl, "POST", {"set": "2012-01-01T00:00:00Z", "advance": "1d"})[0] == 400
    assert _call(ctl, "DELETE")[0] == 405
    assert len(moves) == 2 and clock() == datetime(2011, 10, 13, 9, tzinfo=timezone.utc)


# ---------------------------------------------------------------- safeguard up --clock simulated
def test_up_on_a_simulated_clock_moves_only_through_the_control_endpoint(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request
    from pathlib import Path

    safeguard = str(Path(sys.executable).with_name("safeguard"))
    state, home = tmp_path / "state", tmp_path / "home"
    home.mkdir()
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL") if k in os.environ}
    env |= {"HOME": str(home), "HUB_LOCAL_DIR": str(state), "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true"}
    with open(tmp_path / "up.log", "w+") as log:
        proc = subprocess.Popen([safeguard, "up", "--port", "0", "--clock", "simulated",
                                 "--clock-start", "2011-09-01T10:00:00+01:00"], cwd=tmp_path, env=env,
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 180
            while not (state / "api.json").exists():
                assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "up.log").read_text()
                time.sleep(0.2)
            control = json.loads((state / "api.json").read_text())["clock"]
            assert (state / "api.json").stat().st_mode & 0o077 == 0  # the operator token is the owner's only

            def call(method: str, body: dict | None = None, token: str | None = control["token"]):
                req = urllib.request.Request(control["url"], method=method,
                                             data=json.dumps(body).encode() if body is not None else None,
                                             headers={"Authorization": f"Bearer {token}"} if token else {})
                try:
                    with urllib.request.urlopen(req, timeout=60) as resp:
                        return resp.status, json.loads(resp.read())
                except urllib.error.HTTPError as exc:
                    return exc.code, json.loads(exc.read())

            # WHEN the operator reads, advances and tries to rewind the clock
            assert call("GET", token=None)[0] == 401
            assert call("GET") == (200, {"now": "2011-09-01T09:00:00+00:00"})
            status, moved = call("POST", {"advance": "2d"})
            rewound = call("POST", {"set": "2011-08-01T00:00:00Z"})
            still = call("GET")
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=60)

    # THEN it moved forward only, firing the schedules whose time had come (the digest's 5 minutes passed)
    assert (status, moved["now"]) == (200, "2011-09-03T09:00:00+00:00")
    assert {f["function"] for f in moved["fired"]} >= {"AuditDigestFunction"}
    assert rewound[0] == 400 and still == (200, {"now": "2011-09-03T09:00:00+00:00"})
    # and `up` stopped cleanly, taking the token with it
    assert code == 0 and not (state / "api.json").exists()
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)
