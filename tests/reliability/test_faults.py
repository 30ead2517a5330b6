"""Faults while load runs: nothing may vanish. sent = delivered + in a DLQ, and after a redrive, all delivered.

Three kinds of trouble, one after the other, each while messages are being POSTed:
1. injected DynamoDB and SQS faults on the functions' clients (500s and throttling per HTTP attempt,
   which botocore retries, and failed calls that are not retried) for the whole run;
2. the emulator stopped for a few seconds and started again on the same port (moto server keeps its
   state in process-wide backends, so a restart is an outage, not a data loss);
3. the runtime restarted (API server, pollers, cold handlers and a new composition) with messages in flight.
The agencies' side retries 5xx, 429 and "in progress" 409 replies, as the contract's Retry-After invites.
"""
from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from tests.reliability.accounting import collect, dlq_depths, expected_disclosures, redrive_all
from tests.reliability.faults import FaultInjector, quick_throttle_backoff
from tests.reliability.support import SOAK, pii_needles, shorten_visibility_timeouts, stack_ports

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("reliability-faults")]

N, CHILDREN = (3_000, 300) if SOAK else (120, 40)
OUTAGE_SECONDS = 3
# the outage and the restart strand received messages until their visibility timeout ends (see the helper)
VISIBILITY_TIMEOUT = 30


def _faulty_hub(env, injector: FaultInjector):
    from hub.handlers import composition

    h = stack_ports(env.stack.stack_info)
    injector.attach(h.clients.dynamodb, h.clients.sqs)
    composition.use(h)  # a new composition: services are built again on it, as on a cold start
    return h


def _send_in_background(env, bodies, out: list):
    from tests.support.agency_http import send_all

    t = threading.Thread(target=lambda: out.extend(send_all(env.api_url, bodies, env.tokens, workers=4,
                                                            retry_for=180)), daemon=True)
    t.start()
    return t


def _outage(env) -> None:
    from hub.local.server import start_moto

    port = int(env.stack.endpoint.rsplit(":", 1)[1])
    env.stack.server.stop()
    time.sleep(OUTAGE_SECONDS)
    env.stack.server, _ = start_moto(port=port)


def _restart_runtime(env, injector) -> None:
    rt = env.runtime
    port = int(rt.api_url.rsplit(":", 1)[1])
    rt.stop()
    rt._handlers.clear()  # cold handlers, on a new composition
    _faulty_hub(env, injector)
    rt.api_port = port  # agencies keep the same URL
    rt.start()


@pytest.fixture(scope="module")
def chaos(stack_env):
    from tests.support.cohort import synthetic_cohort
    from hub.handlers import composition

    cohort = synthetic_cohort(N, CHILDREN, seed=37, mix="stateless")
    thirds = [cohort.bodies[i::3] for i in range(3)]
    injector = FaultInjector(attempt_rate=0.08, call_rate=0.03, seed=5)
    old_timeouts = shorten_visibility_timeouts(stack_env.stack.stack_info, VISIBILITY_TIMEOUT)
    assert all(t > VISIBILITY_TIMEOUT for t in old_timeouts.values()), old_timeouts
    _faulty_hub(stack_env, injector)
    results: list = []
    try:
        with injector.active(), quick_throttle_backoff():
            t = _send_in_background(stack_env, thirds[0], results)
            t.join()
            t = _send_in_background(stack_env, thirds[1], results)
            time.sleep(2)
            _outage(stack_env)
            t.join()
            t = _send_in_background(stack_env, thirds[2], results)
            time.sleep(2)
            _restart_runtime(stack_env, injector)
            t.join()
            drained = stack_env.runtime.drain(timeout=300)
    finally:
        composition.use(stack_ports(stack_env.stack.stack_info))
    info, checker = stack_env.stack.stack_info, stack_env.checker
    expected = expected_disclosures(cohort.bodies, checker)
    # The outboxes are read once, at the end: SQS drops a re-sent disclosure id for 5 minutes after the
    # first send, while moto forgets it once the first copy is deleted, so consuming them before the
    # redrive would let moto accept re-sends that AWS would drop. Before the redrive, delivery is
    # evidenced by the message.routed audit record, which the router writes after the send.
    before = collect(checker, info, cohort.nhs_numbers, read_outboxes=False)
    redriven = redrive_all(checker, info)
    drained_after = stack_env.runtime.drain(timeout=300)
    after = collect(checker, info, cohort.nhs_numbers)
    transient = Counter(str(t) for r in results for t in r.transient)
    crashes = Counter(line.split(" failed")[0].split()[-1] + ": " + line.strip().splitlines()[-1].split(":")[0]
                      for line in stack_env.logs.lines if line.startswith("hub.local.runtime ERROR"))
    print(f"\nFAULTS: injected {injector.summary()}; agency retries {dict(transient)}; "
          f"DLQ before redrive { {k: len(v) for k, v in before.dlq.items() if v} }; redriven {redriven}; "
          f"accepted-audit duplicates {sum(n - 1 for n in after.accepted.values() if n > 1)}; "
          f"routed-audit duplicates {sum(n - 1 for n in after.routed.values() if n > 1)}; "
          f"function crashes {dict(crashes)}")
    return {"cohort": cohort, "results": results, "injected": injector.summary(), "drained": drained,
            "expected": expected, "before": before, "after": after, "redriven": redriven,
            "drained_after": drained_after, "depths_after": dlq_depths(checker, info)}


