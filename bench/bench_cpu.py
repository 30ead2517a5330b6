"""CPU per message through the ingest, router and rules Lambda handlers, AWS calls stubbed.

    .venv/bin/python bench/bench_cpu.py [--messages 1000] [--children 200] [--json]

The real handlers run (Powertools event handler, batch processor, services, core) on a Hub whose
ports are in-memory fakes: the archive, queues, delivery ledger and idempotency store are dicts; the
audit log hashes and chains every record as the DynamoDB adapter does; child state is stored as the
adapter stores it (compressed JSON). So the figure is the hub's own CPU, without botocore's request
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
import zlib
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# as template.yaml configures the functions in prod: INFO logs and EMF metrics (to a null sink here)
os.environ.update(POWERTOOLS_SERVICE_NAME="safeguarding-hub", POWERTOOLS_METRICS_NAMESPACE="SafeguardingHub",
                  LOG_LEVEL="INFO", POWERTOOLS_LOG_LEVEL="INFO", POWERTOOLS_TRACE_DISABLED="true")
os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)

GOAL_MS = 2.0


# ------------------------------------------------------------------------------------- fakes
class FakeArchive:
    def __init__(self, bucket="archive"):
        self.bucket, self.objects = bucket, {}

    def _put(self, key, body, metadata):
        self.objects[key] = (bytes(body), dict(metadata))
        return f"s3://{self.bucket}/{key}"

    def archive(self, message_id, received_on, body, metadata):
        return self._put(f"archive/{received_on}/{message_id}.json", body, metadata)

    def quarantine(self, reject_id, received_on, body, metadata):
        return self._put(f"quarantine/{received_on}/{reject_id}.json", body, metadata)

    def get(self, uri_or_key):
        return self.objects[uri_or_key.split(f"s3://{self.bucket}/", 1)[-1]][0]

    def list(self, prefix):
        return [k for k in self.objects if k.startswith(prefix)]


class FakeQueues:
    def __init__(self):
        self.sent = defaultdict(list)
        self._dedup = defaultdict(set)

    def send_json(self, queue_url, payload, *, group_id, dedup_id, attributes=None):
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True)  # as SqsQueues does
        if dedup_id not in self._dedup[queue_url]:
            self._dedup[queue_url].add(dedup_id)
            self.sent[queue_url].append({"Body": body, "MessageId": dedup_id, "Attributes": {"MessageGroupId": group_id}})
        return dedup_id

    def take(self, url):
        out, self.sent[url] = self.sent[url], []
        return out


class FakeLedger:
    def __init__(self):
        self.items = {}

    def status(self, did):
        return self.items.get(did)

    def mark(self, did, status):
        self.items[did] = status


class FakeAudit:
    """In-memory chains with the adapter's record building, sharding and hashing."""

    def __init__(self, hmac_key, shards=4):
        from hub.core.audit.chain import chain_names

        self._key, self.shards = hmac_key, shards
        self.chains = {c: [] for c in chain_names(shards)}

    def child_hash(self, nhs_number):
        from hub.core.audit.model import child_hash

        return child_hash(self._key, nhs_number)

    def append(self, entry):
        return self.append_many([entry])[0]

    def append_many(self, entries):
        from hub.core.audit.chain import GENESIS, link_many, shard_for, shard_key
        from hub.core.audit.model import build_body

        out = []
        for e in entries:
            body = build_body(e, self._key)
            chain = shard_for(shard_key(body), self.shards)
            recs = self.chains[chain]
            prev = recs[-1]["hash"] if recs else GENESIS
            rec = link_many([body], chain=chain, seq=len(recs), prev_hash=prev)[0]
            recs.append(rec)
            out.append(rec)
        return out


