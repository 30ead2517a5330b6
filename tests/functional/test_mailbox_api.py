"""The mailbox API handler under moto, on template.yaml's MailboxTable: an agency lists, fetches and acknowledges
its own messages; another agency's key gets 404 for the same ids; fetch and acknowledgement are audited."""
from __future__ import annotations

import json

import pytest

from tests.support.lambda_events import api_event
from tests.support.messages import load_event
from tests.support.pipeline import run_pipeline

GP, HV = ("A81001", "gp"), ("HV001", "health-visiting")


def call(lambda_context, who, method: str, path: str, query: dict | None = None, headers: dict | None = None) -> tuple:
    from hub.handlers import mailbox_api

    ods, kind = who if who else (None, None)
    event = api_event(None, ods=ods, kind=kind, method=method, path=path, query=query, headers=headers)
    reply = mailbox_api.lambda_handler(event, lambda_context)
    body = reply.get("body") or ""
    return reply["statusCode"], (json.loads(body) if body else None), reply.get("headers") or {}


@pytest.fixture
def delivered(hub, lambda_context):
    """A bruise on a baby on no plan, routed: a copy waits for the GP, health visiting and the LA front door."""
    run_pipeline(hub, [load_event("valid/child-registered.json"), load_event("valid/injury-observed.json")],
                 lambda_context)
    return hub


def audited(hub, action: str) -> list[dict]:
    return [r for r in hub.audit.iter_records() if r["action"] == action]


def test_mailbox_api_an_agency_reads_and_acknowledges_its_own_messages(delivered, lambda_context):
    status, page, _ = call(lambda_context, GP, "GET", "/mailbox")
    assert status == 200 and page["count"] == len(page["messages"]) >= 1 and page["next_cursor"] is None
    injury = next(m for m in page["messages"] if m["event"] == "injury-observed")
    assert injury["kind"] == "gp" and "9990012008" not in json.dumps(page)
    status, bundle, headers = call(lambda_context, GP, "GET", f"/mailbox/{injury['id']}",
                                   headers={"X-Correlation-ID": "corr-42"})
    assert status == 200 and bundle["resourceType"] == "Bundle" and headers["X-Correlation-ID"] == "corr-42"
    header = bundle["entry"][0]["resource"]
    assert header["id"] == injury["id"] and header["destination"][0]["receiver"]["identifier"]["value"] == "A81001"
    [fetched] = audited(delivered, "mailbox.fetched")
    assert (fetched["actor_ods"], fetched["details"]["disclosure_id"]) == ("A81001", injury["id"])
    for _ in range(2):  # idempotent
        status, body, _ = call(lambda_context, GP, "POST", f"/mailbox/{injury['id']}/$acknowledge")
        assert (status, body) == (200, {"id": injury["id"], "status": "acknowledged"})
    assert len(audited(delivered, "mailbox.acknowledged")) == 1
    status, page, _ = call(lambda_context, GP, "GET", "/mailbox")
    assert injury["id"] not in [m["id"] for m in page["messages"]]
    assert call(lambda_context, GP, "GET", f"/mailbox/{injury['id']}")[0] == 404


def test_mailbox_api_another_agencys_message_is_not_found(delivered, lambda_context):
    _, page, _ = call(lambda_context, GP, "GET", "/mailbox")
    gp_id = page["messages"][0]["id"]
    _, hv_page, _ = call(lambda_context, HV, "GET", "/mailbox")
    assert gp_id not in [m["id"] for m in hv_page["messages"]]
    for method, path in (("GET", f"/mailbox/{gp_id}"), ("POST", f"/mailbox/{gp_id}/$acknowledge"),
                         ("GET", "/mailbox/no-such-id")):
        status, body, _ = call(lambda_context, HV, method, path)
        assert status == 404 and body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["code"] == "not-found"
    # same answer for an unknown id and another's: the reply says nothing about where messages went
    assert call(lambda_context, HV, "GET", f"/mailbox/{gp_id}")[1] == call(lambda_context, HV, "GET", "/mailbox/x")[1]
    assert audited(delivered, "mailbox.fetched") == [] and audited(delivered, "mailbox.acknowledged") == []
    assert call(lambda_context, GP, "GET", f"/mailbox/{gp_id}")[0] == 200  # still the GP's


def test_mailbox_api_refuses_keys_of_no_agency_and_bad_paging(delivered, lambda_context):
    for who in (("COMM01", "commissioner"), None):
        status, body, _ = call(lambda_context, who, "GET", "/mailbox")
        assert status == 403 and body["resourceType"] == "OperationOutcome"
    for query in ({"limit": "0"}, {"limit": "1000"}, {"cursor": "forged"}):
        status, body, _ = call(lambda_context, GP, "GET", "/mailbox", query=query)
        assert status == 400 and body["issue"][0]["expression"] == [next(iter(query))]


def test_mailbox_api_pages_with_the_cursor(delivered, lambda_context):
    _, everything, _ = call(lambda_context, GP, "GET", "/mailbox")
    seen, cursor = [], None
    while True:
        status, page, _ = call(lambda_context, GP, "GET", "/mailbox",
                               query={"limit": "1", **({"cursor": cursor} if cursor else {})})
        assert status == 200
        seen += [m["id"] for m in page["messages"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [m["id"] for m in everything["messages"]]
