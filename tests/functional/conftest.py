"""Handlers in-process under moto `mock_aws`, on the resources template.yaml declares."""
from __future__ import annotations

import pytest



@pytest.fixture
def aws_env(monkeypatch):
    for k in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")


@pytest.fixture
def hub(aws_env, monkeypatch):
    """A Hub wired to template.yaml's resources created inside mock_aws."""
    from moto import mock_aws

    from hub.bootstrap import Hub, set_hub
    from hub.local.deploy import deploy
    from hub.settings import Settings

    with mock_aws():
        info = deploy(save_to=False)
        for k, v in info.env.items():
            monkeypatch.setenv(k, v)
        h = Hub(Settings.from_env(info.env))
        h.stack_info = info
        set_hub(h)
        _reset_handler_caches()
        yield h
        set_hub(None)
        _reset_handler_caches()


def _reset_handler_caches():
    import hub.handlers.ingest as ingest

    ingest._service = None


@pytest.fixture
def lambda_context():
    from tests.helpers import LambdaContext

    return LambdaContext()
