"""`with local_stack() as (endpoint, api_url, stack_info, runtime):` the whole hub on one machine.

Starts moto's server unless AWS_ENDPOINT_URL already points at an emulator (e.g. LocalStack), deploys
template.yaml's data plane there, and plays the functions with `LocalRuntime`, which hands the handlers
the hub's ports on that stack. If HUB_LOCAL_STACK_FILE names a StackInfo JSON written by an earlier deploy
on that endpoint (infra/localstack/run.sh does this after its CloudFormation deploy), it is reused instead
of deploying, unless `parameters` are given: then this stack deploys resources of its own beside it.

The environment is read (AWS_ENDPOINT_URL, HUB_LOCAL_STACK_FILE, the region and credentials), never
written: whoever else needs the stack - a test, a command - gets the endpoint, a boto3 session, clients
and the ports from the returned LocalStack.
"""
from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator

from hub.local.deploy import deploy
from hub.local.hub_ports import emulator_clients, emulator_session
from hub.local.runtime import LocalRuntime
from hub.local.server import reset_moto, start_moto, stop_moto
from hub.local.stack_info import StackInfo
from hub.settings import AUDIT_ATOMIC_HEAD


class LocalStack:
    def __init__(
        self,
        template_path: str | os.PathLike | None = None,
        *,
        stack_name: str = "hub-local",
        parameters: dict[str, Any] | None = None,
        api_port: int = 0,
        pollers: bool = True,
        schedules: bool = False,
        failed_visibility_timeout: int | None = None,
        save_to: str | os.PathLike | None | bool = None,
        region: str = "eu-west-2",
        clock: Callable[[], datetime] | None = None,
    ):
        """region: used when the environment names none (AWS_REGION, AWS_DEFAULT_REGION).
        clock: the handlers' clock (default: the wall clock)."""
        self.template_path = template_path
        self.stack_name = stack_name
        self.parameters = parameters
        self.api_port = api_port
        self.pollers = pollers
        self.schedules = schedules
        self.failed_visibility_timeout = failed_visibility_timeout
        self.save_to = save_to
        self.region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or region
        self.clock = clock
        self.server = None
        self.endpoint: str | None = None
        self.session = None  # boto3 session for the emulator (region and credentials)
        self.stack_info: StackInfo | None = None
        self.runtime: LocalRuntime | None = None

    @property
    def api_url(self) -> str | None:
        return self.runtime.api_url if self.runtime else None

    @property
    def ports(self):
        """The hub's ports the handlers use (the runtime's composition)."""
        return self.runtime.ports if self.runtime else None

    def client(self, service: str):
        """A boto3 client on the stack's emulator."""
        return self.session.client(service, endpoint_url=self.endpoint)

    def clients(self):
        """A fresh set of the hub's boto3 clients on the stack's emulator (`hub.bootstrap.Clients`)."""
        return emulator_clients(self.stack_info)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.endpoint, self.api_url, self.stack_info, self.runtime))

    def start(self) -> "LocalStack":
        try:
            endpoint = os.environ.get("AWS_ENDPOINT_URL")
            if not endpoint:
                self.server, endpoint = start_moto()
            self.endpoint = endpoint
            self.session = emulator_session(self.region)
            reuse = os.environ.get("HUB_LOCAL_STACK_FILE")
            if self.server is None and reuse and Path(reuse).exists():
                info = StackInfo.load(reuse)
                if info.endpoint_url.rstrip("/") == self.endpoint.rstrip("/"):
                    if not self.parameters:
                        self.stack_info = info
                    elif self.stack_name == info.stack_name:
                        # that deployment has its own parameters: a stack asked for others gets resources of its
                        # own (silently reusing it once left a police force mapping unset on LocalStack)
                        self.stack_name = f"{self.stack_name}-{uuid.uuid4().hex[:8]}"
            if self.stack_info is None:
                self.stack_info = deploy(self.template_path, session=self.session, endpoint_url=self.endpoint,
                                         stack_name=self.stack_name, parameters=self.parameters, save_to=False)
                if self.server is not None:
                    # moto copies a table per transaction: the audit log's two-step head is far faster there
                    self.stack_info.env.setdefault(AUDIT_ATOMIC_HEAD, os.environ.get(AUDIT_ATOMIC_HEAD, "false"))
                if self.save_to is not False:
                    self.stack_info.save(self.save_to or None)
            self.runtime = LocalRuntime(self.stack_info, api_port=self.api_port,
                                        failed_visibility_timeout=self.failed_visibility_timeout, clock=self.clock)
            self.runtime.start(pollers=self.pollers, schedules=self.schedules)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.runtime is not None:
            self.runtime.stop()
        if self.server is not None:
            # moto keeps its backends in process globals that outlive the server: the next stack in this
            # process would otherwise start on this one's tables, queues and idempotency records
            try:
                reset_moto(self.endpoint)
            except OSError:
                pass  # the server is gone already: nothing of it to keep
            stop_moto(self.server)
            self.server = None

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def local_stack(template_path: str | os.PathLike | None = None, **kwargs: Any) -> LocalStack:
    """Context manager: see LocalStack for the keyword arguments."""
    return LocalStack(template_path, **kwargs)