class FakeStateRepository:
    """Stores each child as the DynamoDB adapter does (zlib-compressed JSON document)."""

    def __init__(self):
        self.docs = {}
        self.households = defaultdict(set)  # the household GSI

    def _load(self, doc):
        from hub.core.rules import ChildState

        return ChildState.from_item(json.loads(zlib.decompress(doc)))

    def get(self, nhs_number):
        doc = self.docs.get(nhs_number)
        return self._load(doc) if doc is not None else None

    def by_household(self, household):
        return [self._load(self.docs[n]) for n in sorted(self.households.get(household, ()))]

    def due(self, until, limit=None):
        from hub.core.rules.calendars import iso

        bound = iso(until)
        due = [s for s in (self._load(d) for d in self.docs.values()) if s.next_due and s.next_due <= bound]
        return due[:limit] if limit else due

    def put(self, state):
        for members in self.households.values():
            members.discard(state.nhs_number)
        if state.household:
            self.households[state.household].add(state.nhs_number)
        self.docs[state.nhs_number] = zlib.compress(json.dumps(state.to_item(), separators=(",", ":")).encode(), 6)


def memory_idempotency_store():
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyItemAlreadyExistsError,
        IdempotencyItemNotFoundError,
    )
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

    class MemoryPersistenceLayer(BasePersistenceLayer):
        def __init__(self):
            super().__init__()
            self.items = {}

        def _get_record(self, idempotency_key):
            if idempotency_key not in self.items:
                raise IdempotencyItemNotFoundError
            return self.items[idempotency_key]

        def _put_record(self, data_record):
            old = self.items.get(data_record.idempotency_key)
            if old is not None and not old.is_expired:
                raise IdempotencyItemAlreadyExistsError(old_data_record=old)
            self.items[data_record.idempotency_key] = data_record

        def _update_record(self, data_record):
            self.items[data_record.idempotency_key] = data_record

        def _delete_record(self, data_record):
            self.items.pop(data_record.idempotency_key, None)

    return MemoryPersistenceLayer()


def fake_hub():
    """Ports for the real handlers with every AWS-backed port replaced by an in-memory fake."""
    from hub.bootstrap import build
    from hub.core.messages import AGENCY_KINDS
    from hub.settings import Settings

    settings = Settings(archive_bucket="archive", validated_queue_url="validated.fifo", rules_queue_url="rules.fifo",
                        alerts_queue_url="alerts.fifo",
                        outbox_queue_urls={k: f"outbox-{k}.fifo" for k in AGENCY_KINDS},
                        state_table="state", idempotency_table="idem", audit_table="audit", agencies_table="agencies",
                        la_front_door_ods="LAFD001", **_default_hv())
    key = b"k" * 32
    return build(settings, hmac_key=key, archive=FakeArchive(), queues=FakeQueues(), ledger=FakeLedger(),
                 audit=FakeAudit(key), state=FakeStateRepository(), idempotency_store=memory_idempotency_store())


def _default_hv() -> dict:
    from hub.settings import Settings

    return {"default_hv_ods": "HV001"} if "default_hv_ods" in Settings.__dataclass_fields__ else {}


# ------------------------------------------------------------------------------------- run
def _install(hub):
    from hub.handlers import composition

    composition.use(hub)


def run_pipeline(bodies, kinds, *, batch=10):
    """Push every body through ingest -> router -> rules on a fresh fake hub; CPU seconds per stage."""
    from tests.helpers import LambdaContext, api_event, sqs_event
    from bench.common import sender_ods
    import hub.handlers.ingest as ingest
    import hub.handlers.router as router
    import hub.handlers.rules as rules

    hub = fake_hub()
    _install(hub)
    ctx = LambdaContext()
    events = []
    for b in bodies:
        ods = sender_ods(b)
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
    outbox = sum(len(v) for k, v in hub.queues.sent.items() if k.startswith("outbox-"))
    return cpu, {"disclosures": outbox, "alerts": len(hub.queues.sent[hub.settings.alerts_queue_url]),
                 "audit_records": sum(len(c) for c in hub.audit.chains.values())}


class _Null:
    def write(self, s):
        return len(s)

    def flush(self):
        pass


def measure(messages: int = 1000, children: int = 200, rounds: int = 3) -> dict:
    """Run in a fresh process (the handlers' log stream is bound to a null sink at import)."""
    import warnings

    from bench.common import synthetic_cohort
    from hub.handlers.composition import use

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
