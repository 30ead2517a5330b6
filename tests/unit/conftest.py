"""Fixtures for the validation tests. Importable helpers (example paths, UK Core wrapping) live in
tests/support: a conftest is not a module to import from (two tiers' conftests clash in one run)."""
from __future__ import annotations

import copy
import json
from datetime import datetime

import pytest

from tests.support.messages import VALIDATION_NOW, load_valid


@pytest.fixture
def now() -> datetime:
    return VALIDATION_NOW


@pytest.fixture
def valid_message():
    """valid_message("injury-observed") -> a fresh deep copy of events/valid/injury-observed.json."""
    return lambda name: copy.deepcopy(load_valid(name))


@pytest.fixture
def check(now):
    """check(bundle_dict_or_bytes, caller=None, content_type=...) -> Verdict."""
    from hub.core.validation import validate_message

    def run(body, caller=None, content_type="application/fhir+json", at=None):
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        return validate_message(body, content_type=content_type, caller=caller, now=at or now)

    return run
