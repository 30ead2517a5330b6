"""Peak RSS of each Lambda handler processing a batch of 10 messages, in a fresh subprocess each,
against template.yaml's resources on moto server (run in this, the parent, process so the child's
RSS is the function's alone); and of the rules sweep with 100,000 children in the state table.

    .venv/bin/python bench/bench_memory.py [--sweep-children 100000] [--json]

Peak = VmHWM of the child (/proc/self/status), the high-water RSS of its process image. Not
getrusage().ru_maxrss: Linux carries ru_maxrss across fork+exec, so a child of this parent (which hosts
moto and its tables) would report the parent's size. ru_maxrss is used where /proc is missing.
Goal: peak x 2 <= the function's MemorySize in template.yaml; 128 MB aimed for ingest and router.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HANDLER_OF = {"authorizer": "AuthorizerFunction", "ingest": "IngestFunction", "router": "RouterFunction",
              "rules": "RulesFunction", "sweep": "SweepFunction", "audit_api": "AuditApiFunction",
              "audit_digest": "AuditDigestFunction"}
AIM_MB = {"ingest": 128, "router": 128}


# ------------------------------------------------------------------------------------- child side
def child_main(function: str, events_file: str) -> None:
    """Runs in the fresh subprocess: import the handler as Lambda would, invoke it on each event."""
    import importlib

    base = _peak_kib()
    spec = json.loads(Path(events_file).read_text())
    os.environ.update(spec["env"])
    module, _, attr = spec["handler"].rpartition(".")
    t0 = time.perf_counter()
    handler = getattr(importlib.import_module(module), attr)
    imported = _peak_kib()
    from hub.local.runtime import LambdaContext

    results = []
    for ev in spec["events"]:
        ctx = LambdaContext(spec["function"], spec["memory"], spec["timeout"], "eu-west-2", "123456789012")
        out = handler(ev, ctx)
        results.append(_summarise(out))
    peak = _peak_kib()
    sys.__stdout__.write("\nRESULT " + json.dumps({"baseline_mb": base / 1024, "after_import_mb": imported / 1024,
                                                   "peak_mb": peak / 1024, "results": results,
                                                   "seconds": time.perf_counter() - t0}) + "\n")


def _peak_kib() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _summarise(out) -> object:
    if isinstance(out, dict) and "statusCode" in out:
        return out["statusCode"]
    if isinstance(out, dict) and "batchItemFailures" in out:
        return {"failures": len(out["batchItemFailures"])}
    if isinstance(out, dict) and "policyDocument" in out:
        return out["policyDocument"]["Statement"][0]["Effect"]
    return str(out)[:80]


# ------------------------------------------------------------------------------------- parent side
def _run_child(info, function: str, events: list, tmp: Path) -> dict:
    spec = info.functions[HANDLER_OF[function]]
    env = {**info.env, **spec.env, "AWS_ENDPOINT_URL": info.endpoint_url, "AWS_DEFAULT_REGION": info.region,
           "AWS_REGION": info.region, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "POWERTOOLS_TRACE_DISABLED": "true", "LOG_LEVEL": "INFO", "POWERTOOLS_LOG_LEVEL": "INFO"}
    f = tmp / f"{function}.json"
    f.write_text(json.dumps({"env": env, "handler": spec.handler, "events": events, "function": function,
                             "memory": spec.memory, "timeout": spec.timeout}))
    e = {k: v for k, v in os.environ.items() if not k.startswith("POWERTOOLS_METRICS_DISABLED")}
    out = subprocess.run([sys.executable, str(Path(__file__)), "--child", function, str(f)], env=e,
                         capture_output=True, text=True, timeout=900, cwd=str(ROOT))
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"{function} child failed:\n{out.stderr[-3000:]}")
    res = json.loads(line[len("RESULT "):])
    res["memory_size_mb"] = spec.memory
    res["fits_2x"] = res["peak_mb"] * 2 <= spec.memory
    return res


def _receive(sqs, url: str, n: int) -> list[dict]:
    from hub.local.sqs_sources import sqs_record

    got: list[dict] = []
    deadline = time.monotonic() + 30
    while len(got) < n and time.monotonic() < deadline:
        got += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600,
                                   MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
    arn = "arn:aws:sqs:eu-west-2:123456789012:" + url.rsplit("/", 1)[-1]
    return [sqs_record(m, arn, "eu-west-2") for m in got[:n]]


def populate_states(hub, children: int, due: int = 100) -> float:
    """`children` registered children in the state table, `due` of them with a deadline already passed
    (on a CP plan, never seen), written as DynamoDBStateRepository writes them. Returns seconds."""
    from hub.adapters.dynamodb_state import _pk, _shard, _utc_key
    from hub.core.rules import ChildState, InMemoryStateRepository, RulesConfig, on_message
    from tests.support.rule_builders import Child, at, nhs_number, plan_start

    t0 = time.perf_counter()
    config, scratch = RulesConfig(), InMemoryStateRepository()
    ddb, table = hub.clients.dynamodb, hub.settings.state_table
    template = ChildState(nhs_number="0")
    template.apply(Child(nhs_number(0), "2010-01-01", household="H0").registered("2010-01-10T09:00"))
    plain_item = template.to_item()
    batch: list[dict] = []

    def flush():
        while batch:
            chunk, batch[:] = batch[:25], batch[25:]
            req = {table: [{"PutRequest": {"Item": i}} for i in chunk]}
            while req:
                req = ddb.batch_write_item(RequestItems=req).get("UnprocessedItems") or None

    for i in range(children):
        if i < due:
            c = Child(nhs_number(5_000_000 + i), "2010-01-01", household=f"D{i}")
            d = on_message(scratch, c.msg(plan_start(f"p{i}", "2011-04-20T10:00"), ts="2011-04-20T12:00"),
                           config=config, now=at("2011-04-20T12:00"))
            doc = d.states[0].to_item()
        else:
            doc = {**plain_item, "nhs_number": nhs_number(i), "household": f"H{i}"}
        item = {"pk": {"S": _pk(doc["nhs_number"])}, "rev": {"N": "1"},
                "doc": {"B": zlib.compress(json.dumps(doc, separators=(",", ":")).encode(), 6)}}
        if doc.get("household"):
            item["household"] = {"S": doc["household"]}
        if doc.get("next_due"):
            item["next_due"] = {"S": _utc_key(doc["next_due"])}
            item["due_shard"] = {"S": _shard(doc["nhs_number"])}
        batch.append(item)
        if len(batch) >= 500:
            flush()
    flush()
    return time.perf_counter() - t0


def measure(sweep_children: int = 100_000) -> dict:
    from hub.bootstrap import build
    from hub.local.deploy import deploy
    from hub.local.schedules import scheduled_event
    from hub.local.server import start_moto, stop_moto
    from tests.support.agencies import issue_keys
    from tests.support.cohort import synthetic_cohort
    from tests.support.lambda_events import api_event
    from tests.support.messages import sender_of

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ["AWS_DEFAULT_REGION"] = "eu-west-2"
    server, endpoint = start_moto()
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    res: dict = {"functions": {}}
    try:
        info = deploy(stack_name="bench-mem", save_to=False)
        hub = build(__import__("hub.settings", fromlist=["Settings"]).Settings.from_env(info.env))
        cohort = synthetic_cohort(10, 3, seed=9, mix="full")
        tokens = issue_keys(hub.agencies, cohort.agencies + [{"ods": "COM01", "kind": "commissioner"}])
        kinds = {a["ods"]: a["kind"] for a in cohort.agencies}
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            auth_events = [{"type": "REQUEST", "methodArn": "arn:aws:execute-api:eu-west-2:123456789012:localapi/v1/POST/$process-message",
                            "headers": {"Authorization": f"Bearer {tokens[sender_of(b)]}"}} for b in cohort.bodies]
            res["functions"]["authorizer"] = _run_child(info, "authorizer", auth_events, tmp)
            api_events = [api_event(b, ods=sender_of(b), kind=kinds[sender_of(b)]) for b in cohort.bodies]
            res["functions"]["ingest"] = _run_child(info, "ingest", api_events, tmp)
            sqs = hub.clients.sqs
            res["functions"]["router"] = _run_child(
                info, "router", [{"Records": _receive(sqs, hub.settings.validated_queue_url, 10)}], tmp)
            res["functions"]["rules"] = _run_child(
                info, "rules", [{"Records": _receive(sqs, hub.settings.rules_queue_url, 10)}], tmp)
            sched = scheduled_event(info, "SweepFunction", {"rule_name": "sweep"})
            res["functions"]["sweep"] = _run_child(info, "sweep", [sched], tmp)
            audit_ev = api_event(b"", ods="COM01", kind="commissioner", path="/audit", method="GET")
            audit_ev.update(body=None, queryStringParameters={"limit": "100"},
                            multiValueQueryStringParameters={"limit": ["100"]}, headers={"Accept": "application/json"})
            res["functions"]["audit_api"] = _run_child(info, "audit_api", [audit_ev], tmp)
            res["functions"]["audit_digest"] = _run_child(info, "audit_digest", [sched], tmp)
            if sweep_children:
                secs = populate_states(hub, sweep_children)
                r = _run_child(info, "sweep", [sched], tmp)
                r["children"] = sweep_children
                r["populate_seconds"] = secs
                res["sweep_100k"] = r
    finally:
        stop_moto(server)
    return res


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=2, metavar=("FUNCTION", "EVENTS"))
    ap.add_argument("--sweep-children", type=int, default=100_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.child:
        child_main(*args.child)
        return 0
    res = measure(args.sweep_children)
    if args.json:
        print(json.dumps(res))
        return 0
    rows = list(res["functions"].items()) + ([("sweep (100k children)", res["sweep_100k"])] if "sweep_100k" in res else [])
    print(f"{'function':24} {'peak MB':>8} {'after import':>13} {'MemorySize':>11} {'2x fits':>8}  results")
    for name, r in rows:
        print(f"{name:24} {r['peak_mb']:8.1f} {r['after_import_mb']:13.1f} {r['memory_size_mb']:11} "
              f"{'yes' if r['fits_2x'] else 'NO':>8}  {r['results'][:4]}")
    ok = all(r["fits_2x"] for _, r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
