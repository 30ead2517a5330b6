"""Shared by the benchmarks: subprocess timing, the machine description, result tables, quiet logs.

Builders the tests share too (the synthetic cohort, the agency HTTP client, API keys) live in
tests/support: `from tests.support.cohort import synthetic_cohort`,
`from tests.support.agency_http import send_all`, `from tests.support.agencies import issue_keys`.
"""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


# ------------------------------------------------------------------------------------- measurement
def fresh_python(code: str, *, env: dict | None = None, args: tuple[str, ...] = (), cwd: Path | None = None,
                 timeout: float = 600) -> subprocess.CompletedProcess:
    e = {**os.environ, **(env or {})}
    return subprocess.run([PYTHON, *args, "-c", code], env=e, cwd=cwd or ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def median(xs) -> float:
    return statistics.median(list(xs))


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu or platform.processor(), "cores": os.cpu_count(), "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}",
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def table(headers: list[str], rows: list[list], *, title: str | None = None) -> str:
    cells = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = lambda r: " | ".join(c.ljust(w) for c, w in zip(r, widths))  # noqa: E731
    out = [f"### {title}"] if title else []
    out += [line(headers), "-+-".join("-" * w for w in widths), *(line(r) for r in cells)]
    return "\n".join(out)


class Quiet:
    """Keep the functions' JSON logs and metrics off the benchmark output."""

    def __enter__(self):
        self._old = {k: os.environ.get(k) for k in ("POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_DISABLED",
                                                    "POWERTOOLS_TRACE_DISABLED")}
        os.environ.update(POWERTOOLS_LOG_LEVEL="WARNING", POWERTOOLS_METRICS_DISABLED="true",
                          POWERTOOLS_TRACE_DISABLED="true")
        return self

    def __exit__(self, *exc):
        for k, v in self._old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


