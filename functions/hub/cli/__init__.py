"""The `safeguard` command line. Each command group lives in its own module and registers here.

`main()` is the console script. It never shows a traceback: an unexpected exception becomes one line on
stderr and exit 1 (SAFEGUARD_DEBUG=1 re-raises it, traceback included).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

import typer

from hub.cli import help_text

help_text.install()

app = typer.Typer(
    help="Safeguarding Hub: run the stack locally, send and validate messages, replay scenarios, read alerts and audit.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,  # main() turns them into one line
)

# Command modules register themselves on import; a missing one must not break the others. The order is
# the order of `safeguard --help` (commands first, then the groups agency and audit).
_COMMAND_MODULES = ("validate", "replay", "agency", "send", "alerts", "inbox", "redrive", "up", "status", "invoke",
                    "demo", "task", "audit")
DEBUG_ENV = "SAFEGUARD_DEBUG"


def _version(value: bool) -> None:
    if value:
        from hub import __version__

        typer.echo(f"safeguard {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    stack: Optional[Path] = typer.Option(
        None, "--stack", envvar="SAFEGUARD_STACK", metavar="DIR",
        help="the running stack's state folder (default: $XDG_STATE_HOME/safeguarding-hub, "
             "i.e. ~/.local/state/safeguarding-hub)"),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="print the version and exit"),
) -> None:
    """Safeguarding Hub: run the stack locally, send and validate messages, replay scenarios, read alerts and audit."""
    from hub.cli import stack_state

    stack_state.use_state_dir(stack)


def _load_commands() -> None:
    """Register every command module; one that cannot be imported costs its own command only."""
    import importlib

    for name in _COMMAND_MODULES:
        try:
            importlib.import_module(f"hub.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"hub.cli.{name}":
                continue  # not written yet
            _unavailable(name, exc)
        except Exception as exc:  # noqa: BLE001 - a broken module must not take every command down
            _unavailable(name, exc)


def _unavailable(name: str, exc: Exception) -> None:
    if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
        raise exc
    sys.stderr.write(f"safeguard: the {name} command is unavailable ({_one_line(exc)})\n")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def main() -> None:
    try:
        _load_commands()
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("safeguard: interrupted\n")
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the guard: no traceback for any input
        if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
            raise
        sys.stderr.write(f"safeguard: unexpected error ({_one_line(exc)}). "
                         f"Set {DEBUG_ENV}=1 to see the traceback.\n")
        sys.exit(1)
