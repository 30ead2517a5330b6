"""Duplicate storm: every message POSTed 3 times at once; the outcome equals sending it once."""
from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from tests.reliability.accounting import collect, dlq_depths, expected_disclosures
from tests.reliability.support import SOAK, pii_needles

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("reliability-duplicates")]

N, CHILDREN, COPIES = (1_000, 200, 3) if SOAK else (80, 30, 3)


@pytest.fixture(scope="module")
def storm(stack_env):
    from tests.support.agency_http import send_all
    from tests.support.cohort import synthetic_cohort

    cohort = synthetic_cohort(N, CHILDREN, seed=23, mix="stateless")
    # the copies of one message sit next to each other in the job list, so they run concurrently
    results = send_all(stack_env.api_url, cohort.bodies, stack_env.tokens, workers=3 * COPIES,
                       copies=COPIES, retry_for=60)
    drained = stack_env.runtime.drain(timeout=600 if SOAK else 180)
    info = stack_env.stack.stack_info
    replayed = Counter(r.get("message_id") for r in stack_env.checker.audit.iter_records()
                       if r.get("action") == "message.replayed")
    return {"cohort": cohort, "results": results, "drained": drained, "depths": dlq_depths(stack_env.checker, info),
            "acc": collect(stack_env.checker, info, cohort.nhs_numbers), "replayed": replayed,
            "expected": expected_disclosures(cohort.bodies, stack_env.checker)}


def test_duplicates_one_202_and_the_rest_replays_per_message(storm):
    by_msg = defaultdict(Counter)
    for r in storm["results"]:
        by_msg[r.index][r.status] += 1
    assert len(by_msg) == N
    assert all(c == Counter({202: 1, 200: COPIES - 1}) for c in by_msg.values()), \
        Counter(tuple(sorted(c.items())) for c in by_msg.values())


def test_duplicates_replays_are_audited_as_replays(storm):
    ids = storm["cohort"].message_ids
    assert {m: storm["replayed"][m] for m in ids} == {m: COPIES - 1 for m in ids}


def test_duplicates_archive_accept_route_and_alert_exactly_once(storm):
    acc, expected = storm["acc"], storm["expected"]
    ids = storm["cohort"].message_ids
    assert storm["drained"] and storm["depths"] == {d: 0 for d in storm["depths"]}
    assert {m: acc.archived[m] for m in ids} == {m: 1 for m in ids}
    assert {m: acc.accepted[m] for m in ids} == {m: 1 for m in ids}
    want = Counter(d for dids in expected.values() for d in dids)
    assert acc.outbox == want
    assert acc.routed == want
    assert set(ids) <= acc.in_state
    assert acc.alerts and max(acc.alerts.values()) == 1
    assert max(acc.alert_audit.values()) == 1
    assert acc.audit_ok


def test_duplicates_logs_carry_no_nhs_numbers_or_birth_dates(storm, stack_env):
    cohort = storm["cohort"]
    assert stack_env.logs.lines
    assert stack_env.logs.find(pii_needles(cohort.nhs_numbers, cohort.birth_dates)) == []
