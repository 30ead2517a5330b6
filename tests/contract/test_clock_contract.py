"""Clock port: FakeClock and the composition root's wall clock both give timezone-aware UTC instants."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hub.ports import Clock
from tests.support.fakes import FakeClock

from .conftest import IMPLEMENTATIONS


@pytest.fixture(params=IMPLEMENTATIONS)
def clock(request) -> Clock:
    if request.param == "fake":
        return FakeClock()
    from hub.bootstrap import build
    from hub.settings import Settings

    return build(Settings()).clock  # the default the handlers run with


def test_now_is_timezone_aware_utc_and_does_not_go_back(clock):
    assert isinstance(clock, Clock)
    first, second = clock(), clock()
    assert first.tzinfo is not None and first.utcoffset() == timedelta(0)
    assert second >= first


def test_the_fake_clock_moves_only_when_told():
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert clock() == clock() == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert clock.advance(hours=2) == datetime(2026, 1, 1, 2, tzinfo=timezone.utc) == clock()
    clock.set(datetime(2025, 6, 1, tzinfo=timezone.utc))
    assert clock() == datetime(2025, 6, 1, tzinfo=timezone.utc)
