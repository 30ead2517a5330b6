"""Exit codes and consoles shared by the stack commands (up, send, alerts, inbox, redrive, agency, demo).

Exit codes: 0 ok; 1 something was rejected or nothing was found; 2 bad usage; 3 the stack is unreachable.
"""
from __future__ import annotations

import os

import typer
from rich.console import Console

EXIT_REJECTED, EXIT_USAGE, EXIT_UNREACHABLE = 1, 2, 3

out = Console(width=None if os.isatty(1) else 160)
err = Console(stderr=True)


def unreachable(exc: Exception) -> typer.Exit:
    err.print(f"[red]The hub's AWS endpoint is unreachable ({type(exc).__name__}). Is `safeguard up` running?[/red]")
    return typer.Exit(EXIT_UNREACHABLE)
