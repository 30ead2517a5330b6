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

ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"


def sender_ods(bundle: dict) -> str | None:
    """The ODS code of the MessageHeader.sender Organization, or None."""
    try:
        header = bundle["entry"][0]["resource"]
        ref = header["sender"]["reference"]
        for e in bundle["entry"]:
            if e.get("fullUrl") == ref:
                for ident in e["resource"].get("identifier", []):
                    if ident.get("system") == ODS_SYSTEM:
                        value = ident.get("value")
                        return value if isinstance(value, str) else None
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return None


def read_message(path: Path) -> tuple[bytes | None, dict | None, str | None]:
    """(body, parsed Bundle or None, why the file could not be read or parsed)."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        return None, None, f"cannot read the file: {exc.strerror or exc}"
    try:
        bundle = json.loads(body)
    except RecursionError:
        return body, None, "the JSON nests too deeply to read its sender"
    except ValueError:  # not JSON, not UTF-8: the hub will say exactly what is wrong
        return body, None, "not JSON, so its sender cannot be read"
    return body, bundle if isinstance(bundle, dict) else None, None


def post_message(api_url: str, body: bytes, api_key: str | None, content_type: str = "application/fhir+json") -> tuple[int, dict]:
    req = urllib.request.Request(f"{api_url.rstrip('/')}/$process-message", data=body, method="POST",
                                 headers={"Content-Type": content_type, **({"Authorization": f"Bearer {api_key}"} if api_key else {})})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, _json_body(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, _json_body(exc.read())


def _json_body(raw: bytes) -> dict:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {"raw": raw.decode("utf-8", "replace")}
    return data if isinstance(data, dict) else {"raw": data}


def _result(path: Path, sender: str | None, status: int | None, outcome: dict, error: str | None = None) -> dict:
    issues = [i for i in outcome.get("issue", []) if isinstance(i, dict)]
    summary = error or "; ".join(f"{i.get('diagnostics', '')}" + (f" at {i['expression'][0]}" if i.get("expression") else "")
                                 for i in issues)
    return {"file": str(path), "status": status, "sender": sender, "diagnostics": summary, "outcome": outcome,
            **({"error": error} if error else {})}


def send_files(api_url: str, files: list[Path], keys: dict, api_key: str | None, show_progress: bool) -> list[dict]:
    """POST each file as its sender; a file whose sender has no key is not sent (status None, `error` says why)."""
    results = []
    with Progress(console=err, transient=True, disable=not show_progress) as progress:
        task = progress.add_task("sending", total=len(files))
        for path in files:
            body, bundle, unreadable = read_message(path)
            sender = sender_ods(bundle) if bundle is not None else None
            key = api_key or (keys.get(sender) or {}).get("key")
            if body is None:
                results.append(_result(path, None, None, {}, unreadable))
            elif key is None:
                why = (f"no API key for sender {sender}: issue one with `safeguard agency add --ods {sender} --kind KIND`, "
                       "or pass --api-key" if sender else
                       f"no API key: the file's sender cannot be told ({unreadable or 'no MessageHeader.sender Organization with an ODS code'}); pass --api-key")
                results.append(_result(path, sender, None, {}, why))
            else:
                status, outcome = post_message(api_url, body, key)
                results.append(_result(path, sender, status, outcome))
            progress.advance(task)
    return results


def keys_for_senders(files: list[Path], keys: dict, agencies: list[dict]) -> dict:
    """Issue local keys for senders that have none, and remember them in api.json."""
    from hub.core.replay import guess_kind, sender_of

    kinds = {a["ods"]: a["kind"] for a in agencies}
    wanted: dict[str, str] = {}
    for path in files:
        _, bundle, _ = read_message(path)
        ods = sender_ods(bundle) if bundle is not None else None
        if not ods or ods in keys or ods in wanted:
            continue
        kind = kinds.get(ods) or guess_kind(sender_of(bundle) or {})
        if kind:
            wanted[ods] = kind
    if not wanted:
        return keys
    stack_state.use_local_stack()
    try:
        issued = provision([{"ods": o, "kind": k} for o, k in wanted.items()])
    except Exception:  # noqa: BLE001 - unreachable stack or a bad ODS: the file is reported as having no key
        return keys
    data = stack_state.read_api_file()
    data.setdefault("keys", {}).update(issued)
    stack_state.write_api_file(data)
    return {**keys, **issued}


def _print_results(results: list[dict]) -> None:
    table = Table("file", "sender", "status", "outcome")
    for r in results:
        ok = r["status"] in (200, 202)
        colour = "green" if ok else "red"
        first = (r["outcome"].get("issue") or [{}])[0].get("diagnostics", "") if ok else r["diagnostics"][:120]
        table.add_row(r["file"], r["sender"] or "?", f"[{colour}]{r['status'] or 'not sent'}[/{colour}]", first)
    out.print(table)
    for r in results:
        issues = r["outcome"].get("issue") or []
        if r["status"] in (200, 202) or not issues:
            continue
        detail = Table("severity", "code", "expression", "diagnostics", title=f"{r['file']}: {r['status']}",
                       title_justify="left")
        for i in issues:
            detail.add_row(str(i.get("severity", "")), str(i.get("code", "")),
                           ", ".join(i.get("expression") or []), str(i.get("diagnostics", "")))
        out.print(detail)


@app.command()
def send(files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, metavar="FILE...",
                                            help="FHIR message files"),
         api_url: Optional[str] = typer.Option(None, envvar="SAFEGUARD_API_URL", metavar="URL", help="default: the local stack"),
         api_key: Optional[str] = typer.Option(None, envvar="SAFEGUARD_API_KEY", metavar="KEY", help="default: the local key of each file's sender"),
         agencies: Optional[Path] = typer.Option(None, "--agencies", exists=True, dir_okay=False,
                                                 help='local stack: JSON list of {"ods", "kind"} for senders without a key'),
         json_out: bool = typer.Option(False, "--json", help="one JSON line per file, with the hub's whole OperationOutcome")) -> None:
    """POST each FILE to /$process-message as its sender; exit 1 if any was not accepted.

    Every issue of a refusal is shown with its FHIRPath expression. On the local stack, a sender with no key yet gets one (kind from --agencies, else guessed from its Organization as `safeguard replay` does); elsewhere a file whose sender has no key is not sent, and the sender is named."""  # noqa: E501 - one paragraph: help reflows it
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
        _print_results(results)
    for r in results:
        if r.get("error"):
            err.print(f"[red]{r['file']}: {r['error']}[/red]")
    raise typer.Exit(0 if all(r["status"] in (200, 202) for r in results) else EXIT_REJECTED)
