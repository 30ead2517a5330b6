"""National projection: monthly AWS cost from measured calls, compute and storage per message and child.

    .venv/bin/python bench/projection.py E2E.json [--cpu-ms 1.9] [--memory-mb 256] [--scale 1]

E2E.json is `bench/bench_e2e.py --atomic-head --json` output (calls per accepted message by function and
operation, storage after the run). Prices are eu-west-2 (London) list prices as known to the author on
2026-11-30 from the AWS price pages (on-demand, no free tier, no savings plans); check them against the
AWS Price List API before quoting. Everything is printed as formula inputs so any of them can be changed.
"""
from __future__ import annotations

import argparse
import json

DAYS = 30.44
PRICES = {  # USD, eu-west-2, list prices as known on 2026-11-30 (see module docstring)
    "lambda_gb_s": 0.0000166667,      # x86, first 6 bn GB-s tier
    "lambda_req": 0.20 / 1e6,
    "apigw_rest_req": 3.50 / 1e6,     # REST API, first 333 M requests
    "ddb_wru": 0.7425 / 1e6,          # on-demand write request unit (after the Nov 2024 halving)
    "ddb_rru": 0.1485 / 1e6,          # on-demand read request unit
    "ddb_gb_month": 0.2975,           # standard table class storage
    "sqs_fifo_req": 0.50 / 1e6,       # per 64 KB request
    "s3_gb_month": 0.024,             # S3 Standard, first 50 TB
    "s3_put": 0.0053 / 1000,
    "logs_gb": 0.5985,                # CloudWatch Logs ingestion (standard)
}
# assumed AWS-side latency per call (ms), for Lambda duration; the local emulator's are not representative
LATENCY_MS = {"dynamodb": 6, "dynamodb.TransactWriteItems": 12, "sqs": 10, "s3": 25, "secretsmanager": 20}
WRU = {"PutItem": 1, "UpdateItem": 1, "DeleteItem": 1, "BatchWriteItem": 1, "TransactWriteItems": 2}
RRU = {"GetItem": 1, "Query": 1, "BatchGetItem": 1, "Scan": 1}


def project(e2e: dict, cpu_ms: float, memory_mb: int, msgs_per_day: float, children: float, log_kb: float) -> dict:
    calls = e2e["aws_calls"]
    m = msgs_per_day * DAYS
    by_fn = calls["by_operation"]
    gb_s = 0.0
    wru = rru = sqs = s3_put = 0.0
    fn_gb_s = {}
    for fn, ops in by_fn.items():
        ms = cpu_ms / max(1, len(by_fn))
        for op, n in ops.items():
            svc, name = op.split(".", 1)
            ms += n * LATENCY_MS.get(op, LATENCY_MS.get(svc, 10))
            if svc == "dynamodb":
                wru += n * WRU.get(name, 0)
                rru += n * RRU.get(name, 0)
            elif svc == "sqs":
                sqs += n
            elif svc == "s3" and name == "PutObject":
                s3_put += n
        fn_gb_s[fn] = memory_mb / 1024 * ms / 1000
        gb_s += fn_gb_s[fn]
    sqs += sum(calls.get("lambda_service_per_message", {}).values())  # the pollers' receives and deletes
    invocations = len(by_fn)  # authorizer, ingest, router, rules: at most one each per message
    n_msgs, n_children = max(1, e2e["messages"]), max(1, e2e["children"])
    store = e2e.get("storage_bytes", {})
    state_b = sum(v for k, v in store.items() if "state" in k.lower()) / n_children
    audit_b = sum(v for k, v in store.items() if "audit" in k.lower() and k.startswith("table:")) / n_msgs
    other_tbl_b = sum(v for k, v in store.items() if k.startswith("table:") and "state" not in k.lower()
                      and "audit" not in k.lower()) / n_msgs
    s3_b = sum(v for k, v in store.items() if k.startswith("bucket:")) / n_msgs
    p = PRICES
    cost = {
        "API Gateway": m * p["apigw_rest_req"],
        "Lambda requests": m * invocations * p["lambda_req"],
        "Lambda compute": m * gb_s * p["lambda_gb_s"],
        "DynamoDB writes": m * wru * p["ddb_wru"],
        "DynamoDB reads": m * rru * p["ddb_rru"],
        "DynamoDB storage: child state": children * state_b / 1e9 * p["ddb_gb_month"],
        "DynamoDB storage: audit + others, one month's growth": m * (audit_b + other_tbl_b) / 1e9 * p["ddb_gb_month"],
        "SQS FIFO": m * sqs * p["sqs_fifo_req"],
        "S3 PUT": m * s3_put * p["s3_put"],
        "S3 storage: one month's archive": m * s3_b / 1e9 * p["s3_gb_month"],
        "CloudWatch Logs (assumed KB/msg)": m * log_kb / 1e6 * p["logs_gb"],
    }
    return {"inputs": {"messages_per_month": m, "children": children, "gb_s_per_message": gb_s,
                       "gb_s_by_function": fn_gb_s, "wru_per_message": wru, "rru_per_message": rru,
                       "sqs_requests_per_message": sqs, "s3_puts_per_message": s3_put,
                       "invocations_per_message": invocations, "state_bytes_per_child": state_b,
                       "audit_bytes_per_message": audit_b, "other_table_bytes_per_message": other_tbl_b,
                       "archive_bytes_per_message": s3_b, "calls_per_message": calls["per_message"],
                       "memory_mb": memory_mb, "cpu_ms_per_message": cpu_ms, "log_kb_per_message": log_kb},
            "monthly_usd": cost, "total_usd": sum(cost.values())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("e2e")
    ap.add_argument("--cpu-ms", type=float, default=1.9, help="hub CPU per message (bench_cpu.py)")
    ap.add_argument("--memory-mb", type=int, default=256)
    ap.add_argument("--msgs-per-day", type=float, default=2e6)
    ap.add_argument("--children", type=float, default=12e6)
    ap.add_argument("--log-kb", type=float, default=4.0)
    args = ap.parse_args()
    e2e = json.loads(open(args.e2e).read().strip().splitlines()[-1])
    for scale in (1, 10):
        r = project(e2e, args.cpu_ms, args.memory_mb, args.msgs_per_day * scale, args.children, args.log_kb)
        print(f"== {scale}x load")
        print(json.dumps(r["inputs"], indent=1, default=lambda x: round(x, 6)))
        for k, v in sorted(r["monthly_usd"].items(), key=lambda kv: -kv[1]):
            print(f"  {k:55s} ${v:>12,.0f}")
        print(f"  {'total':55s} ${r['total_usd']:>12,.0f}")


if __name__ == "__main__":
    main()
