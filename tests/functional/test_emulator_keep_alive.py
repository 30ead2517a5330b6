"""The embedded moto server keeps connections open between requests (hub.local.server).

werkzeug closes every connection after one request and, after each response, reads and discards what the
client sent next. On a kept-alive connection that would swallow the next request, which then hangs; these
tests send several requests, with bodies the server reads fully or not at all, over one connection, and
check that stopping the server still ends every connection (the fault suite's outage depends on it)."""
from __future__ import annotations

import http.client
import json

import pytest

from hub.local.server import start_moto

SIGNED = "AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-2/{svc}/aws4_request, SignedHeaders=host, Signature=0"


@pytest.fixture()
def moto():
    srv, endpoint = start_moto()
    yield srv, endpoint
    srv.stop()


def _connect(endpoint: str) -> http.client.HTTPConnection:
    host, port = endpoint.split("//", 1)[1].split(":")
    return http.client.HTTPConnection(host, int(port), timeout=5)


def _dynamodb(conn, target: str, body: dict) -> tuple[int, dict]:
    conn.request("POST", "/", body=json.dumps(body), headers={
        "X-Amz-Target": f"DynamoDB_20120810.{target}", "Content-Type": "application/x-amz-json-1.0",
        "Authorization": SIGNED.format(svc="dynamodb")})
    r = conn.getresponse()
    return r.status, json.loads(r.read() or b"{}")


def test_one_connection_serves_consecutive_requests_of_different_services(moto):
    _, endpoint = moto
    conn = _connect(endpoint)
    for _ in range(3):  # the second request is the one werkzeug's discard would have swallowed
        status, body = _dynamodb(conn, "ListTables", {})
        assert status == 200 and isinstance(body["TableNames"], list)  # moto's tables are per process
    conn.request("POST", "/", body=json.dumps({"QueueNamePrefix": "none"}), headers={
        "X-Amz-Target": "AmazonSQS.ListQueues", "Content-Type": "application/x-amz-json-1.0",
        "Authorization": SIGNED.format(svc="sqs")})
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("Connection") != "close"
    r.read()
    status, _ = _dynamodb(conn, "ListTables", {})
    assert status == 200
    assert conn.sock is not None  # still the first connection: http.client reconnects silently otherwise


def test_a_body_the_server_does_not_read_does_not_become_the_next_request(moto):
    _, endpoint = moto
    conn = _connect(endpoint)
    conn.request("GET", "/moto-api/", body=b"x" * 10_000, headers={"Content-Type": "text/plain"})
    r = conn.getresponse()
    r.read()
    assert r.status == 200
    status, body = _dynamodb(conn, "ListTables", {})
    assert status == 200 and isinstance(body["TableNames"], list)


def test_stopping_the_server_ends_kept_alive_connections(moto):
    srv, endpoint = moto
    conn = _connect(endpoint)
    assert _dynamodb(conn, "ListTables", {})[0] == 200
    srv.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        _dynamodb(conn, "ListTables", {})
    srv.stop = lambda: None  # already stopped: the fixture's stop has nothing left to do
