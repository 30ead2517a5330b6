"""Sweep (on_tick) time with 1k vs 100k registered children, 100 of them due in each case.

    .venv/bin/python bench/bench_sweep.py

The in-memory repository keeps a deadline heap, so the sweep should cost the same whatever the
number of registered children (goal: larger <= 1.5x smaller).
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.core.rules import ChildState, InMemoryStateRepository, RulesConfig, on_message, on_tick  # noqa: E402
from tests.support.rule_builders import Child, at, nhs_number, plan_start  # noqa: E402

DUE = 100
NOW = at("2011-05-20T00:00")


def build(registered: int, config: RulesConfig) -> InMemoryStateRepository:
    repo = InMemoryStateRepository()
    for i in range(registered - DUE):  # ordinary children: registered, nothing pending
        c = Child(nhs_number(i), "2010-01-01", household=f"H{i}")
        s = ChildState(nhs_number=c.nhs_number)
        s.apply(c.registered("2010-01-10T09:00"))
        repo.put(s)
    for j in range(DUE):  # children on a CP plan never seen: child-not-seen falls due before NOW
        c = Child(nhs_number(5_000_000 + j), "2010-01-01", household=f"D{j}")
        d = on_message(repo, c.msg(plan_start(f"p{j}", "2011-04-20T10:00"), ts="2011-04-20T12:00"),
                       config=config, now=at("2011-04-20T12:00"))
        for st in d.states:
            repo.put(st)
    return repo


def time_sweep(repo: InMemoryStateRepository, config: RulesConfig, runs: int = 7) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(runs):
        t0 = time.perf_counter()
        d = on_tick(repo, config=config, now=NOW)  # read-only on repo: every run sees the same due set
        times.append(time.perf_counter() - t0)
        n = len(d.states)
    return statistics.median(times), n


def main() -> int:
    config = RulesConfig()
    results = {}
    for size in (1_000, 100_000):
        t0 = time.perf_counter()
        repo = build(size, config)
        built = time.perf_counter() - t0
        secs, n = time_sweep(repo, config)
        assert n == DUE, n
        results[size] = secs
        print(f"{size:>7} children, {n} due: sweep {secs * 1000:8.1f} ms (median of 7; built in {built:.1f} s)")
    ratio = results[100_000] / results[1_000]
    print(f"ratio 100k/1k: {ratio:.2f} (goal <= 1.5)")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
