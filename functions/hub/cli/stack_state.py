"""Finding the running stack: the files `safeguard up` writes in .local/ and the hub's ports on that stack.

`.local/stack.json` is the StackInfo of the stack `safeguard up` started (or the LocalStack runner
deployed, named by HUB_LOCAL_STACK_FILE); `.local/api.json` holds the local API URL and the local agencies'
keys (mode 0600). HUB_LOCAL_DIR moves .local/ elsewhere.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from hub.cli.output import EXIT_UNREACHABLE, err

LOCAL_DIR = Path(os.environ.get("HUB_LOCAL_DIR", ".local"))
STACK_FILE = LOCAL_DIR / "stack.json"
API_FILE = LOCAL_DIR / "api.json"  # the local API URL and the demo agencies' keys (local only, mode 0600)
REPO_ROOT = Path(__file__).resolve().parents[3]


def repo_path(rel: str) -> Path:
    """A repository path as given when it exists from the CWD, else inside the repository (any CWD works)."""
    return Path(rel) if Path(rel).exists() else REPO_ROOT / rel


DEFAULT_SCENARIO = repo_path("events/scenarios/child-s")


# ---------------------------------------------------------------- the stack file
def local_stack_info():
    """The StackInfo of the stack `safeguard up` started (its stack file), unless the environment already
    names a stack (the functions' variables, e.g. for real AWS) or AWS_ENDPOINT_URL names another emulator
    than the file's. None when no local stack applies."""
    from hub.settings import STATE_TABLE

    if os.environ.get(STATE_TABLE) or not STACK_FILE.exists():
        return None
    from hub.local.stack_info import StackInfo

    info = StackInfo.load(STACK_FILE)
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint and endpoint.rstrip("/") != info.endpoint_url.rstrip("/"):
        return None  # another emulator: the stack file is not about it
    return info


def use_local_stack() -> bool:
    """Make the ports of the stack `safeguard up` started this process's composition, if that stack applies
    (see `local_stack_info`); otherwise the composition stays the environment's."""
    info = local_stack_info()
    if info is None:
        return False
    from hub.handlers import composition
    from hub.local.hub_ports import stack_ports as ports_on

    composition.use(ports_on(info))
    return True


def on_emulator() -> bool:
    """The commands talk to an emulator (the local stack, or AWS_ENDPOINT_URL), not to AWS."""
    return local_stack_info() is not None or bool(os.environ.get("AWS_ENDPOINT_URL"))


def stack_resources() -> dict[str, str]:
    """Logical id -> physical id of the stack `safeguard up` (or the LocalStack runner) deployed."""
    from hub.local.stack_info import StackInfo

    for path in (STACK_FILE, os.environ.get("HUB_LOCAL_STACK_FILE")):
        if path and Path(path).exists():
            return StackInfo.load(path).resources
    return {}


# ---------------------------------------------------------------- the hub's ports
def ports():
    """This process's composition: the local stack's after `use_local_stack()`, the embedded stack's
    under `safeguard up` and `demo` (their runtime installs it), else built from the environment."""
    from hub.handlers import composition

    return composition.current()


def stack_ports(setting: str):
    """The ports of the running stack (the local one, or the environment's); exit 3 when none is named,
    i.e. when the settings leave `setting` empty."""
    use_local_stack()
    hub = ports()
    if not getattr(hub.settings, setting):
        err.print("[red]No stack to talk to: start `safeguard up` (it writes "
                  f"{STACK_FILE}), or set the functions' environment variables.[/red]")
        raise typer.Exit(EXIT_UNREACHABLE)
    return hub


# ---------------------------------------------------------------- api.json and the agencies file
def read_api_file() -> dict:
    return json.loads(API_FILE.read_text()) if API_FILE.exists() else {}


def write_api_file(data: dict) -> None:
    """Mode 0600, replaced atomically so a reader never sees half a file."""
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    tmp = API_FILE.with_name(f".{API_FILE.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
    os.replace(tmp, API_FILE)


def load_agencies(path: Path | None) -> list[dict]:
    """A JSON list of {"ods", "kind"}; default: the Child S scenario's agencies."""
    path = path or DEFAULT_SCENARIO / "agencies.json"
    return json.loads(path.read_text()) if path.exists() else []
