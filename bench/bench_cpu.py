"""CPU per message through the ingest, router and rules Lambda handlers, AWS calls stubbed.

    .venv/bin/python bench/bench_cpu.py [--messages 1000] [--children 200] [--json]

The real handlers run (Powertools event handler, batch processor, services, core) on ports that are
the in-memory fakes of tests/support (held to the adapters by tests/contract): the archive, queues,
delivery ledger and idempotency store are dicts; the audit log hashes and chains every record as the
DynamoDB adapter does; child state is encoded as the adapter stores it (compressed JSON). So the figure is the hub's own CPU, without botocore's request
signing and serialisation (bench_e2e measures the whole thing). time.process_time, per message,
median of --rounds. Goal: <= 2 ms per message through all three.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# as template.yaml configures the functions in prod: INFO logs and EMF metrics (to a null sink here)
os.environ.update(POWERTOOLS_SERVICE_NAME="safeguarding-hub", POWERTOOLS_METRICS_NAMESPACE="SafeguardingHub",
                  LOG_LEVEL="INFO", POWERTOOLS_LOG_LEVEL="INFO", POWERTOOLS_TRACE_DISABLED="true")
os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)

GOAL_MS = 2.0


# ------------------------------------------------------------------------------------- ports
def fake_hub():
    """Ports for the real handlers with every AWS-backed port an in-memory fake (tests/support/fakes.py,
    held to the adapters' behaviour by tests/contract)."""
    from tests.support.wiring import fake_settings, in_memory_ports

    return in_memory_ports(fake_settings(), hmac_key=b"k" * 32)


# ------------------------------------------------------------------------------------- run
def _install(hub):
    from hub.handlers import composition

    composition.use(hub)


def run_pipeline(bodies, kinds, *, batch=10):
    """Push every body through ingest -> router -> rules on a fresh fake hub; CPU seconds per stage."""
    from tests.support.lambda_events import LambdaContext, api_event, sqs_event
    from tests.support.messages import sender_of
    import hub.handlers.ingest as ingest
    import hub.handlers.router as router
    import hub.handlers.rules as rules

    hub = fake_hub()
    _install(hub)
    ctx = LambdaContext()
    events = []
    for b in bodies:
        ods = sender_of(b)
        events.append(api_event(b, ods=ods, kind=kinds[ods]))
    cpu = {"ingest": 0.0, "router": 0.0, "rules": 0.0}
    t = time.process_time()
    for ev in events:
        resp = ingest.lambda_handler(ev, ctx)
        if resp["statusCode"] != 202:
            raise AssertionError(f"ingest answered {resp['statusCode']}: {resp['body'][:300]}")
    cpu["ingest"] = time.process_time() - t
    for stage, handler, url in (("router", router, hub.settings.validated_queue_url),
                                ("rules", rules, hub.settings.rules_queue_url)):
        msgs = hub.queues.take(url)
        batches = [sqs_event(msgs[i:i + batch]) for i in range(0, len(msgs), batch)]
        t = time.process_time()
        for ev in batches:
            out = handler.lambda_handler(ev, ctx)
            if out.get("batchItemFailures"):
                raise AssertionError(f"{stage} failed records: {out['batchItemFailures'][:3]}")
        cpu[stage] = time.process_time() - t
    outbox = len(hub.mailboxes.delivered())  # copies waiting in the recipients' mailboxes
    return cpu, {"disclosures": outbox, "alerts": len(hub.queues.messages(hub.settings.alerts_queue_url)),
                 "audit_records": len(hub.audit.records)}


class _Null:
    def write(self, s):
        return len(s)

    def flush(self):
        pass


def measure(messages: int = 1000, children: int = 200, rounds: int = 3) -> dict:
    """Run in a fresh process (the handlers' log stream is bound to a null sink at import)."""
    import warnings

    from hub.handlers.composition import use
    from tests.support.cohort import synthetic_cohort

    warnings.simplefilter("ignore")
    real_stdout, sys.stdout = sys.stdout, _Null()
    try:
        return _measure(messages, children, rounds, synthetic_cohort, use)
    finally:
        sys.stdout = real_stdout


def _measure(messages, children, rounds, synthetic_cohort, use) -> dict:

    cohort = synthetic_cohort(messages, children, seed=5, mix="full")
    kinds = {a["ods"]: a["kind"] for a in cohort.agencies}
    run_pipeline(cohort.bodies[:50], kinds)  # warm: imports, schema build, policy load
    per_round = []
    counts = {}
    gc.collect()
    for _ in range(rounds):
        cpu, counts = run_pipeline(cohort.bodies, kinds)
        per_round.append({k: v / messages * 1000 for k, v in cpu.items()})
    use(None)
    med = {k: statistics.median(r[k] for r in per_round) for k in per_round[0]}
    med["total"] = sum(med.values())
    return {"messages": messages, "children": children, "rounds": rounds, "ms_per_message": med,
            "goal_ms": GOAL_MS, "counts": counts}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--children", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = measure(args.messages, args.children, args.rounds)
    if args.json:
        print(json.dumps(res))
        return 0
    ms = res["ms_per_message"]
    print(f"CPU per message (process_time, median of {args.rounds} rounds, {args.messages} messages, "
          f"{args.children} children, AWS stubbed): ingest {ms['ingest']:.2f} ms, router {ms['router']:.2f} ms, "
          f"rules {ms['rules']:.2f} ms, total {ms['total']:.2f} ms (goal <= {GOAL_MS} ms)")
    print(f"  per run: {res['counts']}")
    return 0 if ms["total"] <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
