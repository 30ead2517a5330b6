"""The console in a real browser: Debian's chromium (tools/install-browser.sh), driven by Playwright's sync API,
against the embedded stack loaded over HTTP with the Child S scenario and the invalid examples (so the
overview has rejections too). One stack and one browser for the package; a fresh browser context per test.

Screenshots go to .local/screenshots/ (git-ignored), one per page, to be looked at.
"""
from __future__ import annotations

import json
import subprocess
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.support.agency_http import post
from tests.support.messages import REPO, invalid_example_paths, sender_of

from .console_support import CHROMIUM, CHROMIUM_ARGS, COMMISSIONER, SCENARIO, WAIT_MS, LoadedHub

try:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)  # for contexts a test makes itself too
except ImportError:  # reported by the browser fixture, which needs it
    pass

def _ensure_chromium() -> None:
    if not Path(CHROMIUM).exists():
        # make test installs it in the background; the script's lock makes this wait for that install
        subprocess.run(["bash", str(REPO / "tools" / "install-browser.sh")], check=True, timeout=900)
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing after tools/install-browser.sh"


def _get(api_url: str, path: str, key: str) -> dict:
    req = urllib.request.Request(f"{api_url}/{path}", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


def _post(api_url: str, path: str, body: dict, key: str) -> dict:
    req = urllib.request.Request(f"{api_url}/{path}", data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


# package scope: the stack (and its composition, which is process-wide) is gone before any other tier's
# tests run on this worker
@pytest.fixture(scope="package")
def hub():
    from hub.handlers import composition
    from hub.local.stack import local_stack
    from hub.service.agencies import issue_key

    agencies = json.loads((SCENARIO / "agencies.json").read_text())
    with local_stack(api_port=0, save_to=False, failed_visibility_timeout=1) as stack:
        now = datetime.now(timezone.utc)
        keys = {a["ods"]: issue_key(stack.ports.agencies, a["ods"], a["kind"], now=now)[1] for a in agencies}
        keys[COMMISSIONER] = issue_key(stack.ports.agencies, COMMISSIONER, "commissioner", now=now)[1]
        loaded = LoadedHub(stack, keys)
        files = sorted(SCENARIO.glob("[0-9]*.json")) + invalid_example_paths()
        for path in files:
            body = path.read_bytes()
            status, _ = post(stack.api_url, body, keys.get(sender_of(body) or ""))
            loaded.sent.append((path.name, status))
        assert stack.runtime.drain(timeout=300)
        stack.runtime.fire_schedules(["SweepFunction"])
        assert stack.runtime.drain(timeout=120)
        # the local authority's duty manager has already picked one alert up: the overview's response times
        lead = keys["LA123"]
        tasks = _get(stack.api_url, "Task?status=requested&_count=1", lead).get("entry") or []
        if tasks:
            _post(stack.api_url, f"Task/{tasks[0]['resource']['id']}/$acknowledge", {"by": "Duty manager"}, lead)
        stack.runtime.fire_schedules(["AuditDigestFunction"])
        yield loaded
    composition.use(None)


@pytest.fixture(scope="package")
def browser():
    _ensure_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    """A fresh browser session in London time, British English, large enough for the charts."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/London",
                              accept_downloads=True)
    ctx.set_default_timeout(WAIT_MS)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    assert errors == [], f"JavaScript errors on the page: {errors}"
