"""Load through the embedded stack over HTTP: nothing lost, nothing disclosed or alerted twice.

CI: 300 messages about 100 children; SOAK=1: 10,000 messages about 1,000 children.
"""
from __future__ import annotations

from collections import Counter

import pytest

from tests.reliability.accounting import collect, dlq_depths, expected_disclosures
from tests.reliability.support import SOAK, pii_needles

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("reliability-load")]

N, CHILDREN = (10_000, 1_000) if SOAK else (300, 100)


@pytest.fixture(scope="module")
def run(stack_env):
    from tests.support.agency_http import send_all
    from tests.support.cohort import synthetic_cohort

    cohort = synthetic_cohort(N, CHILDREN, seed=11, mix="stateless")
    results = send_all(stack_env.api_url, cohort.bodies, stack_env.tokens, workers=4)
    drained = stack_env.runtime.drain(timeout=600 if SOAK else 180)
    info = stack_env.stack.stack_info
    depths = dlq_depths(stack_env.checker, info)
    acc = collect(stack_env.checker, info, cohort.nhs_numbers)
    expected = expected_disclosures(cohort.bodies, stack_env.checker)
    return {"cohort": cohort, "results": results, "drained": drained, "acc": acc, "expected": expected,
            "depths": depths}


def test_load_every_message_is_accepted_once(run):
    # GIVEN N valid messages WHEN each is POSTed once THEN each gets 202, none a 5xx
    statuses = Counter(r.status for r in run["results"])
    assert statuses == Counter({202: N})


def test_load_pipeline_drains_and_no_message_is_dead_lettered(run):
    assert run["drained"], "queues did not drain"
    assert run["depths"] == {d: 0 for d in run["depths"]}


def test_load_every_accepted_message_is_archived_and_audited_once(run):
    ids = run["cohort"].message_ids
    acc = run["acc"]
    assert {m: acc.archived[m] for m in ids} == {m: 1 for m in ids}
    assert {m: acc.accepted[m] for m in ids} == {m: 1 for m in ids}
    assert set(acc.accepted) == set(ids)  # nothing accepted that was not sent


def test_load_deliveries_match_decide_and_audit_exactly_once(run):
    acc, expected = run["acc"], run["expected"]
    want = Counter(d for dids in expected.values() for d in dids)
    assert sum(want.values()) > N / 2  # the mix really routes
    assert max(want.values()) == 1  # disclosure ids are distinct
    # outbox copies vs decide() vs message.routed audit records: the same multiset, each exactly once
    assert acc.outbox == want
    assert acc.routed == want
    assert all(acc.outbox_original[d] == m for m, dids in expected.items() for d in dids)


def test_load_rules_apply_every_message_and_alerts_are_unique(run):
    acc = run["acc"]
    assert set(run["cohort"].message_ids) <= acc.in_state
    assert acc.alerts, "the mix raises alerts (infant injuries, missed appointments)"
    assert max(acc.alerts.values()) == 1
    raised = Counter({("alert.raised", a): n for (t, a), n in acc.alerts.items() if t == "alert"})
    assert Counter({k: v for k, v in acc.alert_audit.items() if k[0] == "alert.raised"}) == raised
    assert max(acc.alert_audit.values()) == 1


def test_load_audit_chains_verify(run):
    assert run["acc"].audit_ok


def test_load_logs_carry_no_nhs_numbers_or_birth_dates(run, stack_env):
    logs = stack_env.logs
    assert len(logs.lines) >= N  # the functions did log (one line per accepted message at least)
    cohort = run["cohort"]
    assert logs.find(pii_needles(cohort.nhs_numbers, cohort.birth_dates)) == []
