"""Signing in (the key once per browser session, sent as a bearer token) and accessibility: labels,
keyboard use in a sensible order, a visible focus ring, WCAG AA contrast computed here, semantic tables."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .console_support import COMMISSIONER, KEY_STORAGE, screenshot, signed_in

pytestmark = pytest.mark.xdist_group("browser")

PAGES = ["overview", "audit", "integrity", "chronology", "triage"]


# ---------------------------------------------------------------- WCAG 2 contrast, computed here
def _channel(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[int, int, int]) -> float:
    r, g, b = (_channel(x) for x in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def parse_colour(text: str) -> tuple[int, int, int]:
    text = text.strip()
    if text.startswith("#"):
        return tuple(int(text[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]
    m = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)", text)
    assert m, text
    return tuple(int(x) for x in m.groups())  # type: ignore[return-value]


def test_contrast_helper_agrees_with_known_ratios():
    assert round(contrast((0, 0, 0), (255, 255, 255)), 1) == 21.0
    assert round(contrast((119, 119, 119), (255, 255, 255)), 2) == 4.48  # #777 on white: the classic near miss


# ---------------------------------------------------------------- signing in
def test_sign_in_once_per_browser_session_and_send_the_key_as_a_bearer_token(browser, hub):
    key = hub.keys[COMMISSIONER]
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/London")
    try:
        page = ctx.new_page()
        page.goto(hub.console_url)
        expect(page.locator("h1")).to_have_text("Sign in")
        expect(page.locator("#nav")).to_be_hidden()
        screenshot(page, "00-sign-in")
        # a malformed key is refused on the page, with the field marked
        page.fill("#api-key", "not-a-key")
        page.keyboard.press("Enter")
        expect(page.locator("#sign-in-error")).to_contain_text("Check the key")
        expect(page.locator("#api-key")).to_have_attribute("aria-invalid", "true")
        # keyboard only: type the key, press Enter
        seen: list[dict] = []
        page.on("request", lambda r: seen.append({"url": r.url, "auth": r.headers.get("authorization")}))
        page.fill("#api-key", key)
        page.keyboard.press("Enter")
        expect(page.locator("#overview-results dl.stats")).to_be_visible()
        audit_calls = [r for r in seen if "/audit?" in r["url"]]
        assert audit_calls and {r["auth"] for r in audit_calls} == {f"Bearer {key}"}
        assert all("purpose=" in r["url"] for r in audit_calls)
        assert page.evaluate(f"sessionStorage.getItem('{KEY_STORAGE}')") == key
        assert page.evaluate("localStorage.length") == 0  # never kept beyond the browser session
        # a reload keeps the session; the key id (not the secret) is shown
        page.reload()
        expect(page.locator("#session")).to_contain_text(key.split("_")[1])
        assert key.split("_", 2)[2] not in page.content()
        # sign out forgets it
        page.click("#sign-out")
        expect(page.locator("h1")).to_have_text("Sign in")
        assert page.evaluate(f"sessionStorage.getItem('{KEY_STORAGE}')") is None
    finally:
        ctx.close()
    # a new browser session starts signed out
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.goto(f"{hub.console_url}#/audit")
        expect(page.locator("h1")).to_have_text("Sign in")
    finally:
        ctx.close()


def test_a_key_the_hub_refuses_and_an_agency_key_are_explained(context, page, hub):
    signed_in(context, "sgh_aaaaaaaaaaaa_" + "A" * 43)
    page.goto(f"{hub.console_url}#/overview")
    expect(page.locator("#overview-results .error-summary")).to_contain_text("did not accept this key")
    ctx2 = page.context.browser.new_context()
    try:
        signed_in(ctx2, hub.keys["A81001"])
        p2 = ctx2.new_page()
        p2.goto(f"{hub.console_url}#/overview")
        expect(p2.locator("#overview-results .error-summary")).to_contain_text("Only commissioners")
    finally:
        ctx2.close()


# ---------------------------------------------------------------- keyboard and focus
def _focused(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const label = el.labels && el.labels[0] ? el.labels[0].textContent : (el.getAttribute('aria-label') || el.textContent);
        const cs = getComputedStyle(el);
        // a date input's last stop is the browser's own calendar button inside the control
        const picker = el.type === 'date' && !el.matches(':focus');
        return {name: (label || '').trim().replace(/\\s+/g, ' '), outline: cs.outlineStyle, picker,
                width: parseFloat(cs.outlineWidth), shadow: cs.boxShadow};
    }""")