def test_faults_were_really_injected(chaos):
    injected = chaos["injected"]
    assert sum(v for k, v in injected.items() if k.startswith("dynamodb")) >= 10, injected
    assert sum(v for k, v in injected.items() if k.startswith("sqs")) >= 5, injected
    assert any(k.endswith("call-500") for k in injected), injected


def test_faults_every_message_is_eventually_accepted(chaos):
    # the agency retries 5xx until accepted; the final reply is 202, or 200 if an earlier try got through
    finals = Counter(r.status for r in chaos["results"])
    assert len(chaos["results"]) == N
    assert set(finals) <= {200, 202}, finals


def test_faults_sent_equals_delivered_plus_dead_lettered(chaos):
    before, expected = chaos["before"], chaos["expected"]
    in_dlq = {m for ids in before.dlq.values() for m in ids}
    delivered = {m for m, dids in expected.items()
                 if all(before.routed[d] for d in dids) and m in before.in_state}
    vanished = set(expected) - delivered - in_dlq
    detail = [(m, [before.routed[d] for d in expected[m]], m in before.in_state, before.accepted[m]) for m in vanished]
    assert not vanished, f"{len(vanished)} messages neither delivered nor in a DLQ: {detail[:5]}"


def test_faults_no_disclosure_is_duplicated_or_unexpected(chaos):
    before, after, expected = chaos["before"], chaos["after"], chaos["expected"]
    want = Counter(d for dids in expected.values() for d in dids)
    assert set(before.routed) <= set(want) and set(after.outbox) <= set(want)
    dups = {d: n for d, n in after.outbox.items() if n > 1}
    assert not dups, f"duplicate disclosures: {list(dups.items())[:5]}"


def test_faults_after_redrive_everything_is_delivered_once(chaos):
    before, after, expected = chaos["before"], chaos["after"], chaos["expected"]
    assert chaos["drained_after"]
    assert chaos["depths_after"] == {d: 0 for d in chaos["depths_after"]}
    want = Counter(d for dids in expected.values() for d in dids)
    assert after.outbox == want, (len(after.outbox), len(want), [d for d in want if not after.outbox[d]][:5])
    assert set(expected) <= after.in_state
    ids = chaos["cohort"].message_ids
    assert all(after.archived[m] == 1 for m in ids)
    assert set(want) <= set(after.routed)
    assert after.audit_ok


def test_faults_no_audit_record_is_duplicated(chaos):
    # a retried request or queue message finds the record of its business fact and appends no second one
    after, ids = chaos["after"], chaos["cohort"].message_ids
    assert {m: n for m, n in after.accepted.items() if n != 1} == {} and set(ids) <= set(after.accepted)
    assert {d: n for d, n in after.routed.items() if n != 1} == {}
    assert {k: n for k, n in after.alert_audit.items() if n != 1} == {}


def test_faults_every_published_alert_is_audited_and_unique(chaos):
    after = chaos["after"]
    assert after.alerts and max(after.alerts.values()) == 1
    published = {a for (t, a) in after.alerts if t == "alert"}
    audited = {a for (action, a) in after.alert_audit if action == "alert.raised"}
    assert published == audited


def test_faults_logs_carry_no_nhs_numbers_or_birth_dates(chaos, stack_env):
    cohort = chaos["cohort"]
    assert stack_env.logs.find(pii_needles(cohort.nhs_numbers, cohort.birth_dates)) == []
