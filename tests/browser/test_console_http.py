"""The console's function over HTTP: public static pages with strict headers, nothing else public, and the
commissioners' integrity route behind the authorizer."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from .console_support import COMMISSIONER

pytestmark = pytest.mark.xdist_group("browser")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, key: str | None = None, follow: bool = True) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(req, timeout=120) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_console_root_redirects_to_the_folder_so_relative_urls_resolve(hub):
    status, headers, _ = get(f"{hub.api_url}/console", follow=False)
    assert status == 301 and headers["Location"] == "console/"
    status, headers, body = get(f"{hub.api_url}/console/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'<script type="module" src="app.js">' in body


def test_console_assets_are_served_with_their_type_and_a_strict_policy(hub):
    status, headers, body = get(f"{hub.api_url}/console/app.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"
    assert get(f"{hub.api_url}/console/console.css")[1]["Content-Type"].startswith("text/css")


@pytest.mark.parametrize("path", ["console/nope.js", "console/..%2Fopenapi.json", "console/a/b.js",
                                  "console/README.md", "console/.hidden.js"])
def test_console_serves_nothing_outside_its_own_files(hub, path):
    status, headers, body = get(f"{hub.api_url}/{path}")
    assert status == 404, (path, body[:200])
    assert json.loads(body)["resourceType"] == "OperationOutcome"


def test_verification_is_for_commissioners_only(hub):
    assert get(f"{hub.api_url}/audit/verification")[0] == 401
    status, _, body = get(f"{hub.api_url}/audit/verification", hub.keys["A81001"])
    assert status == 403 and json.loads(body)["resourceType"] == "OperationOutcome"


def test_verification_reports_every_chain_and_the_signed_digest(hub):
    status, headers, body = get(f"{hub.api_url}/audit/verification", hub.keys[COMMISSIONER])
    assert status == 200, body[:300]
    report = json.loads(body)
    chains = {h.chain: h for h in hub.ports.audit.heads()}
    assert {c["chain"] for c in report["chains"]} == set(chains)
    assert report["ok"] is True and all(c["ok"] for c in report["chains"])
    assert report["records_checked"] == len(hub.records())  # the check itself writes nothing
    digest = report["digest"]
    assert digest["present"] is True and digest["ok"] is True and digest["key"].startswith("digests/")
    assert set(digest["chains"]) <= set(chains)


def test_verification_rejects_a_reversed_period(hub):
    status, _, body = get(f"{hub.api_url}/audit/verification?from=2026-12-01&to=2026-01-01", hub.keys[COMMISSIONER])
    assert status == 400 and "before" in json.loads(body)["issue"][0]["diagnostics"]


def test_vocabulary_is_the_hubs_own_code_lists(hub):
    from hub.core.audit.model import ACTIONS
    from hub.core.audit.purpose import purposes
    from hub.core.events import EVENT_CODES

    status, headers, body = get(f"{hub.api_url}/console/vocabulary.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    vocab = json.loads(body)
    assert {p["code"]: p["display"] for p in vocab["purposes"]} == purposes()
    assert vocab["actions"] == list(ACTIONS) and vocab["events"] == list(EVENT_CODES)
    assert "non-mobile-bruising" in {r["code"] for r in vocab["rules"]}
