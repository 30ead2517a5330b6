"""The composition root: HubPorts is frozen and lazy; Clients take the endpoint and region explicitly;
the handlers' composition is replaced only through `use`."""
from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import datetime, timezone

import pytest

from hub.bootstrap import Clients, build
from hub.settings import Settings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


class Recorder:
    """Stands in for a boto3 client and remembers how it was asked for."""

    def __init__(self, name: str) -> None:
        self.name = name


def test_ports_are_frozen_and_built_once_on_first_access():
    ports = build(Settings(archive_bucket="bucket"), Clients(overrides={"s3": Recorder("s3")}),
                  clock=lambda: T0, hmac_key=b"k" * 32)
    assert "archive" not in repr(ports)  # nothing built yet
    archive = ports.archive
    assert ports.archive is archive and archive.bucket == "bucket"
    assert ports.clock() == T0 and ports.hmac_key == b"k" * 32
    for name in ("archive", "clock", "settings", "state"):
        with pytest.raises(FrozenInstanceError):
            setattr(ports, name, object())
    with pytest.raises(FrozenInstanceError):
        del ports.archive


def test_build_takes_ready_ports_by_name_and_refuses_unknown_names():
    fake = object()
    ports = build(Settings(), Clients(), hmac_key=b"k", ledger=fake)
    assert ports.ledger is fake
    with pytest.raises(TypeError, match="nosuch"):
        build(Settings(), Clients(), nosuch=fake)


def test_services_get_their_ports_and_settings():
    from hub.bootstrap import rules_service

    settings = Settings(alerts_queue_url="alerts.fifo", la_front_door_ods="LAFD009")
    state, ledger, queues, audit = object(), object(), object(), object()
    svc = rules_service(build(settings, Clients(), clock=lambda: T0, hmac_key=b"k", state=state, ledger=ledger,
                              queues=queues, audit=audit))
    assert (svc.state, svc.ledger, svc.queues, svc.audit) == (state, ledger, queues, audit)
    assert svc.alerts_queue_url == "alerts.fifo" and svc.config.la_front_door_ods == "LAFD009"
    assert svc.clock() == T0


def test_clients_pass_endpoint_and_region_to_the_session():
    calls = []

    class Session:
        def client(self, service, **kw):
            calls.append((service, kw["endpoint_url"], kw["region_name"]))
            return Recorder(service)

    clients = Clients(endpoint_url="http://127.0.0.1:5000", region="eu-west-2", session=Session())
    assert clients.secrets.name == "secretsmanager"
    assert clients.sqs is clients.sqs
    assert calls == [("secretsmanager", "http://127.0.0.1:5000", "eu-west-2"), ("sqs", "http://127.0.0.1:5000", "eu-west-2")]


def test_composition_use_replaces_ports_and_their_services():
    from hub.handlers import composition

    first = build(Settings(), Clients(), hmac_key=b"k", state=object(), ledger=object(), queues=object(),
                  audit=object())
    second = build(Settings(), Clients(), hmac_key=b"k", state=object(), ledger=object(), queues=object(),
                   audit=object())
    try:
        composition.use(first)
        assert composition.current() is first
        svc = composition.rules_service()
        assert composition.rules_service() is svc and svc.state is first.state
        composition.use(second)
        assert composition.current() is second and composition.rules_service().state is second.state
    finally:
        composition.use(None)
