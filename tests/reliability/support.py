"""Shared by the reliability tests: SOAK switch, the stack handle, log capture and the PII needles."""
from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field

SOAK = os.environ.get("SOAK") == "1"


@dataclass
class StackEnv:
    stack: object  # hub.local.stack.LocalStack
    checker: object  # ports with their own (never faulted) clients, for counting
    tokens: dict[str, str]
    logs: "LogCapture"
    extra: dict = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return self.stack.api_url

    @property
    def runtime(self):
        return self.stack.runtime


def shorten_visibility_timeouts(info, seconds: int) -> dict[str, int]:
    """Give every queue a function consumes a visibility timeout of `seconds`; returns the old ones.
    A message whose consumer died (the runtime restarted, the emulator went away before the delete)
    comes back only when its visibility timeout ends, 2-3 minutes in template.yaml; a test about that
    recovery need not wait so long to see it. `seconds` must still outlast one batch's processing."""
    from hub.local.hub_ports import emulator_session

    sqs = emulator_session(info.region).client("sqs", endpoint_url=info.endpoint_url)
    urls = {ev["queue_url"] for spec in info.functions.values() for ev in spec.events if ev["type"] == "SQS"}
    old = {}
    for url in sorted(urls):
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
        old[url] = int(attrs["VisibilityTimeout"])
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": str(seconds)})
    return old


def stack_ports(info):
    """Ports on the embedded stack `info` describes: a fresh composition, with its own clients and services."""
    from hub.local.hub_ports import stack_ports as ports_on  # the emulator's credentials come with its session

    return ports_on(info)


class LogCapture(logging.Handler):
    """Every record reaching the root logger or a Powertools logger, rendered with its extra fields and
    the Powertools formatter's appended keys (so `extra=` and `append_keys` values are scanned too)."""

    _STD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self._attached: list[logging.Logger] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            extras = {k: v for k, v in vars(record).items() if k not in self._STD}
            parts = [record.name, record.levelname, record.getMessage(), json.dumps(extras, default=str)]
            if record.exc_info:
                parts.append(logging.Formatter().formatException(record.exc_info))
            fmt = self._powertools_formatter(record.name)
            if fmt is not None:
                parts.append(fmt.format(record))
            self.lines.append(" ".join(parts))
        except Exception as exc:  # noqa: BLE001 - a formatting failure must not break the run
            self.lines.append(f"<unformattable record from {record.name}: {type(exc).__name__}>")

    @staticmethod
    def _powertools_formatter(name: str):
        lg = logging.getLogger(name)
        while lg is not None:
            for h in lg.handlers:
                if type(h.formatter).__name__ == "LambdaPowertoolsFormatter":
                    return h.formatter
            lg = lg.parent
        return None

    def attach(self) -> None:
        root = logging.getLogger()
        root.addHandler(self)
        self._attached.append(root)
        for name, lg in list(logging.root.manager.loggerDict.items()):
            # Powertools service loggers: scan their records at DEBUG too
            if isinstance(lg, logging.Logger) and not lg.propagate and lg.handlers:
                lg.addHandler(self)
                self._attached.append(lg)

    def detach(self) -> None:
        for lg in self._attached:
            lg.removeHandler(self)
        self._attached.clear()

    def find(self, needles: list[str]) -> list[tuple[str, str]]:
        found = []
        pattern = re.compile("|".join(re.escape(n) for n in needles)) if needles else None
        for line in self.lines:
            m = pattern.search(line) if pattern else None
            if m:
                found.append((m.group(0), line[:300]))
        return found


def pii_needles(nhs_numbers: list[str], birth_dates: list[str]) -> list[str]:
    """NHS numbers as digits and in the 3-3-4 form people write, and birth dates."""
    out = set(nhs_numbers) | {f"{n[:3]} {n[3:6]} {n[6:]}" for n in nhs_numbers} | set(birth_dates)
    return sorted(out)
