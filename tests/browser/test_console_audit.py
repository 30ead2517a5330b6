"""Audit search, integrity and a child's chronology in the browser, checked against the audit log itself."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from hub.core.audit.chronology import build_chronology
from hub.core.audit.export import CSV_COLUMNS
from hub.core.audit.model import ACTIONS
from hub.core.audit.purpose import purposes

from .console_support import COMMISSIONER, SCENARIO, screenshot, signed_in

pytestmark = pytest.mark.xdist_group("browser")


def _since(hub, action: str, since: datetime) -> list[dict]:
    return [r for r in hub.records(action) if datetime.fromisoformat(r["at"]) >= since]


def _child_s_nhs_number() -> str:
    bundle = json.loads(next(SCENARIO.glob("*-s-registered.json")).read_text())
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    return next(i["value"] for i in patient["identifier"] if i["system"].endswith("/nhs-number"))


@pytest.fixture
def commissioner(context, page, hub):
    signed_in(context, hub.keys[COMMISSIONER])
    return page


def test_audit_search_filters_pages_and_times_in_the_users_zone(browser, hub):
    # GIVEN a commissioner in Tokyo (nine hours from the hub's UTC records)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Asia/Tokyo")
    try:
        signed_in(ctx, hub.keys[COMMISSIONER])
        page = ctx.new_page()
        accepted = hub.records("message.accepted")
        assert len(accepted) > 50
        page.goto(f"{hub.console_url}#/audit")
        # WHEN they search the accepted messages, 25 a page
        page.select_option("#q-action", "message.accepted")
        page.select_option("#q-purpose", "audit")
        page.select_option("#q-limit", "25")
        page.click("#search-submit")
        rows = page.locator("#search-results tbody tr")
        expect(rows).to_have_count(25)
        expect(page.locator("#search-count")).to_contain_text("records 1 to 25")
        # THEN every row is an accepted message, timed in Tokyo
        assert set(page.locator("#search-results tbody tr td:nth-child(2)").all_inner_texts()) == {"message.accepted"}
        chain, seq = page.locator("#search-results tbody tr").first.locator(".mono").inner_text().split(" · ")
        rec = next(r for r in accepted if r["chain"] == chain and r["seq"] == int(seq))
        at = datetime.fromisoformat(rec["at"]).astimezone(ZoneInfo("Asia/Tokyo"))
        expected = f"{at.day} {at.strftime('%b')} {at.year}, {at:%H:%M}"
        assert page.locator("#search-results tbody tr").first.locator("th").inner_text() == expected
        screenshot(page, "03-audit-search")
        # AND the cursor pages forward and back
        page.click("#next-page")
        expect(page.locator("#search-count")).to_contain_text("records 26 to 50")
        second = page.locator("#search-results tbody .mono").all_inner_texts()
        page.click("#prev-page")
        expect(page.locator("#search-count")).to_contain_text("records 1 to 25")
        assert not set(second) & set(page.locator("#search-results tbody .mono").all_inner_texts())
    finally:
        ctx.close()


def test_audit_search_downloads_every_matching_record_as_csv(commissioner, hub):
    page = commissioner
    rejected = hub.records("message.rejected")
    page.goto(f"{hub.console_url}#/audit")
    page.select_option("#q-action", "message.rejected")
    page.select_option("#q-purpose", "assurance")
    page.select_option("#q-limit", "25")
    with page.expect_download() as info:
        page.click("#download-csv")
    download = info.value
    assert download.suggested_filename.startswith("audit-") and download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8").read()
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == list(CSV_COLUMNS)
    assert len(table) - 1 == len(rejected)
    assert {row[table[0].index("action")] for row in table[1:]} == {"message.rejected"}
    expect(page.locator("#search-message")).to_contain_text(f"CSV downloaded: {len(rejected)} records")


def test_audit_search_needs_a_purpose_and_records_it(commissioner, hub):
    page = commissioner
    since = datetime.now(timezone.utc)
    page.goto(f"{hub.console_url}#/audit")
    page.click("#search-submit")
    expect(page.locator("#search-message .error-summary")).to_contain_text("Choose a purpose of use")
    expect(page.locator("#q-purpose")).to_be_focused()
    assert _since(hub, "audit.query", since) == []  # nothing was asked of the hub
    page.select_option("#q-purpose", "investigation")
    page.fill("#q-sender", "RX1")
    page.click("#search-submit")
    expect(page.locator("#search-count")).to_be_visible()
    queries = [q for q in _since(hub, "audit.query", since) if q["actor_ods"] == COMMISSIONER]
    assert [q["details"].get("purpose") for q in queries] == ["investigation"]
    assert queries[0]["details"]["filters"]["sender"] == "RX1"


def test_audit_search_offers_every_audit_action(commissioner, hub):
    page = commissioner
    page.goto(f"{hub.console_url}#/audit")
    expect(page.locator("#q-action option")).to_have_count(len(ACTIONS) + 1)  # and "Any action"
    options = page.locator("#q-action option").evaluate_all("os => os.map(o => o.value).filter(Boolean)")
    assert set(options) == set(ACTIONS)


def test_integrity_page_shows_intact_chains_and_the_signed_digest(commissioner, hub):
    page = commissioner
    heads = hub.ports.audit.heads()
    page.goto(f"{hub.console_url}#/integrity")
    expect(page.locator("#integrity-status")).to_contain_text("Audit log intact")
    rows = page.locator("table:has(caption:text-is('Verification of each chain')) tbody tr")
    expect(rows).to_have_count(len(heads))
    assert set(rows.locator("td:nth-child(5)").all_inner_texts()) == {"Intact"}
    expect(page.locator("#digest-status")).to_contain_text("Signature valid")
    signed = page.locator("table:has(caption:text-is('Signed chain heads')) tbody tr")
    assert signed.count() >= 1
    screenshot(page, "04-integrity")


def test_chronology_asks_why_records_the_purpose_and_matches_the_log(commissioner, hub):
    page = commissioner
    nhs = _child_s_nhs_number()
    since = datetime.now(timezone.utc)
    page.goto(f"{hub.console_url}#/chronology")
    # a wrong check digit is refused before anything is read
    page.fill("#nhs-number", nhs[:9] + str((int(nhs[9]) + 1) % 10))
    page.click("text=Continue")
    expect(page.locator("#chronology-message")).to_contain_text("Check the NHS number")
    # cancelling the purpose prompt reads nothing
    page.fill("#nhs-number", f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}")
    page.click("text=Continue")
    expect(page.locator("#purpose-dialog")).to_be_visible()
    page.click("#purpose-cancel")
    expect(page.locator("#chronology-message")).to_contain_text("nothing was read")
    assert _since(hub, "audit.query", since) == []
    # confirming without a purpose is refused; with one, the chronology is shown
    page.click("text=Continue")
    page.click("#purpose-confirm")
    expect(page.locator("#purpose-dialog")).to_contain_text("Choose a purpose")
    page.check("input[value=investigation]")
    screenshot(page, "05-chronology-purpose-prompt", full_page=False)
    page.click("#purpose-confirm")
    expect(page.locator("#chronology-recorded")).to_contain_text(f"purpose {purposes()['investigation']}")
    child = hub.ports.audit.child_hash(nhs)
    expected = build_chronology(r for r in hub.records() if r.get("child") == child)
    rows = page.locator("table:has(caption:has-text('entries, oldest first')) tbody tr")
    expect(rows).to_have_count(len(expected))
    assert rows.first.locator("td").nth(1).inner_text() == expected[0].event
    # the read is in the log with the child and the purpose
    reads = [q for q in _since(hub, "audit.query", since) if q.get("child") == child]
    assert [q["details"]["purpose"] for q in reads] == ["investigation"]
    screenshot(page, "06-chronology")
    # and the next read lists it among the reads of this child's records
    page.click("text=Continue")
    page.check("input[value=assurance]")
    page.click("#purpose-confirm")
    expect(page.locator("#chronology-recorded")).to_contain_text(f"purpose {purposes()['assurance']}")
    expect(page.locator("table:has(caption:has-text('Reads of this child')) tbody")).to_contain_text("investigation")
