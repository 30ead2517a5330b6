"""What the console's browser tests share: the browser's flags, the loaded hub, signing in, screenshots."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.messages import REPO

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCENARIO = REPO / "events" / "scenarios" / "child-s"
SHOTS = REPO / ".local" / "screenshots"
COMMISSIONER = "COMM01"
KEY_STORAGE = "sgh.console.key"
# Playwright waits for what a test expects (no timed assertion); two shared cores can be slow
WAIT_MS = 60_000


@dataclass
class LoadedHub:
    """The running stack, its agency and commissioner keys, and what was sent."""

    stack: object
    keys: dict[str, str]
    sent: list[tuple[str, int]] = field(default_factory=list)  # (file name, HTTP status)

    @property
    def api_url(self) -> str:
        return self.stack.api_url

    @property
    def console_url(self) -> str:
        return f"{self.api_url}/console/"

    @property
    def ports(self):
        return self.stack.ports

    def records(self, action: str | None = None) -> list[dict]:
        """Every audit record (optionally of one action), read straight from the audit log."""
        return [r for r in self.ports.audit.iter_records() if action is None or r["action"] == action]


def signed_in(context, key: str) -> None:
    """Start every page of this context signed in (as if the key had been entered earlier in the session)."""
    context.add_init_script(f"sessionStorage.setItem({json.dumps(KEY_STORAGE)}, {json.dumps(key)});")


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """The page (or the window, for a modal dialog) as .local/screenshots/<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
