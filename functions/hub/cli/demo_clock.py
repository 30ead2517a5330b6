"""`safeguard up --clock simulated`: the embedded stack on a simulated clock, moved through a local-only
endpoint (hub.local.clock) for demos and tests that need the hub to live through days in seconds."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

import typer

CLOCK_HELP = ("wall: the machine's clock; simulated: the functions' clock moves only through "
              "POST /_local/clock (its URL and operator token are written to api.json), firing the schedules due on the way")
CLOCK_START_HELP = "with --clock simulated: the instant it starts at (ISO 8601 with offset; default: now)"


def make_clock(kind: str, start: Optional[str]):
    """None for the wall clock, else a SimulatedClock at `start` (default: now, to the second)."""
    from hub.local.clock import SimulatedClock

    if kind not in ("wall", "simulated"):
        raise typer.BadParameter("wall or simulated", param_hint="--clock")
    if kind == "wall":
        if start:
            raise typer.BadParameter("only with --clock simulated", param_hint="--clock-start")
        return None
    if not start:
        return SimulatedClock(datetime.now(timezone.utc).replace(microsecond=0))
    try:
        instant = datetime.fromisoformat(start.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter("must be an ISO 8601 date-time", param_hint="--clock-start")
    if instant.tzinfo is None:
        raise typer.BadParameter("must carry a time zone offset", param_hint="--clock-start")
    return SimulatedClock(instant)


def enable_control(stack, clock) -> dict:
    """On a simulated clock, serve the control endpoint; returns what api.json records about it ({} otherwise)."""
    from hub.local.clock import CONTROL_PATH, new_operator_token

    if clock is None:
        return {}
    token = new_operator_token()
    stack.runtime.enable_clock_control(token)
    return {"clock": {"url": f"{stack.api_url}{CONTROL_PATH}", "token": token, "started_at": clock().isoformat()}}
