"""Each Lambda container's composition: the one place that holds the hub's ports between invocations.

A container runs one handler module; on its first invocation `current()` builds the ports from the
function's environment (`Settings.from_env()`) and boto3's default client lookup, and every later
invocation reuses them, with their clients, connections and cached secret. The services built from the
ports (the ingest service wraps a Powertools idempotency layer) are cached here too, per composition.

The local runtime and tests hand in their own composition with `use(build(settings, clients, ...))`
and pass `use(None)` to go back to building from the environment on next use. Nothing else in the
package keeps state between invocations.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from hub import bootstrap
from hub.bootstrap import Clients, HubPorts, build
from hub.settings import Settings

if TYPE_CHECKING:
    from hub.service.mailbox import MailboxService
    from hub.service.ingest import IngestService
    from hub.service.router import RouterService
    from hub.service.rules import RulesService
    from hub.service.tasks import TaskService

S = TypeVar("S")

_lock = threading.RLock()
_ports: HubPorts | None = None
_services: dict[str, tuple[HubPorts, Any]] = {}  # name -> (the ports it was built on, service)


def current() -> HubPorts:
    """This container's ports, built from the environment on first use unless `use()` handed some in."""
    global _ports
    ports = _ports
    if ports is None:
        with _lock:
            if _ports is None:
                _ports = build(Settings.from_env(), Clients())
            ports = _ports
    return ports


def use(ports: HubPorts | None) -> None:
    """Install `ports` as this process's composition; None rebuilds from the environment on next use."""
    global _ports
    with _lock:
        _ports = ports
        _services.clear()


def _service(name: str, make: Callable[[HubPorts], S]) -> S:
    ports = current()
    with _lock:
        entry = _services.get(name)
        if entry is None or entry[0] is not ports:
            entry = _services[name] = (ports, make(ports))
    return entry[1]


def ingest_service() -> "IngestService":
    """One IngestService (and its idempotency wrapper) per composition."""
    return _service("ingest", bootstrap.ingest_service)


def router_service() -> "RouterService":
    return _service("router", bootstrap.router_service)


def rules_service() -> "RulesService":
    return _service("rules", bootstrap.rules_service)


def mailbox_service() -> "MailboxService":
    return _service("mailbox", bootstrap.mailbox_service)


def task_service() -> "TaskService | None":
    """None when the function's environment names no Task table."""
    return _service("tasks", bootstrap.task_service)
