"""`safeguard inbox`: an agency's mailbox, read over the mailbox API with that agency's own key; or, for the
hub's operators, the messages left unacknowledged too long in any mailbox (`--stale`, no content).

The agency's view goes through HTTP exactly as the agency's system would (the key from the local stack's
api.json, or --api-key), so it shows what the authorizer and the API let that organisation see and no more.
The operators' view reads the mailbox table through the hub's ports (operator credentials), after the
stack's MailboxOperatorAgeHours.
"""
from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Optional

import typer
from rich.table import Table

from hub.cli import app, stack_state
from hub.cli.output import EXIT_REJECTED, EXIT_UNREACHABLE, EXIT_USAGE, err, out

PAGE = 100


class MailboxHttpError(Exception):
    """The mailbox API refused a request (its status and OperationOutcome)."""

    def __init__(self, status: int, outcome: dict) -> None:
        issue = (outcome.get("issue") or [{}])[0] if isinstance(outcome, dict) else {}
        super().__init__(f"{status}: {issue.get('diagnostics', 'refused')}")
        self.status, self.outcome = status, outcome


def mailbox_call(api_url: str, api_key: str, method: str, path: str, query: dict | None = None) -> dict:
    """One mailbox API request as the key's agency; the JSON reply, or MailboxHttpError."""
    url = f"{api_url.rstrip('/')}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None,
                                 headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            outcome = json.loads(exc.read() or b"{}")
        except ValueError:
            outcome = {}
        raise MailboxHttpError(exc.code, outcome if isinstance(outcome, dict) else {}) from None


def read_mailbox(api_url: str, api_key: str, *, acknowledge: bool = False) -> list[dict]:
    """Every message waiting in the key's mailbox, oldest first: {"summary", "bundle"}. The listing is read
    whole before anything is acknowledged, so acknowledging cannot move the pages under the reader."""
    listed, cursor = [], None
    while True:
        page = mailbox_call(api_url, api_key, "GET", "/mailbox",
                            {"limit": str(PAGE), **({"cursor": cursor} if cursor else {})})
        listed += page.get("messages", [])
        cursor = page.get("next_cursor")
        if not cursor:
            break
    found = []
    for summary in listed:
        quoted = urllib.parse.quote(summary["id"], safe="")
        found.append({"summary": summary, "bundle": mailbox_call(api_url, api_key, "GET", f"/mailbox/{quoted}")})
        if acknowledge:
            mailbox_call(api_url, api_key, "POST", f"/mailbox/{quoted}/$acknowledge")
    return found


def _agency_key(ods: str, api_key: str | None) -> str:
    if api_key:
        return api_key
    key = (stack_state.read_api_file().get("keys", {}).get(ods) or {}).get("key")
    if not key:
        err.print(f"[red]No API key for {ods} in {stack_state.api_file()}: issue one with `safeguard agency add "
                  f"--ods {ods} --kind KIND`, or pass --api-key[/red]")
        raise typer.Exit(EXIT_USAGE)
    return key


def _agency_view(ods: str, api_url: str | None, api_key: str | None, acknowledge: bool, json_out: bool) -> int:
    api_url = api_url or stack_state.read_api_file().get("api_url")
    if not api_url:
        err.print("[red]No API URL: start `safeguard up`, or pass --api-url[/red]")
        raise typer.Exit(EXIT_USAGE)
    key = _agency_key(ods, api_key)
    try:
        found = read_mailbox(api_url, key, acknowledge=acknowledge)
    except MailboxHttpError as exc:
        err.print(f"[red]The mailbox API refused the request ({exc})[/red]")
        raise typer.Exit(EXIT_REJECTED)
    except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
        err.print(f"[red]The hub API at {api_url} is unreachable ({type(exc).__name__}). Is `safeguard up` running?[/red]")
        raise typer.Exit(EXIT_UNREACHABLE)
    if json_out:
        for m in found:
            print(json.dumps(m["bundle"]))
    else:
        table = Table("event", "message id", "original message id", "delivered at",
                      title=f"Mailbox of {ods}" + (" (acknowledged as read)" if acknowledge else ""))
        for m in found:
            s = m["summary"]
            table.add_row(s["event"], s["id"], s["original_message_id"], s["delivered_at"])
        out.print(table)
    return 0 if found else EXIT_REJECTED


def _operator_view(json_out: bool) -> int:
    from hub.bootstrap import mailbox_service

    ports = stack_state.stack_ports("mailbox_table")
    try:
        stale = mailbox_service(ports).stale()
    except Exception as exc:  # noqa: BLE001 - an unreachable emulator or AWS: said plainly, exit 3
        err.print(f"[red]Cannot read the mailboxes ({type(exc).__name__})[/red]")
        raise typer.Exit(EXIT_UNREACHABLE)
    hours = ports.settings.mailbox_operator_age_hours
    if json_out:
        for s in stale:
            print(json.dumps(s))
    else:
        table = Table("ODS", "kind", "event", "message id", "delivered at", "age (h)",
                      title=f"Unacknowledged for more than {hours:g} h")
        for s in stale:
            table.add_row(s["ods"], s["kind"], s["event"], s["id"], s["delivered_at"], f"{s['age_hours']:g}")
        out.print(table)
    return 0


@app.command()
def inbox(ods: Optional[str] = typer.Option(None, help="the agency's ODS code: read its mailbox with its own key"),
          ack: bool = typer.Option(False, "--ack", help="acknowledge each message read: it leaves the mailbox"),
          stale: bool = typer.Option(False, "--stale", help="operators: messages unacknowledged for longer than "
                                     "MailboxOperatorAgeHours, in any mailbox (no content)"),
          api_url: Optional[str] = typer.Option(None, envvar="SAFEGUARD_API_URL", metavar="URL",
                                                help="default: the local stack"),
          api_key: Optional[str] = typer.Option(None, envvar="SAFEGUARD_API_KEY", metavar="KEY",
                                                help="default: the agency's local key (api.json)"),
          json_out: bool = typer.Option(False, "--json", help="print the delivered Bundles (or stale entries), one per line")) -> None:
    """Read one agency's mailbox over the mailbox API (exit 1 when it is empty), or list stale messages for operators.

    Reading does not acknowledge: the messages stay until --ack (or the agency's own system) acknowledges them."""
    if bool(ods) == stale:
        err.print("[red]Give --ods CODE (an agency's mailbox) or --stale (the operators' view)[/red]")
        raise typer.Exit(EXIT_USAGE)
    raise typer.Exit(_operator_view(json_out) if stale else _agency_view(ods, api_url, api_key, ack, json_out))
