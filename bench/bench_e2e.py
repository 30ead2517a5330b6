"""End to end on the embedded stack: messages per second from POST to the last alert.

    .venv/bin/python bench/bench_e2e.py [--messages 10000] [--children 1000] [--workers 4]
                                        [--concurrency 4] [--serial] [--separate-emulator] [--json]

A synthetic cohort ("full" mix: registrations, plans, injuries, examinations, immunisations,
appointments, visits, concerns, mobility; health visiting included) is POSTed over HTTP to the local
API by --workers agency threads; the runtime's pollers route and apply rules meanwhile; the clock
stops when every queue the functions consume is empty. Throughput is messages / that time.

By default moto server runs inside this process, as `safeguard up` and the tests run it, so the
functions and the emulator share one interpreter (one GIL); --separate-emulator runs moto server as
its own process (nothing is lost across it: it is not restarted), which uses the second core.
The local runtime runs up to --concurrency batches in flight per event source mapping, one invocation
at a time per function (its one warm container), functions concurrently; --serial plays the runtime as it
was before (one poller per mapping, one invocation at a time across all functions), for a side-by-side ratio.

AWS calls are counted from botocore's `before-call` event (bench/aws_calls.py) from the first POST to the
drain, by function and operation, per accepted (202) message.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class _Null:
    """EMF metric blobs are printed to stdout; keep them off the benchmark's output."""

    def write(self, s):
        return len(s)

    def flush(self):
        pass


def _start_separate_moto() -> tuple[subprocess.Popen, str]:
    from hub.local.server import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                return proc, endpoint
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("moto server did not start")
            time.sleep(0.1)


def _storage(st) -> dict:
    """Bytes held after the run: per DynamoDB table (items as DynamoDB JSON, which over-counts names and
    types a little against DynamoDB's item size) and per S3 bucket (object sizes)."""
    ddb, s3 = st.client("dynamodb"), st.client("s3")
    out: dict[str, int] = {}
    for name in ddb.list_tables()["TableNames"]:
        total, kwargs = 0, {"TableName": name}
        while True:
            page = ddb.scan(**kwargs)
            total += sum(len(json.dumps(item, default=str)) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        out[f"table:{name}"] = total
    for b in s3.list_buckets().get("Buckets", []):
        total = 0
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=b["Name"]):
            total += sum(o["Size"] for o in page.get("Contents", []))
        out[f"bucket:{b['Name']}"] = total
    return out


