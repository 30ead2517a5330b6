"""The hub's ports on a local stack, built from its StackInfo and handed to the handlers.

Nothing here reads or writes the stack into `os.environ`: the settings come from `StackInfo.env` (the
functions' resolved Environment.Variables), the endpoint and region from the StackInfo, the credentials
from an explicit boto3 session. The handlers then find the ports through `hub.handlers.composition`.
"""
from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from hub.local.stack_info import StackInfo

if TYPE_CHECKING:
    from hub.bootstrap import Clients, HubPorts

# Any credentials do for moto; LocalStack takes any too (an access key that is not a 12-digit number
# selects its default account).
EMULATOR_KEY = "testing"


def emulator_session(region: str):
    """A boto3 session for an emulator: the environment's credentials if it has some, else dummy ones."""
    import boto3

    if os.environ.get("AWS_ACCESS_KEY_ID"):
        return boto3.session.Session(region_name=region)
    return boto3.session.Session(region_name=region, aws_access_key_id=EMULATOR_KEY,
                                 aws_secret_access_key=EMULATOR_KEY)


def emulator_clients(info: StackInfo) -> "Clients":
    """The hub's boto3 clients on the stack's emulator."""
    from hub.bootstrap import Clients

    return Clients(endpoint_url=info.endpoint_url, region=info.region, session=emulator_session(info.region))


def stack_ports(info: StackInfo, *, clock: Callable[[], datetime] | None = None) -> "HubPorts":
    """A fresh composition of the hub's ports on the stack: its own clients, adapters and services."""
    from hub.bootstrap import build
    from hub.settings import Settings

    return build(Settings.from_env(info.env), emulator_clients(info), clock=clock)


def compose_hub(info: StackInfo, clock: Callable[[], datetime] | None = None) -> "HubPorts":
    """Build the stack's ports and make them the handlers' composition (the local runtime's default)."""
    from hub.handlers import composition

    ports = stack_ports(info, clock=clock)
    composition.use(ports)
    return ports
