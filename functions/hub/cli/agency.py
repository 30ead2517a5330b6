"""`safeguard agency add|list|revoke`: agency API keys on the running stack (provisioning and rotation)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import typer
from rich.table import Table

from hub.cli import app, stack_state
from hub.cli.output import EXIT_REJECTED, EXIT_USAGE, err, out, unreachable

agency = typer.Typer(help="Agency API keys: issue, list, revoke (provisioning and rotation).", no_args_is_help=True)
app.add_typer(agency, name="agency")


def provision(agencies: list[dict]) -> dict[str, dict]:
    """Issue one key per {"ods", "kind"} on the current composition; {ods: {"kind", "key"}}."""
    from hub.service.agencies import issue_key

    keys = {}
    for a in agencies:
        _, token = issue_key(stack_state.ports().agencies, a["ods"], a["kind"], now=datetime.now(timezone.utc))
        keys[a["ods"]] = {"kind": a["kind"], "key": token}
    return keys


@agency.command("add")
def agency_add(ods: str = typer.Option(..., help="ODS code, e.g. A81001"),
               kind: str = typer.Option(..., help="gp | health-visiting | police | social-care | hospital | commissioner"),
               expires: str = typer.Option(None, "--expires", help="expiry: 90d, 12h, 4w, a date (valid to its end, UTC) or a date-time"),
               rate_limit: int = typer.Option(None, "--rate-limit", help="requests a minute for this key (default 1200)"),
               json_out: bool = typer.Option(False, "--json")) -> None:
    """Issue a new API key. It is shown once; the hub keeps only its hash. Rotate by adding a second key, then revoking the first."""
    from hub.core.auth import CredentialError, parse_expiry
    from hub.service.agencies import issue_key

    registry = stack_state.stack_ports("agencies_table").agencies
    now = datetime.now(timezone.utc)
    try:
        expires_at = parse_expiry(expires, now) if expires else None
        cred, token = issue_key(registry, ods, kind, now=now, expires_at=expires_at, rate_per_minute=rate_limit)
    except CredentialError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001 - connection problems
        raise unreachable(exc)
    if stack_state.on_emulator() and stack_state.API_FILE.exists():  # remember local keys for `safeguard send`
        data = stack_state.read_api_file()
        data.setdefault("keys", {})[ods] = {"kind": kind, "key": token}
        stack_state.write_api_file(data)
    if json_out:
        print(json.dumps({"key_id": cred.key_id, "ods": ods, "kind": kind, "api_key": token,
                          "expires_at": cred.expires_at, "rate_per_minute": cred.rate}))
    else:
        out.print(f"key id [bold]{cred.key_id}[/bold] for {ods} ({kind}):\n{token}\n[dim]Shown once; store it in the agency's secret store.[/dim]")


@agency.command("list")
def agency_list(json_out: bool = typer.Option(False, "--json")) -> None:
    """List issued keys (ids and agencies, never secrets)."""
    registry = stack_state.stack_ports("agencies_table").agencies
    try:
        creds = registry.list()
    except Exception as exc:  # noqa: BLE001
        raise unreachable(exc)
    rows = [{"key_id": c.key_id, "ods": c.ods, "kind": c.kind, "created_at": c.created_at, "revoked_at": c.revoked_at,
             "expires_at": c.expires_at, "last_used_at": c.last_used_at, "rate_per_minute": c.rate}
            for c in sorted(creds, key=lambda c: (c.ods, c.created_at))]
    if json_out:
        print(json.dumps(rows))
        return
    table = Table("key id", "ODS", "kind", "created", "revoked", "expires", "last used")
    for r in rows:
        table.add_row(r["key_id"], r["ods"], r["kind"], r["created_at"], r["revoked_at"] or "", r["expires_at"] or "",
                      r["last_used_at"] or "")
    out.print(table)


@agency.command("revoke")
def agency_revoke(key_id: str) -> None:
    """Revoke a key at once (API Gateway may keep a cached allow for up to the authorizer TTL)."""
    registry = stack_state.stack_ports("agencies_table").agencies
    try:
        cred = registry.get(key_id)
        if cred is None:
            err.print(f"[red]No key {key_id}[/red]")
            raise typer.Exit(EXIT_REJECTED)
        if not cred.revoked_at:
            registry.revoke(key_id, datetime.now(timezone.utc).isoformat())
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - connection problems
        raise unreachable(exc)
    if stack_state.API_FILE.exists():  # `safeguard send` must not keep using a revoked local key
        data = stack_state.read_api_file()
        keys = data.get("keys", {})
        stale = [ods for ods, k in keys.items() if str(k.get("key", "")).startswith(f"sgh_{key_id}_")]
        if stale:
            for ods in stale:
                del keys[ods]
            stack_state.write_api_file(data)
    out.print(f"revoked {key_id} ({cred.ods}, {cred.kind})" if not cred.revoked_at
              else f"{key_id} was already revoked at {cred.revoked_at}")
