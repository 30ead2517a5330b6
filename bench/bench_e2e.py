"""End to end on the embedded stack: messages per second from POST to the last alert.

    .venv/bin/python bench/bench_e2e.py [--messages 10000] [--children 1000] [--workers 4]
                                        [--separate-emulator] [--json]

A synthetic cohort ("full" mix: registrations, plans, injuries, examinations, immunisations,
appointments, visits, concerns, mobility; health visiting included) is POSTed over HTTP to the local
API by --workers agency threads; the runtime's pollers route and apply rules meanwhile; the clock
stops when every queue the functions consume is empty. Throughput is messages / that time.

By default moto server runs inside this process, as `safeguard up` and the tests run it, so the
functions and the emulator share one interpreter (one GIL); --separate-emulator runs moto server as
its own process (nothing is lost across it: it is not restarted), which uses the second core.
The local runtime serialises function invocations (one at a time, as a single Lambda instance each).
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


def measure(messages: int = 10_000, children: int = 1_000, workers: int = 4, separate: bool = False,
            drain_timeout: float = 3600) -> dict:
    from bench.common import Quiet
    from tests.support.agencies import issue_keys
    from tests.support.agency_http import send_all
    from tests.support.cohort import synthetic_cohort
    from hub.handlers import composition
    from hub.local.stack import local_stack

    cohort = synthetic_cohort(messages, children, seed=42, mix="full")
    proc = None
    saved = os.environ.get("AWS_ENDPOINT_URL")
    if separate:
        proc, os.environ["AWS_ENDPOINT_URL"] = _start_separate_moto()
    try:
        with Quiet(), contextlib.redirect_stdout(_Null()), local_stack(api_port=0, save_to=False, failed_visibility_timeout=1, stack_name="bench-e2e") as st:
            hub = composition.current()
            tokens = issue_keys(hub.agencies, cohort.agencies)
            cpu0, t0 = time.process_time(), time.perf_counter()
            results = send_all(st.api_url, cohort.bodies, tokens, workers=workers)
            t_sent = time.perf_counter()
            drained = st.runtime.drain(timeout=drain_timeout)
            t_done = time.perf_counter()
            cpu = time.process_time() - cpu0
            statuses: dict[str, int] = {}
            for r in results:
                statuses[str(r.status)] = statuses.get(str(r.status), 0) + 1
            alerts = hub.queues.depth(hub.settings.alerts_queue_url)
            outbox = sum(hub.queues.depth(u)["visible"] for u in hub.settings.outbox_queue_urls.values())
            composition.use(None)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if saved is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = saved
    return {"messages": messages, "children": min(children, messages), "workers": workers,
            "emulator": "separate process" if separate else "in process", "statuses": statuses,
            "drained": drained, "send_seconds": t_sent - t0, "total_seconds": t_done - t0,
            "ingest_per_second": messages / (t_sent - t0), "end_to_end_per_second": messages / (t_done - t0),
            "hub_process_cpu_ms_per_message": cpu / messages * 1000,
            "alert_records": alerts["visible"], "deliveries": outbox}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--children", type=int, default=1_000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--separate-emulator", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = measure(args.messages, args.children, args.workers, args.separate_emulator)
    if args.json:
        print(json.dumps(res))
    else:
        print(f"{res['messages']} messages, {res['children']} children, {res['workers']} senders, emulator "
              f"{res['emulator']}: {res['end_to_end_per_second']:.1f} msg/s end to end "
              f"({res['total_seconds']:.0f} s), ingest {res['ingest_per_second']:.1f} msg/s; statuses {res['statuses']}; "
              f"{res['deliveries']} deliveries, {res['alert_records']} alert records; "
              f"hub process CPU {res['hub_process_cpu_ms_per_message']:.1f} ms/msg")
    return 0 if res["drained"] and set(res["statuses"]) == {"202"} else 1


if __name__ == "__main__":
    sys.exit(main())
