"""The deployed stack: moto server started here by default, or whatever AWS_ENDPOINT_URL names
(LocalStack via `make test-localstack`). The functions run in-process under the local runtime."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.support.agencies import AGENCY_KINDS


@pytest.fixture(scope="module")
def stack():
    from hub.handlers import composition
    from hub.local.stack import local_stack

    with local_stack(api_port=0, save_to=False, failed_visibility_timeout=1) as s:
        yield s
        composition.use(None)


@pytest.fixture(scope="module")
def api_keys(stack):
    from hub.handlers import composition
    from hub.service.agencies import issue_key

    now, agencies = datetime.now(timezone.utc), composition.current().agencies
    keys = {ods: issue_key(agencies, ods, kind, now=now)[1] for ods, kind in AGENCY_KINDS.items()}
    keys["COMM01"] = issue_key(agencies, "COMM01", "commissioner", now=now)[1]
    return keys
