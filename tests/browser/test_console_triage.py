"""A safeguarding lead triages their organisation's alert Tasks in the browser: the counts are the Task API's,
and acknowledge, assign, decide and close change the Task (and are audited)."""
from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timezone

import pytest
from playwright.sync_api import expect

from .console_support import screenshot, signed_in

pytestmark = pytest.mark.xdist_group("browser")
LEAD = "LA123"  # the lead social worker's local authority: an alert recipient in Child S


def _api(hub, path: str, key: str) -> dict:
    req = urllib.request.Request(f"{hub.api_url}/{path}", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


def _tasks(hub) -> list[dict]:
    bundle = _api(hub, "Task?_count=200", hub.keys[LEAD])
    return [e["resource"] for e in bundle.get("entry", [])]


def test_triage_counts_are_the_task_apis(context, page, hub):
    tasks = _tasks(hub)
    assert tasks, "Child S sends the local authority alerts"
    now = datetime.now(timezone.utc)
    open_ = [t for t in tasks if t["status"] != "completed"]
    overdue = [t for t in open_ if t["status"] == "requested"
               and datetime.fromisoformat(t["restriction"]["period"]["end"].replace("Z", "+00:00")) <= now]
    signed_in(context, hub.keys[LEAD])
    page.goto(f"{hub.console_url}#/triage")
    expect(page.locator('[data-stat="open"]')).to_have_text(str(len(open_)))
    assert page.locator('[data-stat="closed"]').inner_text() == str(len(tasks) - len(open_))
    assert page.locator('[data-stat="overdue"]').inner_text() == str(len(overdue))
    expect(page.locator("#triage-results tbody tr")).to_have_count(len(open_))
    page.select_option("#triage-view", "closed")
    expect(page.locator("#triage-results tbody tr")).to_have_count(len(tasks) - len(open_))
    page.select_option("#triage-view", "open")
    screenshot(page, "08-triage")


def test_acknowledge_assign_decide_and_close_from_the_page(context, page, hub):
    task = next(t for t in _tasks(hub) if t["status"] == "requested")
    since = datetime.now(timezone.utc)
    signed_in(context, hub.keys[LEAD])
    page.goto(f"{hub.console_url}#/triage")
    page.fill("#triage-name", "Sam Lead")
    button = page.locator(f'button[data-task="{task["id"]}"]')
    button.click()
    dialog = page.locator("#task-dialog")
    expect(dialog).to_be_visible()
    page.click("#do-acknowledge")
    expect(page.locator("#task-status")).to_have_text("Acknowledged")
    assert _api(hub, f"Task/{task['id']}", hub.keys[LEAD])["status"] == "accepted"
    page.fill("#assign-to", "Alex Worker")
    page.click("#do-assign")
    expect(page.locator("#task-status")).to_have_text("Acknowledged; assigned to Alex Worker")
    page.select_option("#decision", "s47-enquiry")
    page.fill("#decision-note", "Strategy discussion held with police and health")
    page.click("#do-decide")
    expect(page.locator("#task-status")).to_have_text("Decision recorded")
    screenshot(page, "09-triage-task", full_page=False)
    page.fill("#close-reason", "Section 47 enquiry opened; the plan is reviewed at conference")
    page.click("#do-close")
    expect(page.locator("#task-status")).to_have_text("Closed by the recipient")
    # the Task API has it, every change is audited as made by this organisation
    done = _api(hub, f"Task/{task['id']}", hub.keys[LEAD])
    assert done["status"] == "completed"
    assert done["output"][0]["valueCodeableConcept"]["coding"][0]["code"] == "s47-enquiry"
    actions = [r["action"] for r in hub.records() if r["action"].startswith("task.")
               and r.get("recipient_ods") == LEAD and r["message_id"] == task["identifier"][0]["value"]
               and datetime.fromisoformat(r["at"]) >= since]
    assert sorted(actions) == ["task.acknowledged", "task.assigned", "task.closed", "task.decided"]
    # closing the window returns focus to where the lead was
    page.click("#task-dialog-close")
    expect(dialog).to_have_count(0)
    expect(page.locator("#triage-results")).to_contain_text("Where it stands")


def test_changes_need_a_name(context, page, hub):
    task = next(t for t in _tasks(hub) if t["status"] == "requested")
    signed_in(context, hub.keys[LEAD])
    page.goto(f"{hub.console_url}#/triage")
    page.fill("#triage-name", "")
    page.locator(f'button[data-task="{task["id"]}"]').click()
    expect(page.locator("#task-dialog .error-summary")).to_contain_text("Enter your name")
    page.click("#do-acknowledge")
    expect(page.locator("#task-dialog .error-summary").filter(has_text="The change was not made")).to_contain_text(
        "Enter your name first")
    assert _api(hub, f"Task/{task['id']}", hub.keys[LEAD])["status"] == "requested"