def test_keyboard_order_is_the_reading_order_and_focus_is_visible(context, page, hub):
    signed_in(context, hub.keys[COMMISSIONER])
    page.goto(f"{hub.console_url}#/overview")
    expect(page.locator("#overview-results dl.stats")).to_be_visible()
    expect(page.locator("h1")).to_be_focused()  # a new page puts focus on its heading
    # from the heading, Shift+Tab walks back up through the navigation to the skip link, and Tab goes on
    # through the page's controls: together, the reading order
    def walk(key: str, stop: str) -> list[str]:
        names: list[str] = []
        for _ in range(40):
            page.keyboard.press(key)
            f = _focused(page)
            if f["picker"]:
                continue
            # the ring is drawn: a 3px outline plus a dark halo
            assert f["outline"] != "none" and f["width"] >= 2 and f["shadow"] != "none", f
            if not names or names[-1] != f["name"]:  # a date input's day, month and year are one control
                names.append(f["name"])
            if f["name"] == stop:
                return names
        raise AssertionError(f"{stop!r} never took focus: {names}")

    above = walk("Shift+Tab", "Skip to main content")
    expect(page.locator("#skip-link")).to_be_in_viewport()
    screenshot(page, "07-keyboard-focus-skip-link")
    page.focus("h1")
    below = walk("Tab", "Show overview")
    assert above[::-1] + below == ["Skip to main content", "Sign out", "Overview", "Audit search", "Audit integrity",
                                   "Child chronology", "Alert triage", "From", "To", "Purpose of use", "Show overview"]
    # the skip link moves focus to the content
    page.focus("#skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # moving between pages by keyboard lands on the new page's heading
    page.focus("nav.pages a[href='#/integrity']")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Audit integrity")
    expect(page.locator("h1")).to_be_focused()
    expect(page.locator("nav.pages a[aria-current=page]")).to_have_text("Audit integrity")


@pytest.mark.parametrize("name", PAGES)
def test_every_control_is_labelled_and_data_is_in_semantic_tables(context, page, hub, name):
    signed_in(context, hub.keys[COMMISSIONER])
    page.goto(f"{hub.console_url}#/{name}")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main [role=status]", has_text=re.compile("Loading|Reading|Verifying|Searching"))).to_have_count(0)
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea, button')]
        .filter(el => el.type !== 'hidden')
        .filter(el => !((el.labels && el.labels.length) || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent.trim())))
        .map(el => el.outerHTML.slice(0, 120))""")
    assert unlabelled == []
    tables = page.evaluate("""() => [...document.querySelectorAll('main table')].map(t => ({
        caption: !!(t.caption && t.caption.textContent.trim()),
        heads: [...t.querySelectorAll('thead th')].every(th => th.getAttribute('scope') === 'col'),
        rowHeads: [...t.querySelectorAll('tbody th')].every(th => th.getAttribute('scope') === 'row')}))""")
    assert all(t["caption"] and t["heads"] and t["rowHeads"] for t in tables), tables


# ---------------------------------------------------------------- contrast
MAIN_TEXT_PAIRS = [("--text", "--bg"), ("--muted", "--bg"), ("--muted", "--panel"), ("--link", "--bg"),
                   ("--on-brand", "--brand"), ("--on-brand", "--brand-dark"), ("--error", "--bg"), ("--ok", "--bg"),
                   ("--bg", "--ok"), ("--warn", "--bg"), ("--text", "--focus"), ("--text", "--panel")]
CHART_FILLS = ["--fill-primary", "--fill-accepted", "--fill-rejected", "--fill-critical", "--fill-high", "--fill-medium"]


def test_main_colours_meet_wcag_aa(context, page, hub):
    signed_in(context, hub.keys[COMMISSIONER])
    page.goto(f"{hub.console_url}#/overview")
    colours = page.evaluate("""names => Object.fromEntries(names.map(n =>
        [n, getComputedStyle(document.documentElement).getPropertyValue(n)]))""",
                            sorted({n for pair in MAIN_TEXT_PAIRS for n in pair} | set(CHART_FILLS)))
    rgb = {n: parse_colour(v) for n, v in colours.items()}
    low = {f"{a} on {b}": round(contrast(rgb[a], rgb[b]), 2) for a, b in MAIN_TEXT_PAIRS
           if contrast(rgb[a], rgb[b]) < 4.5}
    assert low == {}, "text below 4.5:1"
    # chart marks are graphics (WCAG 1.4.11): 3:1 against the white they sit on
    weak = {n: round(contrast(rgb[n], rgb["--bg"]), 2) for n in CHART_FILLS if contrast(rgb[n], rgb["--bg"]) < 3}
    assert weak == {}
    # the focus ring is yellow inside a dark halo: the halo stands out from white, the yellow from the blue bar
    assert contrast(rgb["--text"], rgb["--bg"]) >= 3 and contrast(rgb["--focus"], rgb["--brand-dark"]) >= 3


def test_every_text_on_the_overview_meets_wcag_aa(context, page, hub):
    signed_in(context, hub.keys[COMMISSIONER])
    page.goto(f"{hub.console_url}#/overview")
    expect(page.locator("#overview-results dl.stats")).to_be_visible()
    samples = page.evaluate("""() => {
        const opaque = c => c && c !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(c);
        const background = el => {
            for (let n = el; n; n = n.parentElement) {
                const bg = getComputedStyle(n).backgroundColor;
                if (opaque(bg)) return bg;
            }
            return 'rgb(255, 255, 255)';
        };
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
            const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
            if (!own || !el.getClientRects().length || el.closest('details:not([open]) > table')) continue;
            const cs = getComputedStyle(el);
            if (cs.visibility === 'hidden' || el.closest('[hidden], .skip-link')) continue;
            const svgText = el instanceof SVGElement;
            out.push({text: el.textContent.trim().slice(0, 40), color: svgText ? cs.fill : cs.color,
                      bg: background(svgText ? el.ownerSVGElement : el), size: parseFloat(cs.fontSize),
                      bold: parseInt(cs.fontWeight, 10) >= 700});
        }
        return out;
    }""")
    assert len(samples) > 100
    failures = []
    for s in samples:
        large = s["size"] >= 24 or (s["bold"] and s["size"] >= 18.66)
        ratio = contrast(parse_colour(s["color"]), parse_colour(s["bg"]))
        if ratio < (3 if large else 4.5):
            failures.append((s["text"], s["color"], s["bg"], round(ratio, 2)))
    assert failures == []
