"""An agency's HTTP client for the running stack: POST $process-message, retry as an agency honouring
Retry-After would, send a cohort concurrently (load, reliability and end-to-end benchmark runs)."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.support.messages import sender_of


@dataclass
class SendResult:
    index: int
    status: int | None  # final status (None: gave up on connection errors)
    attempts: int
    transient: list[int | str] = field(default_factory=list)  # statuses / errors that were retried
    body: dict | None = None


def post(api_url: str, body: bytes, token: str | None, *, content_type: str = "application/fhir+json",
         headers: dict | None = None, timeout: float = 60) -> tuple[int, dict]:
    h = {"Content-Type": content_type, **({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
    req = urllib.request.Request(f"{api_url.rstrip('/')}/$process-message", data=body, method="POST", headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as err:
        raw, status = err.read(), err.code
    try:
        return status, json.loads(raw or b"{}")
    except ValueError:
        return status, {"raw": raw.decode("utf-8", "replace")}


def _retryable(status: int, outcome: dict) -> bool:
    if status >= 500 or status == 429:
        return True
    # 409 "being processed; retry shortly" (idempotency record in progress), not 409 "different content"
    if status == 409:
        text = " ".join(i.get("diagnostics", "") for i in (outcome or {}).get("issue", []))
        return "retry" in text
    return False


def send_one(api_url: str, index: int, body: bytes, token: str | None, *, retry_for: float = 0.0) -> SendResult:
    """POST once, or, with retry_for > 0, retry 5xx/429/in-progress 409/connection errors with backoff
    (as an agency honouring Retry-After would) for up to that many seconds."""
    deadline = time.monotonic() + retry_for
    transient: list[int | str] = []
    attempt, delay = 0, 0.2
    while True:
        attempt += 1
        try:
            status, outcome = post(api_url, body, token)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            status, outcome = None, {"error": type(exc).__name__}
        if status is not None and not (retry_for and _retryable(status, outcome)):
            return SendResult(index, status, attempt, transient, outcome)
        transient.append(status if status is not None else outcome["error"])
        if time.monotonic() + delay > deadline:
            return SendResult(index, status, attempt, transient, outcome)
        time.sleep(delay)
        delay = min(delay * 2, 3.0)


def send_all(api_url: str, bodies: list[bytes], tokens: dict[str, str], *, workers: int = 4,
             retry_for: float = 0.0, copies: int = 1) -> list[SendResult]:
    """Send every body (each `copies` times, concurrently) as its sender; one result per POST."""
    jobs = [(i, b) for i, b in enumerate(bodies) for _ in range(copies)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda j: send_one(api_url, j[0], j[1], tokens.get(sender_of(j[1]) or ""),
                                                 retry_for=retry_for), jobs))
