"""`safeguard validate FILE...`: validate files exactly as POST /$process-message would, authentication aside."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import typer

from hub.cli import app


@app.command()
def validate(
    files: list[Path] = typer.Argument(..., help="FHIR message Bundle files (JSON)", show_default=False),
) -> None:
    """Print one JSON line per file: {"file", "valid", "status", "issues"}. Exit 0 when all are valid, else 1."""
    from hub.core.validation import validate_message
    from hub.core.validation.outcome import outcome_error

    now = datetime.now(timezone.utc)  # the shell reads the clock; the core never does
    all_valid = True
    for path in files:
        try:
            body = path.read_bytes()
        except OSError as exc:
            status, issues = 400, outcome_error("not-found", f"cannot read the file: {exc.strerror or exc}",
                                                status=400)["issue"]
        else:
            verdict = validate_message(body, content_type=None, caller=None, now=now)
            status, issues = verdict.status, verdict.outcome.get("issue", [])
        valid = status == 202
        all_valid = all_valid and valid
        typer.echo(json.dumps({"file": str(path), "valid": valid, "status": status, "issues": issues},
                              ensure_ascii=False))
    raise typer.Exit(0 if all_valid else 1)
