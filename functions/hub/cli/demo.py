"""`safeguard demo`: the Child S story told by the hub itself, on its own clock.

The embedded stack (moto server + the functions) runs on a simulated clock. For each message, in
Bundle.timestamp order (ties by file name, as `safeguard replay`), the demo advances the clock to the
message's timestamp, firing on the way what EventBridge would have fired (the sweep at each child-state
deadline, so a deadline is met at its own instant; the audit digest when its period has passed), posts
the message over HTTP as its sender, and drains the queues (the pollers are driven by `drain()`, not by
threads, so nothing waits on a timer). The alerts then carry their 2007-2011 times, and the demo checks
them against `safeguard replay` of the same folder.
"""
from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn

from hub.cli import app, stack_state
from hub.cli.agency import provision
from hub.cli.alerts import read_alerts
from hub.cli.demo_story import (CHILD_S_INCIDENT, CHILD_S_LABELS, CHILD_S_NHS, LONDON, Moment, Step, Timeline,
                                compare, london, print_summary, spec_records, summarise_story)
from hub.cli.output import EXIT_REJECTED, EXIT_USAGE, err, out
from hub.cli.send import post_message, sender_ods

CONTENT_TYPE = "application/fhir+json"
MAX_PAUSE = 4.0  # seconds: with --speed, a long quiet spell in the chronology still takes only this long


def _instant(text: str, name: str, *, end_of_day: bool) -> datetime:
    """An ISO date (a Europe/London day; as an end, the midnight after it) or a date-time with offset."""
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip()) + timedelta(days=1 if end_of_day else 0)
            return datetime(day.year, day.month, day.day, tzinfo=LONDON)
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter("must be an ISO 8601 date or date-time", param_hint=name)
    if value.tzinfo is None:
        raise typer.BadParameter("a date-time must carry a time zone offset", param_hint=name)
    return value


