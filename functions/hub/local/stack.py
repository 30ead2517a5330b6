"""`with local_stack() as (endpoint, api_url, stack_info, runtime):` the whole hub on one machine.

Starts moto's server unless AWS_ENDPOINT_URL already points at an emulator
(e.g. LocalStack), deploys template.yaml's data plane there, and plays the
functions with `LocalRuntime`. If HUB_LOCAL_STACK_FILE names a StackInfo JSON
written by an earlier deploy on that endpoint (infra/localstack/run.sh does
this after its CloudFormation deploy), it is reused instead of deploying.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

from hub.local.deploy import StackInfo, deploy
from hub.local.runtime import LocalRuntime
from hub.local.server import start_moto, stop_moto

_ENV_KEYS = ("AUDIT_ATOMIC_HEAD", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_REGION")


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
    ):
        self.template_path = template_path
        self.stack_name = stack_name
        self.parameters = parameters
        self.api_port = api_port
        self.pollers = pollers
        self.schedules = schedules
        self.failed_visibility_timeout = failed_visibility_timeout
        self.save_to = save_to
        self.region = region
        self.server = None
        self.endpoint: str | None = None
        self.stack_info: StackInfo | None = None
        self.runtime: LocalRuntime | None = None
        self._saved_env: dict[str, str | None] = {}

    @property
    def api_url(self) -> str | None:
        return self.runtime.api_url if self.runtime else None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.endpoint, self.api_url, self.stack_info, self.runtime))

    def start(self) -> "LocalStack":
        self._saved_env = {k: os.environ.get(k) for k in _ENV_KEYS}
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        os.environ.setdefault("AWS_DEFAULT_REGION", self.region)
        try:
            if not os.environ.get("AWS_ENDPOINT_URL"):
                self.server, endpoint = start_moto()
                os.environ["AWS_ENDPOINT_URL"] = endpoint
                # moto copies a table per transaction: the audit log's two-step head is far faster there
                os.environ.setdefault("AUDIT_ATOMIC_HEAD", "false")
            self.endpoint = os.environ["AWS_ENDPOINT_URL"]
            reuse = os.environ.get("HUB_LOCAL_STACK_FILE")
            if self.server is None and reuse and Path(reuse).exists():
                info = StackInfo.load(reuse)
                self.stack_info = info if info.endpoint_url.rstrip("/") == self.endpoint.rstrip("/") else None
            if self.stack_info is None:
                self.stack_info = deploy(self.template_path, stack_name=self.stack_name,
                                         parameters=self.parameters, save_to=self.save_to)
            self.runtime = LocalRuntime(self.stack_info, api_port=self.api_port,
                                        failed_visibility_timeout=self.failed_visibility_timeout)
            self.runtime.start(pollers=self.pollers, schedules=self.schedules)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.runtime is not None:
            self.runtime.stop()
        if self.server is not None:
            stop_moto(self.server)
            self.server = None
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def local_stack(template_path: str | os.PathLike | None = None, **kwargs: Any) -> LocalStack:
    """Context manager: see LocalStack for the keyword arguments."""
    return LocalStack(template_path, **kwargs)
