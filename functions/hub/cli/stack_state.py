"""Finding the running stack: the state folder `safeguard up` writes, and the hub's ports on that stack.

One state folder per user, whatever the current folder: `--stack DIR`, else `SAFEGUARD_STACK`, else
`HUB_LOCAL_DIR` (its older name), else `$XDG_STATE_HOME/safeguarding-hub` (`~/.local/state/safeguarding-hub`
when XDG_STATE_HOME is unset). It holds `stack.json`, the StackInfo of the stack `safeguard up` started (or
the LocalStack runner deployed, named by HUB_LOCAL_STACK_FILE), and `api.json`: the local API URL, the local
agencies' keys and the pid of `safeguard up` (mode 0600); and `runs.json`, when the scheduled functions
last ran (for `safeguard status`).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from hub.cli.output import EXIT_UNREACHABLE, EXIT_USAGE, err

STATE_ENV = "SAFEGUARD_STACK"
LEGACY_ENV = "HUB_LOCAL_DIR"
REPO_ROOT = Path(__file__).resolve().parents[3]
_chosen: Path | None = None  # --stack


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME", "")
    # the XDG spec ignores a relative XDG_STATE_HOME
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".local" / "state"
    return root / "safeguarding-hub"


def use_state_dir(path: Path | str | None) -> None:
    """`--stack`: a state folder, or a stack file (its folder is used)."""
    global _chosen
    if path is None:
        _chosen = None
        return
    p = Path(path).expanduser()
    _chosen = p.parent if p.suffix == ".json" else p


def state_dir() -> Path:
    if _chosen is not None:
        return _chosen
    for var in (STATE_ENV, LEGACY_ENV):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    return default_state_dir()


def stack_file() -> Path:
    return state_dir() / "stack.json"


def api_file() -> Path:
    return state_dir() / "api.json"


def __getattr__(name: str) -> Path:
    # the older module constants, now computed: --stack is only known once the command line is parsed
    found = {"LOCAL_DIR": state_dir, "STACK_FILE": stack_file, "API_FILE": api_file}.get(name)
    if found is None:
        raise AttributeError(name)
    return found()


def repo_path(rel: str) -> Path:
    """A repository path as given when it exists from the CWD, else inside the repository (any CWD works)."""
    return Path(rel) if Path(rel).exists() else REPO_ROOT / rel


DEFAULT_SCENARIO = repo_path("events/scenarios/child-s")


# ---------------------------------------------------------------- is `safeguard up` alive?
def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def stale_state() -> int | None:
    """The pid of the `safeguard up` that wrote the state folder when that process is gone, else None."""
    pid = read_api_file().get("pid")
    return pid if pid is not None and not _pid_alive(pid) else None


# ---------------------------------------------------------------- the stack file
def local_stack_info():
    """The StackInfo of the stack `safeguard up` started (its stack file), unless the environment already
    names a stack (the functions' variables, e.g. for real AWS) or AWS_ENDPOINT_URL names another emulator
    than the file's. None when no local stack applies, or when the `safeguard up` that wrote it has died."""
    from hub.settings import STATE_TABLE

    path = stack_file()
    if os.environ.get(STATE_TABLE) or not path.exists() or stale_state() is not None:
        return None
    from hub.local.stack_info import StackInfo

    try:
        info = StackInfo.load(path)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        err.print(f"[yellow]Ignoring unreadable stack file {path}: {type(exc).__name__}[/yellow]")
        return None
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
    info = local_stack_info()
    if info is not None:
        return info.resources
    from hub.local.stack_info import StackInfo

    other = os.environ.get("HUB_LOCAL_STACK_FILE")
    if other and Path(other).exists():
        return StackInfo.load(other).resources
    return {}


def no_stack() -> typer.Exit:
    """Say why no stack was found (exit 3)."""
    pid = stale_state() if stack_file().exists() else None
    if pid is not None:
        err.print(f"[red]No stack is running: {state_dir()} is left from a `safeguard up` (pid {pid}) that is "
                  "gone. Start `safeguard up` again.[/red]")
    else:
        err.print(f"[red]No stack to talk to: start `safeguard up` (it writes {stack_file()}), point at its "
                  f"state folder with --stack DIR or {STATE_ENV}, or set the functions' environment variables "
                  "(e.g. AUDIT_TABLE) for a deployed stack.[/red]")
    return typer.Exit(EXIT_UNREACHABLE)


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
        raise no_stack()
    return hub


# ---------------------------------------------------------------- api.json and the agencies file
def read_api_file() -> dict:
    path = api_file()
    try:
        data = json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_api_file(data: dict) -> None:
    """Mode 0600, replaced atomically so a reader never sees half a file."""
    path = api_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
    os.replace(tmp, path)


# ---------------------------------------------------------------- runs.json: when scheduled functions last ran
def runs_file() -> Path:
    return state_dir() / "runs.json"


def read_runs() -> dict:
    """{function logical id: {"at", "via"}}: the last run of each function `up` scheduled or `invoke` fired."""
    try:
        data = json.loads(runs_file().read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record_run(function: str, at: str, via: str) -> None:
    path = runs_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    runs = {**read_runs(), function: {"at": at, "via": via}}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(runs, indent=2, sort_keys=True))
    os.replace(tmp, path)


def load_agencies(path: Path | None) -> list[dict]:
    """A JSON list of {"ods", "kind"}; default: the Child S scenario's agencies."""
    path = path or DEFAULT_SCENARIO / "agencies.json"
    try:
        agencies = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    except (OSError, ValueError, RecursionError) as exc:
        agencies = exc
    if not isinstance(agencies, list) or not all(isinstance(a, dict) and {"ods", "kind"} <= set(a) for a in agencies):
        err.print(f'[red]{path} must be a JSON list of {{"ods", "kind"}}[/red]')
        raise typer.Exit(EXIT_USAGE)
    return agencies
