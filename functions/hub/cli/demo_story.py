"""`safeguard demo` as a story: the timeline lines, the check against replay and the closing summary.

Pure apart from printing: the demo hands in the steps it played and the records the hub published.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.text import Text

LONDON = ZoneInfo("Europe/London")
# The Child S scenario (events/scenarios/child-s/README.md): who is who, and the critical incident.
CHILD_S_INCIDENT = "2011-10-12T10:00:00+01:00"
CHILD_S_NHS = "9990003033"
CHILD_S_LABELS = {"9990001014": "half sibling 1", "9990002029": "half sibling 2", "9990003033": "Child S"}
AGENCY_KINDS = {"gp": "GP", "health-visiting": "Health visiting", "police": "Police", "social-care": "Social care",
                "hospital": "Hospital", "commissioner": "Commissioner"}
SEVERITY_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow"}
# What the check compares: the fields the spec's replay prints that identify an alert or a resolution.
ALERT_KEYS = ("alert_id", "rule", "severity", "nhs_number", "raised_at", "detected_at")
RESOLUTION_KEYS = ("alert_id", "rule", "nhs_number", "resolved_at", "reason")
SPEC_TYPES = ("alert", "resolved")  # the records `safeguard replay` prints (spec section 8)


def spec_records(records: list[dict]) -> list[dict]:
    return [r for r in records if r.get("type") in SPEC_TYPES]


@dataclass
class Step:
    """One message of the scenario, in replay order."""

    path: Path
    body: bytes
    timestamp: datetime | None
    sender: str | None
    kind: str | None
    nhs_number: str | None
    event: str


@dataclass
class Moment:
    """What the hub published at one instant: after a message, or after a scheduled sweep."""

    at: datetime
    step: Step | None  # None: a scheduled function (the deadline sweep) raised them
    status: int | None = None
    records: list[dict] = field(default_factory=list)


def london(at: datetime | str | None) -> str:
    if at is None:
        return "(no timestamp)"
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")


def child_label(nhs: str | None, labels: dict[str, str]) -> str:
    return labels.get(nhs or "", nhs or "?")


class Timeline:
    """Prints each moment as it happens: date, agency, child, event; beneath it the alerts and resolutions."""

    def __init__(self, console: Console, labels: dict[str, str]):
        self.console, self.labels = console, labels
        self._year: int | None = None

    def show(self, m: Moment) -> None:
        """Other records (escalations of alert Tasks nobody acknowledged) are only counted in the summary:
        no agency acknowledges anything in the demo, so every alert escalates and they would bury the story."""
        if m.step is None and not spec_records(m.records):
            return
        year = m.at.astimezone(LONDON).year
        if year != self._year:
            self._year = year
            self.console.rule(f"[bold]{year}[/bold]", style="dim")
        line = Text(f"{london(m.at)}  ", style="dim")
        if m.step is None:
            line.append(f"{'hub: deadline sweep':<24}", style="magenta")
            line.append("a deadline fell due")
        else:
            s = m.step
            agency = f"{AGENCY_KINDS.get(s.kind or '', s.kind or '?')} {s.sender or '?'}"
            line.append(f"{agency:<24}", style="cyan")
            line.append(f"{child_label(s.nhs_number, self.labels):<16}", style="bold")
            line.append(s.event)
            if m.status not in (200, 202):
                line.append(f"  REJECTED ({m.status})", style="bold red")
        self.console.print(line, overflow="fold")
        for r in spec_records(m.records):
            self.console.print(self.record_line(r), overflow="fold")

    def record_line(self, r: dict) -> Text:
        who = child_label(r.get("nhs_number"), self.labels)
        if r.get("type") == "alert":
            sev = r.get("severity", "?")
            line = Text("      ▲ ")
            line.append(f" {sev.upper()} ", style=SEVERITY_STYLE.get(sev, "bold"))
            line.append(f" {r['rule']} ", style="bold")
            line.append(f"({who}, raised {london(r.get('raised_at'))}): ", style="dim")
            line.append(str(r.get("summary", "")).split(": ")[0])
            return line
        line = Text("      ✓ resolved ", style="green")
        line.append(f"{r['rule']} ", style="bold green")
        line.append(f"({who}): {r.get('reason')} at {london(r.get('resolved_at'))}", style="green")
        return line


# ---------------------------------------------------------------- the check against replay
def _key(r: dict) -> tuple:
    keys = ALERT_KEYS if r.get("type") == "alert" else RESOLUTION_KEYS
    return (r.get("type"),) + tuple(r.get(k) for k in keys)


def compare(hub: list[dict], replay: list[dict]) -> list[str]:
    """The differences between the hub's alerts and resolutions and replay's, as lines; [] when they agree."""
    mine, theirs = (sorted(map(_key, spec_records(rs)), key=repr) for rs in (hub, replay))
    if mine == theirs:
        return []
    only_hub = [k for k in mine if k not in theirs]
    only_replay = [k for k in theirs if k not in mine]
    lines = [f"hub only: {k}" for k in only_hub] + [f"replay only: {k}" for k in only_replay]
    return lines or [f"the same records but not as many times: hub {len(mine)}, replay {len(theirs)}"]


# ---------------------------------------------------------------- the closing summary
def summarise_story(records: list[dict], incident: datetime | None, labels: dict[str, str]) -> dict:
    """The figures the demo closes on (also written to summary.json)."""
    from hub.core.rules import RULES_BY_ID

    alerts = sorted((r for r in records if r.get("type") == "alert"),
                    key=lambda r: (datetime.fromisoformat(r["raised_at"]), r["detected_at"], r["rule"], r["nhs_number"]))
    resolutions = [r for r in records if r.get("type") == "resolved"]
    others = [str(r.get("type")) for r in records if r.get("type") not in SPEC_TYPES]
    out: dict = {"alerts": len(alerts), "resolutions": len(resolutions),
                 "other_records": {t: others.count(t) for t in dict.fromkeys(others)},
                 "by_severity": {s: sum(a["severity"] == s for a in alerts) for s in ("critical", "high", "medium")}}
    if incident is not None:
        before = [a for a in alerts if datetime.fromisoformat(a["raised_at"]) < incident]
        out["incident"] = incident.isoformat()
        out["alerts_before_incident"] = len(before)
        first = next((a for a in before if a["severity"] in ("high", "critical")), None)
        if first is not None:
            days = (incident - datetime.fromisoformat(first["raised_at"])).total_seconds() / 86400
            out["first_high_or_critical"] = {"rule": first["rule"], "severity": first["severity"],
                                             "child": child_label(first["nhs_number"], labels),
                                             "raised_at": first["raised_at"], "detected_at": first["detected_at"],
                                             "days_before_incident": round(days, 1)}
    fired: list[str] = []
    for a in alerts:
        if a["rule"] not in fired:
            fired.append(a["rule"])
    out["lessons"] = [{"rule": r, "alerts": sum(a["rule"] == r for a in alerts),
                       "lesson": RULES_BY_ID[r].lesson if r in RULES_BY_ID else ""} for r in fired]
    return out


def print_summary(console: Console, s: dict) -> None:
    console.rule("[bold]What the hub would have told the agencies[/bold]")
    if "alerts_before_incident" in s:
        console.print(f"[bold]{s['alerts_before_incident']} alerts before the critical incident[/bold] "
                      f"of {london(s['incident'])} (Europe/London).")
        first = s.get("first_high_or_critical")
        if first:
            days = first["days_before_incident"]
            console.print(f"The first high or critical alert, [bold]{first['rule']}[/bold] ({first['severity']}, "
                          f"{first['child']}), was raised {london(first['raised_at'])}: "
                          f"[bold]{days:.1f} days before the incident[/bold] ({days / 365.25:.1f} years).")
    sev = ", ".join(f"{n} {k}" for k, n in s["by_severity"].items() if n)
    console.print(f"In all, {s['alerts']} alerts{f' ({sev})' if sev else ''} and {s['resolutions']} resolutions.")
    if s.get("other_records"):  # e.g. escalations: no agency acknowledges an alert Task in the demo
        why = (" (alert Tasks escalate because the demo plays no agency acknowledging them)"
               if "escalated" in s["other_records"] else "")
        console.print("Also on the alerts queue: " + ", ".join(f"{n} {kind}" for kind, n in s["other_records"].items())
                      + why + ".")
    console.print("Review lessons that fired:" + ("" if s["lessons"] else " none yet."))
    for item in s["lessons"]:
        console.print(Text.assemble(("  • ", "dim"), (f"{item['rule']}", "bold"), f" ({item['alerts']}): ",
                                    item["lesson"]), overflow="fold")
