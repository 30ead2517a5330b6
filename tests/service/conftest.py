"""The service tier: every service in hub.service on the in-memory fakes of tests/support (held to the AWS
adapters by tests/contract), on a settable clock. No emulator, no handler, no network."""
from __future__ import annotations

import pytest

from tests.support.fakes import FakeClock
from tests.support.messages import VALIDATION_NOW
from tests.support.wiring import in_memory_ports


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(VALIDATION_NOW)  # after every example message, so they all validate


@pytest.fixture
def ports(clock):
    return in_memory_ports(clock=clock)


def pytest_collection_modifyitems(items):
    # Powertools warns that no Lambda context was registered: services are called outside Lambda here.
    for item in items:
        if item.path.parent.name == "service":
            item.add_marker(pytest.mark.filterwarnings("ignore:Couldn't determine the remaining time left"))
