"""The `safeguard` command line. Each command group lives in its own module and registers here."""
from __future__ import annotations

import typer

app = typer.Typer(
    help="Safeguarding Hub: run the stack locally, send and validate messages, replay scenarios, read alerts and audit.",
    no_args_is_help=True,
    add_completion=False,
)

# Command modules register themselves on import; a missing one must not break the others. The order is
# the order of `safeguard --help` (commands first, then the groups agency and audit).
_COMMAND_MODULES = ("validate", "replay", "agency", "send", "alerts", "inbox", "redrive", "up", "demo", "task", "audit")


def _load_commands() -> None:
    import importlib

    for name in _COMMAND_MODULES:
        try:
            importlib.import_module(f"hub.cli.{name}")
        except ModuleNotFoundError as exc:  # pragma: no cover - only while a module is being written
            if exc.name != f"hub.cli.{name}":
                raise


def main() -> None:
    _load_commands()
    app()