def load_steps(scenario: Path, agencies: list[dict]) -> list[Step]:
    """The scenario's messages in replay order, each with its sender and a one-line description."""
    import orjson

    from hub.core.replay import caller_for, message_files
    from hub.core.rules.calendars import parse_iso
    from hub.core.summary import summarise
    from hub.core.validation import validate_message

    kinds = {a["ods"]: a["kind"] for a in agencies}
    steps = []
    for path in message_files(scenario):
        body = path.read_bytes()
        try:
            bundle = orjson.loads(body)
            ts = parse_iso(bundle["timestamp"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            bundle, ts = None, None
        caller = caller_for(bundle, kinds)
        verdict = validate_message(body, content_type=CONTENT_TYPE, caller=caller, now=ts or datetime.now(LONDON))
        msg = verdict.message
        event = summarise(msg).split(": ", 1)[-1] if msg is not None else f"(invalid: {path.name})"
        steps.append(Step(path, body, ts, sender_ods(bundle) if isinstance(bundle, dict) else None,
                          caller.kind if caller else None, msg.patient.nhs_number if msg else None, event))
    # Bundle.timestamp order, ties by file name; files without a timestamp last (core/replay.py)
    steps.sort(key=lambda s: (s.timestamp is None, s.timestamp or datetime.min.replace(tzinfo=LONDON), s.path.name))
    return steps


def _default_end(steps: list[Step]) -> datetime:
    """Midnight at the end of the day after the last message: the deadlines of its day have come."""
    last = max((s.timestamp for s in steps if s.timestamp), default=datetime.now(LONDON)).astimezone(LONDON).date()
    day = last + timedelta(days=2)
    return datetime(day.year, day.month, day.day, tzinfo=LONDON)


@app.command()
def demo(scenario: Path = typer.Option(stack_state.DEFAULT_SCENARIO, exists=True, file_okay=False,
                                       help="folder of messages (files starting with a digit)"),
         agencies: Optional[Path] = typer.Option(None, exists=True, dir_okay=False,
                                                 help='JSON list of {"ods", "kind"} (default: the scenario\'s agencies.json)'),
         out_dir: Path = typer.Option(Path("demo-output"), "--out", file_okay=False,
                                      help="folder for the report, charts, chronology and alerts"),
         until: Optional[str] = typer.Option(None, "--until", help="stop at this date (inclusive) or date-time"),
         speed: float = typer.Option(0.0, "--speed", min=0.0,
                                     help="pace for a live audience: simulated days per second (0: as fast as it goes)"),
         serve: bool = typer.Option(False, "--serve", help="afterwards keep the stack (and console) running until Ctrl-C"),
         incident: str = typer.Option(CHILD_S_INCIDENT, "--incident", help="the critical incident the summary counts up to"),
         child: str = typer.Option(CHILD_S_NHS, "--child", help="NHS number of the child whose chronology is written"),
         ) -> None:
    """Tell the Child S story on the hub's own clock: the alerts it would have raised in 2007-2011, checked against
    `safeguard replay`, then the commissioners' report, charts and the child's chronology in --out. Exit 0 when
    every message was accepted and the hub agrees with replay."""
    started = time.monotonic()
    agency_list = stack_state.load_agencies(agencies or scenario / "agencies.json")
    steps = load_steps(scenario, agency_list)
    end = _default_end(steps) if until is None else _instant(until, "--until", end_of_day=True)
    steps = [s for s in steps if s.timestamp is not None and s.timestamp <= end or s.timestamp is None and until is None]
    incident_at = _instant(incident, "--incident", end_of_day=False)
    if not steps:
        err.print("[red]No message of the scenario falls before --until.[/red]")
        raise typer.Exit(EXIT_USAGE)
    # The functions' JSON logs and metrics would bury the story: keep warnings only. Powertools takes these
    # from the environment alone (they are not the stack's wiring, which the runtime hands over); charts
    # keep matplotlib's cache in a folder removed on exit, so nothing is left outside --out.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    with tempfile.TemporaryDirectory(prefix="safeguard-demo-") as scratch:
        os.environ.setdefault("MPLCONFIGDIR", scratch)
        code = _run(steps, agency_list, end, incident_at, out_dir, speed, serve, child, started)
    raise typer.Exit(code)


def _run(steps: list[Step], agencies: list[dict], end: datetime, incident: datetime, out_dir: Path,
         speed: float, serve: bool, child: str, started: float) -> int:
    from hub.core.replay import replay
    from hub.core.rules import RulesConfig
    from hub.local.clock import SimulatedClock
    from hub.local.stack import local_stack

    first = min(s.timestamp for s in steps if s.timestamp) if any(s.timestamp for s in steps) else end
    clock = SimulatedClock(first)
    out.print(f"[bold]Safeguarding Hub demo[/bold]: {len(steps)} messages of the Child S chronology, "
              f"{london(first)} to {london(end)}, sent over HTTP to the hub on an embedded AWS emulator whose "
              "clock follows the story.")
    timeline = Timeline(out, CHILD_S_LABELS)
    published: list[dict] = []
    with local_stack(api_port=0, save_to=False, pollers=False, failed_visibility_timeout=0, clock=clock) as stack:
        ports, runtime = stack.ports, stack.runtime
        keys = provision(agencies)
        # replay keyed with this stack's secret, as its rules service is, so the alert ids can be compared too
        expected = replay([s.path for s in steps], end, agencies,
                          RulesConfig(la_front_door_ods=ports.settings.la_front_door_ods, alert_key=ports.hmac_key)).records

        def drained() -> list[dict]:
            if not runtime.drain(timeout=60):
                raise RuntimeError("the hub's queues did not drain")
            records = read_alerts(ports, keep=False)
            published.extend(records)
            return records

        def after_schedule() -> None:  # a scheduled function ran (sweep or digest): show what it raised
            timeline.show(Moment(clock(), None, records=drained()))

        out.rule("[bold]Safeguarding alerts, as the hub raises them[/bold]")
        accepted, shown_at = 0, None
        live = err.is_terminal and out.is_terminal  # on one terminal, the story scrolls above the bar
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      console=err, transient=True, redirect_stdout=live, redirect_stderr=False) as progress:
            task = progress.add_task("starting", total=len(steps))
            for step in steps:
                if step.timestamp is not None and step.timestamp > clock():
                    _pace(speed, shown_at, step.timestamp)
                    runtime.advance_clock(step.timestamp, settle=after_schedule)
                progress.update(task, description=london(clock())[:10])
                key = (keys.get(step.sender or "") or {}).get("key")
                status, _ = post_message(runtime.api_url, step.body, key, CONTENT_TYPE)
                accepted += status in (200, 202)
                timeline.show(Moment(clock(), step, status, drained()))
                shown_at = clock()
                progress.advance(task)
            if end > clock():
                runtime.advance_clock(end, settle=after_schedule)
        code = _close(stack, published, expected, steps, accepted, end, incident, out_dir, child)
        out.print(f"[dim]{time.monotonic() - started:.0f} s on this machine.[/dim]")
        if serve:
            _serve(stack, agencies, keys, clock)
    return code


def dead_letters(stack) -> dict[str, int]:
    """Records waiting in each dead-letter queue of the stack (the template names them ...DLQ)."""
    return {lid: stack.ports.queues.depth(url)["visible"]
            for lid, url in sorted(stack.stack_info.queue_urls().items()) if lid.endswith("DLQ")}


def _pace(speed: float, last: datetime | None, target: datetime) -> None:
    if speed > 0 and last is not None:
        time.sleep(min((target - last).total_seconds() / 86400 / speed, MAX_PAUSE))


def _close(stack, published: list[dict], expected: list[dict], steps: list[Step], accepted: int, end: datetime,
           incident: datetime, out_dir: Path, child: str) -> int:
    """Check against replay, print the summary, write the output folder. Returns the exit code."""
    ports = stack.ports
    from hub.cli.demo_output import verify_audit, write_alerts, write_chronology, write_report, write_summary

    code = 0
    out.print()
    if accepted != len(steps):
        out.print(f"[bold red]{len(steps) - accepted} of {len(steps)} messages were not accepted.[/bold red]")
        code = EXIT_REJECTED
    diff = compare(published, expected)
    if diff:
        out.print(f"[bold red]The hub and `safeguard replay` DISAGREE[/bold red] ({len(spec_records(published))} alerts and "
                  f"resolutions from the hub, {len(expected)} from replay):")
        for line in diff[:20]:
            out.print(f"  {line}", overflow="fold")
        code = EXIT_REJECTED
    else:
        n_alerts = sum(r.get("type") == "alert" for r in published)
        n_res = sum(r.get("type") == "resolved" for r in published)
        out.print(f"[bold green]The hub and `safeguard replay` agree[/bold green]: the same {n_alerts} alerts and "
                  f"{n_res} resolutions (alert ids, rules, raised_at, detected_at, resolutions).")
    intact, line = verify_audit(ports)
    out.print(line)
    code = code or (0 if intact else EXIT_REJECTED)
    dead = dead_letters(stack)
    if any(dead.values()):
        out.print("[bold red]Records in dead-letter queues (a function failed; see its log on stderr):[/bold red] "
                  + ", ".join(f"{lid} {n}" for lid, n in dead.items() if n))
        code = EXIT_REJECTED
    summary = summarise_story(published, incident, CHILD_S_LABELS)
    summary |= {"messages": len(steps), "accepted": accepted, "agrees_with_replay": not diff, "audit_intact": intact,
                "until": end.isoformat(), "api_url": stack.api_url, "endpoint": stack.endpoint}
    print_summary(out, summary)
    out_dir.mkdir(parents=True, exist_ok=True)
    first = min((s.timestamp for s in steps if s.timestamp), default=end)
    label = CHILD_S_LABELS.get(child, child)
    paths = [*write_alerts(out_dir, published), *write_report(ports, out_dir, first, end),
             *write_chronology(ports, out_dir, child, label), write_summary(out_dir, summary)]
    out.rule("[bold]Written[/bold]")
    for p in paths:
        out.print(f"  {p}")
    return code


def _serve(stack, agencies: list[dict], keys: dict, clock) -> None:
    """Keep the stack running for people to explore: pollers on, the clock control on, until Ctrl-C."""
    from rich.table import Table

    from hub.cli.demo_clock import enable_control

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    keys = {**keys, **provision([{"ods": "COMM01", "kind": "commissioner"}])}
    control = enable_control(stack, clock)["clock"]
    stack.runtime.start(api=False, pollers=True, schedules=False)
    url = stack.api_url
    table = Table("ODS", "kind", "API key", title=f"Safeguarding Hub at {url}")
    for ods, k in keys.items():
        table.add_row(ods, k["kind"], k["key"])
    out.print(table)
    route, _ = stack.runtime.match_route("GET", "/console")
    if route is not None:
        out.print(f"Web console: [bold]{url}/console[/bold] (the commissioner key COMM01 reads the audit views)")
    out.print(f"The clock stands at {london(clock())}. Move it on (the sweep fires at each deadline on the way):\n"
              f"  curl -X POST {control['url']} -H 'Authorization: Bearer {control['token']}' -d '{{\"advance\": \"1d\"}}'")
    err.print("Ctrl-C stops the stack.")
    while not stop.wait(0.5):
        pass
    out.print("stopped")