def _send_until(api_url: str, bodies: list[bytes], tokens: dict, workers: int, deadline: float) -> list:
    """send_all, except that nothing more is sent once `deadline` (perf_counter) has passed."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.support.agency_http import send_one, sender_of

    def job(pair):
        i, body = pair
        if time.perf_counter() > deadline:
            return None
        return send_one(api_url, i, body, tokens.get(sender_of(body) or ""))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [r for r in pool.map(job, enumerate(bodies)) if r is not None]


def measure(messages: int = 10_000, children: int = 1_000, workers: int = 4, separate: bool = False,
            drain_timeout: float = 3600, concurrency: int = 4, serial: bool = False, atomic_head: bool = False,
            sample: bool = False, budget: float | None = None) -> dict:
    import threading

    from bench.aws_calls import install
    from bench.sampler import Sampler
    from bench.common import Quiet
    from tests.reliability.accounting import dlq_depths
    from tests.support.agencies import issue_keys
    from tests.support.agency_http import send_all
    from tests.support.cohort import synthetic_cohort
    from hub.handlers import composition
    from hub.local.stack import local_stack

    counter = install()
    cohort = synthetic_cohort(messages, children, seed=42, mix="full")
    proc = None
    saved = os.environ.get("AWS_ENDPOINT_URL")
    # the local stack defaults to the audit log's claim mode (moto copies a table per transaction); AWS runs
    # the atomic head (one TransactWriteItems per append), which is the mode whose calls are the hub's cost
    saved_head = os.environ.get("AUDIT_ATOMIC_HEAD")
    os.environ["AUDIT_ATOMIC_HEAD"] = "true" if atomic_head else "false"
    if separate:
        proc, os.environ["AWS_ENDPOINT_URL"] = _start_separate_moto()
    try:
        with Quiet(), contextlib.redirect_stdout(_Null()), local_stack(api_port=0, save_to=False, failed_visibility_timeout=1, stack_name="bench-e2e",
                                   pollers=False) as st:
            hub = composition.current()
            tokens = issue_keys(hub.agencies, cohort.agencies)
            invoker = st.runtime._invoker
            if serial:  # the runtime before concurrency: one lock for every function, one poller per mapping
                one = threading.RLock()
                invoker._locks = {fn: one for fn in invoker._locks}
                invoker._locks_guard = threading.Lock()
            st.runtime._sqs_sources.concurrency = 1 if serial else concurrency
            counter.attribute(invoker)
            st.runtime.start(api=False, pollers=True)
            counter.reset()
            counter.enabled = True
            sampler = Sampler().start() if sample else None
            cpu0, t0 = time.process_time(), time.perf_counter()
            if budget:  # the soak: stop submitting at the deadline, then drain what was accepted
                results = _send_until(st.api_url, cohort.bodies, tokens, workers, t0 + budget)
            else:
                results = send_all(st.api_url, cohort.bodies, tokens, workers=workers)
            t_sent = time.perf_counter()
            drained = st.runtime.drain(timeout=min(drain_timeout, budget) if budget else drain_timeout)
            t_done = time.perf_counter()
            cpu = time.process_time() - cpu0
            counter.enabled = False
            cpu_shares = sampler.stop() if sampler else {}
            statuses: dict[str, int] = {}
            for r in results:
                statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
            alerts = hub.queues.depth(hub.settings.alerts_queue_url)
            from datetime import datetime, timezone

            outbox = len(hub.mailboxes.stale(datetime(9999, 1, 1, tzinfo=timezone.utc), limit=10**6))  # in mailboxes
            storage = _storage(st)
            dead = sum(dlq_depths(hub, st.stack_info).values())  # nothing accepted may end there
            composition.use(None)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if saved_head is None:
            os.environ.pop("AUDIT_ATOMIC_HEAD", None)
        else:
            os.environ["AUDIT_ATOMIC_HEAD"] = saved_head
        if saved is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = saved
    accepted = statuses.get("202", 0)
    sent = len(results)
    return {"messages": messages, "sent": sent, "budget_seconds": budget, "dead_lettered": dead, "children": min(children, messages), "workers": workers,
            "audit_head": "atomic (as in AWS)" if atomic_head else "claim (emulator default)",
            "runtime": "serial (before)" if serial else f"concurrent ({concurrency} batches per mapping)",
            "aws_calls": counter.report(max(1, accepted)), "storage_bytes": storage,
            "busy_thread_samples": cpu_shares, "busy_top_frames": sampler.top() if sampler else {},
            "emulator": "separate process" if separate else "in process", "statuses": statuses,
            "drained": drained, "send_seconds": t_sent - t0, "total_seconds": t_done - t0,
            "ingest_per_second": sent / (t_sent - t0), "end_to_end_per_second": sent / (t_done - t0),
            "hub_process_cpu_ms_per_message": cpu / max(1, sent) * 1000,
            "alert_records": alerts["visible"], "deliveries": outbox}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--children", type=int, default=1_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--separate-emulator", action="store_true")
    ap.add_argument("--concurrency", type=int, default=4, help="batches in flight per event source mapping")
    ap.add_argument("--serial", action="store_true", help="the runtime as before: one invocation at a time")
    ap.add_argument("--sample", action="store_true", help="sample threads to see where CPU goes (costs CPU)")
    ap.add_argument("--atomic-head", action="store_true", help="audit log as deployed (TransactWriteItems per append)")
    ap.add_argument("--budget", type=float, help="soak: stop sending after this many seconds, drain as long again")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = measure(args.messages, args.children, args.workers, args.separate_emulator,
                  concurrency=args.concurrency, serial=args.serial, atomic_head=args.atomic_head, sample=args.sample,
                  budget=args.budget)
    if args.json:
        print(json.dumps(res))
    else:
        print(f"{res['sent']} of {res['messages']} messages sent, {res['dead_lettered']} dead-lettered, {res['children']} children, {res['workers']} senders, emulator "
              f"{res['emulator']}: {res['end_to_end_per_second']:.1f} msg/s end to end "
              f"({res['total_seconds']:.0f} s), ingest {res['ingest_per_second']:.1f} msg/s; statuses {res['statuses']}; "
              f"{res['deliveries']} deliveries, {res['alert_records']} alert records; "
              f"hub process CPU {res['hub_process_cpu_ms_per_message']:.1f} ms/msg; runtime {res['runtime']}")
        c = res["aws_calls"]
        print(f"AWS calls per accepted message: {c['per_message']} (goal <= 8; audit head {res['audit_head']})")
        for fn, n in c["by_function"].items():
            ops = ", ".join(f"{op} {v}" for op, v in sorted(c["by_operation"][fn].items(), key=lambda x: -x[1]))
            print(f"  {fn}: {n}  ({ops})")
        print(f"  not the hub's (event source mappings, drain): {c['lambda_service_per_message']}")
        if res["busy_thread_samples"]:
            print(f"busy thread samples by owner: {res['busy_thread_samples']}")
            print(f"innermost frames of busy samples: {res['busy_top_frames']}")
    return 0 if res["drained"] and set(res["statuses"]) == {"202"} and not res["dead_lettered"] else 1


if __name__ == "__main__":
    sys.exit(main())
