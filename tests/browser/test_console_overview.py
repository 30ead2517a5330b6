"""The commissioners' overview in the browser: its figures are the audit log's, its charts are honest
(labelled axes, the period stated, zero-based, gaps kept, an explicit empty state), and it is read with
a coded purpose of use that the hub records."""
from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from .console_support import COMMISSIONER, screenshot, signed_in

pytestmark = pytest.mark.xdist_group("browser")
RESPONSES = {"task.acknowledged", "task.assigned", "task.decided", "task.closed"}


def _stat(page, name: str) -> str:
    return page.locator(f'[data-stat="{name}"]').inner_text()


def _figure(page, title: str):
    return page.locator("figure.chart").filter(has=page.locator(".chart-title", has_text=re.compile(f"^{re.escape(title)}$")))


def _table_rows(figure) -> dict[str, str]:
    """The chart's numbers, from its data table: {category: value}."""
    rows = figure.locator("details.chart-data tbody tr")  # collapsed: read its text, not what is rendered
    return {rows.nth(i).locator("th").text_content(): rows.nth(i).locator("td").first.text_content()
            for i in range(rows.count())}


def _open_overview(page, hub, later: timedelta = timedelta(0)):
    if later:
        # the same data seen `later` from now: alerts due in the meantime are overdue
        page.clock.set_fixed_time(datetime.now(timezone.utc) + later)
    page.goto(f"{hub.console_url}#/overview")
    expect(page.locator("#overview-results dl.stats")).to_be_visible()


def test_overview_counts_are_the_audit_logs(context, page, hub):
    # GIVEN the Child S scenario and the invalid examples sent over HTTP
    signed_in(context, hub.keys[COMMISSIONER])
    accepted, rejected = hub.records("message.accepted"), hub.records("message.rejected")
    raised, resolved = hub.records("alert.raised"), hub.records("alert.resolved")
    assert len(accepted) == 94 and rejected and raised
    # WHEN the commissioner opens the overview a week after the messages arrived
    _open_overview(page, hub, later=timedelta(days=7))
    # THEN its figures are the log's
    assert _stat(page, "accepted") == str(len(accepted))
    assert _stat(page, "rejected") == str(len(rejected))
    assert _stat(page, "raised") == str(len(raised))
    assert _stat(page, "resolved") == str(len(resolved))
    by_agency = Counter(f"{r['actor_ods']} ({r['actor_kind']})" for r in rejected)
    assert _table_rows(_figure(page, "Rejections by agency")) == {k: str(v) for k, v in by_agency.items()}
    by_rule = Counter(r["rule"] for r in raised)
    assert _table_rows(_figure(page, "Alerts by rule")) == {k: str(v) for k, v in by_rule.items()}
    # overdue: due a week from now's past, never resolved, no response through a Task
    then = datetime.now(timezone.utc) + timedelta(days=7)
    done = {r["message_id"] for r in resolved}
    done |= {r["message_id"] for r in hub.records() if r["action"] in RESPONSES}
    overdue = [r for r in raised if r["message_id"] not in done
               and datetime.fromisoformat(r["details"]["due_by"]) < then]
    assert overdue, "Child S leaves alerts open"
    assert _stat(page, "overdue") == str(len(overdue))
    expect(page.locator("table:has(caption:text-is('Alerts past their due time with no resolution and no response recorded')) tbody tr")).to_have_count(len(overdue))
    screenshot(page, "01-overview")


def test_overview_charts_are_honest(context, page, hub):
    signed_in(context, hub.keys[COMMISSIONER])
    _open_overview(page, hub)
    figures = page.locator("figure.chart:not(.is-empty)")
    assert figures.count() >= 5
    period = page.locator("#period-statement").inner_text()
    assert re.search(r"Records received from \d+ \w+ \d{4} to \d+ \w+ \d{4} \(both days included\)", period)
    for i in range(figures.count()):
        fig = figures.nth(i)
        title = fig.locator(".chart-title").inner_text()
        # the period is stated on every chart, both axes are labelled
        assert "Records received from" in fig.locator(".chart-period").first.inner_text(), title
        labels = [t for t in fig.locator("svg .axis-label").all_text_contents() if t.strip()]
        assert len(labels) == 2, title
        # the value axis starts at zero and never goes below it
        ticks = fig.locator("svg text.tick").all_text_contents()
        values = [float(t.replace(",", "").split()[0]) for t in ticks if re.fullmatch(r"[\d.,]+( (?:h|d|min))?", t)]
        assert values and min(values) == 0 and all(v >= 0 for v in values), (title, ticks)


def test_overview_says_no_data_for_an_empty_period(context, page, hub):
    signed_in(context, hub.keys[COMMISSIONER])
    _open_overview(page, hub)
    page.fill("#ov-from", "2020-01-01")
    page.fill("#ov-to", "2020-01-31")
    page.click("text=Show overview")
    expect(page.locator("#period-statement")).to_contain_text("1 Jan 2020 to 31 Jan 2020")
    charts = page.locator("figure.chart")
    expect(charts.first).to_be_visible()
    assert charts.count() == page.locator("figure.chart.is-empty").count() >= 5
    expect(page.locator("figure.chart .empty").first).to_have_text("No data for this period")
    assert page.locator("figure.chart svg").count() == 0
    assert _stat(page, "accepted") == "0"
    screenshot(page, "02-overview-empty-period")


def test_overview_queries_carry_the_chosen_purpose(context, page, hub):
    signed_in(context, hub.keys[COMMISSIONER])
    since = datetime.now(timezone.utc)
    _open_overview(page, hub)
    page.select_option("#ov-purpose", "assurance")
    page.click("text=Show overview")
    expect(page.locator("#overview-results dl.stats")).to_be_visible()
    queries = [q for q in hub.records("audit.query") if datetime.fromisoformat(q["at"]) >= since]
    purposes = Counter((q["details"] or {}).get("purpose") for q in queries if q["actor_ods"] == COMMISSIONER)
    assert purposes["commissioning"] >= 1 and purposes["assurance"] >= 1, purposes
    assert set(purposes) == {"commissioning", "assurance"}
