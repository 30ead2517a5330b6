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
def deployed(aws_env, monkeypatch):
    """(ports, stack info): template.yaml's resources created inside mock_aws, the handlers' composition."""
    from moto import mock_aws

    from hub.bootstrap import build
    from hub.handlers import composition
    from hub.local.deploy import deploy
    from hub.settings import Settings

    with mock_aws():
        info = deploy(save_to=False)
        for k, v in info.env.items():
            monkeypatch.setenv(k, v)
        ports = build(Settings.from_env(info.env))
        composition.use(ports)
        yield ports, info
        composition.use(None)


@pytest.fixture
def hub(deployed):
    """The hub's ports on template.yaml's resources inside mock_aws, installed as the handlers' composition."""
    return deployed[0]


@pytest.fixture
def stack_info(deployed):
    return deployed[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    """A moto server on 127.0.0.1 for the module, with AWS_ENDPOINT_URL pointing at it (restored after)."""
    import os

    from hub.local.server import start_moto, stop_moto

    keys = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_REGION")
    saved = {k: os.environ.get(k) for k in keys}
    server, endpoint = start_moto()
    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_DEFAULT_REGION="eu-west-2")
    try:
        yield endpoint
    finally:
        stop_moto(server)
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


@pytest.fixture
def lambda_context():
    from tests.support.lambda_events import LambdaContext

    return LambdaContext()
