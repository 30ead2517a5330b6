"""`safeguard send`: POST FHIR messages to the hub's API, each as its sender."""
from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

import typer
from rich.progress import Progress
from rich.table import Table

from hub.cli import app, stack_state
from hub.cli.agency import provision
from hub.cli.output import EXIT_REJECTED, EXIT_UNREACHABLE, EXIT_USAGE, err, out


def sender_ods(bundle: dict) -> str | None:
    """The ODS code of the MessageHeader.sender Organization, or None."""
    try:
        header = bundle["entry"][0]["resource"]
        ref = header["sender"]["reference"]
        for e in bundle["entry"]:
            if e.get("fullUrl") == ref:
                for ident in e["resource"].get("identifier", []):
                    if ident.get("system") == "https://fhir.nhs.uk/Id/ods-organization-code":
                        return ident.get("value")
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return None


def post_message(api_url: str, body: bytes, api_key: str | None, content_type: str = "application/fhir+json") -> tuple[int, dict]:
    req = urllib.request.Request(f"{api_url.rstrip('/')}/$process-message", data=body, method="POST",
                                 headers={"Content-Type": content_type, **({"Authorization": f"Bearer {api_key}"} if api_key else {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw or b"{}")
        except ValueError:
            return exc.code, {"raw": raw.decode("utf-8", "replace")}


def send_files(api_url: str, files: list[Path], keys: dict, api_key: str | None, show_progress: bool) -> list[dict]:
    results = []
    with Progress(console=err, transient=True, disable=not show_progress) as progress:
        task = progress.add_task("sending", total=len(files))
        for path in files:
            body = path.read_bytes()
            try:
                sender = sender_ods(json.loads(body))
            except ValueError:
                sender = None
            key = api_key or (keys.get(sender) or {}).get("key")
            status, outcome = post_message(api_url, body, key)
            issues = outcome.get("issue", []) if isinstance(outcome, dict) else []
            results.append({"file": str(path), "status": status, "sender": sender,
                            "diagnostics": "; ".join(i.get("diagnostics", "") for i in issues[:3])})
            progress.advance(task)
    return results


def keys_for_senders(files: list[Path], keys: dict, agencies: list[dict]) -> dict:
    """Issue local keys for senders that have none, and remember them in api.json."""
    from hub.core.replay import guess_kind

    kinds = {a["ods"]: a["kind"] for a in agencies}
    wanted: dict[str, str] = {}
    for path in files:
        try:
            bundle = json.loads(path.read_bytes())
        except (ValueError, RecursionError, OSError):
            continue
        ods = sender_ods(bundle)
        if not ods or ods in keys or ods in wanted:
            continue
        org = next((e.get("resource") for e in bundle.get("entry", []) if isinstance(e, dict)
                    and e.get("fullUrl") == (bundle["entry"][0].get("resource") or {}).get("sender", {}).get("reference")), {})
        kind = kinds.get(ods) or guess_kind(org or {})
        if kind:
            wanted[ods] = kind
    if not wanted:
        return keys
    stack_state.use_local_stack()
    try:
        issued = provision([{"ods": o, "kind": k} for o, k in wanted.items()])
    except Exception:  # noqa: BLE001 - unreachable stack or a bad ODS: send without a key (401)
        return keys
    data = stack_state.read_api_file()
    data.setdefault("keys", {}).update(issued)
    stack_state.write_api_file(data)
    return {**keys, **issued}


@app.command()
def send(files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="FHIR message files"),
         api_url: Optional[str] = typer.Option(None, envvar="SAFEGUARD_API_URL", help="default: the local stack"),
         api_key: Optional[str] = typer.Option(None, envvar="SAFEGUARD_API_KEY", help="default: the local key of each file's sender"),
         agencies: Optional[Path] = typer.Option(None, "--agencies", exists=True, dir_okay=False,
                                                 help='local stack: JSON list of {"ods", "kind"} for senders without a key'),
         json_out: bool = typer.Option(False, "--json")) -> None:
    """POST each FILE to /$process-message as its sender; exit 1 if any was not accepted.

    On the local stack, a sender with no key yet gets one (kind from --agencies, else guessed from its
    Organization as `safeguard replay` does)."""
    data = stack_state.read_api_file()
    local = api_url is None and bool(data.get("api_url"))
    api_url = api_url or data.get("api_url")
    if not api_url:
        err.print("[red]No API URL: start `safeguard up`, or pass --api-url[/red]")
        raise typer.Exit(EXIT_USAGE)
    keys = data.get("keys", {})
    if local and api_key is None:
        keys = keys_for_senders(files, keys, stack_state.load_agencies(agencies) if agencies else [])
    try:
        results = send_files(api_url, files, keys, api_key, not json_out)
    except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
        err.print(f"[red]The hub API at {api_url} is unreachable ({type(exc).__name__}). Is `safeguard up` running?[/red]")
        raise typer.Exit(EXIT_UNREACHABLE)
    if json_out:
        for r in results:
            print(json.dumps(r))
    else:
        table = Table("file", "sender", "status", "diagnostics")
        for r in results:
            colour = "green" if r["status"] in (200, 202) else "red"
            table.add_row(r["file"], r["sender"] or "?", f"[{colour}]{r['status']}[/{colour}]", r["diagnostics"])
        out.print(table)
    raise typer.Exit(0 if all(r["status"] in (200, 202) for r in results) else EXIT_REJECTED)
