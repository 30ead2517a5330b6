"""`safeguard up|send|alerts|inbox|redrive|agency|demo`: the hub on this machine, for people.

Exit codes: 0 ok; 1 something was rejected or nothing was found; 2 bad usage; 3 the stack is unreachable.
"""
from __future__ import annotations

import json
import os
import signal
import threading
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from hub.cli import app

EXIT_REJECTED, EXIT_USAGE, EXIT_UNREACHABLE = 1, 2, 3
LOCAL_DIR = Path(os.environ.get("HUB_LOCAL_DIR", ".local"))
STACK_FILE = LOCAL_DIR / "stack.json"
API_FILE = LOCAL_DIR / "api.json"  # the local API URL and the demo agencies' keys (local only, mode 0600)
DEFAULT_SCENARIO = Path("events/scenarios/child-s")
_out = Console(width=None if os.isatty(1) else 160)
_err = Console(stderr=True)

agency = typer.Typer(help="Agency API keys: issue, list, revoke (provisioning and rotation).", no_args_is_help=True)
app.add_typer(agency, name="agency")


# ---------------------------------------------------------------- local stack files
def use_local_stack_env() -> bool:
    """Point boto3 and the composition root at the stack `safeguard up` started, unless the
    environment already names one (AWS_ENDPOINT_URL, or real AWS with the function variables)."""
    if os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("STATE_TABLE") or not STACK_FILE.exists():
        return False
    from hub.local.deploy import StackInfo

    info = StackInfo.load(STACK_FILE)
    os.environ.update(info.env)
    os.environ.update({"AWS_ENDPOINT_URL": info.endpoint_url, "AWS_DEFAULT_REGION": info.region,
                       "AWS_REGION": info.region})
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    return True


def _api_file() -> dict:
    return json.loads(API_FILE.read_text()) if API_FILE.exists() else {}


def _write_api_file(data: dict) -> None:
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    fd = os.open(API_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)


def _hub():
    from hub.bootstrap import get_hub

    return get_hub()


def _unreachable(exc: Exception) -> typer.Exit:
    _err.print(f"[red]The hub's AWS endpoint is unreachable ({type(exc).__name__}). Is `safeguard up` running?[/red]")
    return typer.Exit(EXIT_UNREACHABLE)


# ---------------------------------------------------------------- agencies
def _provision(agencies: list[dict]) -> dict[str, dict]:
    from hub.service.agencies import issue_key

    keys = {}
    for a in agencies:
        _, token = issue_key(_hub().agencies, a["ods"], a["kind"], now=datetime.now(timezone.utc))
        keys[a["ods"]] = {"kind": a["kind"], "key": token}
    return keys


@agency.command("add")
def agency_add(ods: str = typer.Option(..., help="ODS code, e.g. A81001"),
               kind: str = typer.Option(..., help="gp | health-visiting | police | social-care | hospital | commissioner"),
               json_out: bool = typer.Option(False, "--json")) -> None:
    """Issue a new API key. It is shown once; the hub keeps only its hash. Rotate by adding a second key, then revoking the first."""
    from hub.core.auth import CredentialError
    from hub.service.agencies import issue_key

    use_local_stack_env()
    try:
        cred, token = issue_key(_hub().agencies, ods, kind, now=datetime.now(timezone.utc))
    except CredentialError as exc:
        _err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001 - connection problems
        raise _unreachable(exc)
    if os.environ.get("AWS_ENDPOINT_URL") and API_FILE.exists():  # remember local keys for `safeguard send`
        data = _api_file()
        data.setdefault("keys", {})[ods] = {"kind": kind, "key": token}
        _write_api_file(data)
    if json_out:
        print(json.dumps({"key_id": cred.key_id, "ods": ods, "kind": kind, "api_key": token}))
    else:
        _out.print(f"key id [bold]{cred.key_id}[/bold] for {ods} ({kind}):\n{token}\n[dim]Shown once; store it in the agency's secret store.[/dim]")


@agency.command("list")
def agency_list(json_out: bool = typer.Option(False, "--json")) -> None:
    """List issued keys (ids and agencies, never secrets)."""
    use_local_stack_env()
    try:
        creds = _hub().agencies.list()
    except Exception as exc:  # noqa: BLE001
        raise _unreachable(exc)
    rows = [{"key_id": c.key_id, "ods": c.ods, "kind": c.kind, "created_at": c.created_at, "revoked_at": c.revoked_at}
            for c in sorted(creds, key=lambda c: (c.ods, c.created_at))]
    if json_out:
        print(json.dumps(rows))
        return
    table = Table("key id", "ODS", "kind", "created", "revoked")
    for r in rows:
        table.add_row(r["key_id"], r["ods"], r["kind"], r["created_at"], r["revoked_at"] or "")
    _out.print(table)


@agency.command("revoke")
def agency_revoke(key_id: str) -> None:
    """Revoke a key at once (API Gateway may keep a cached allow for up to the authorizer TTL)."""
    use_local_stack_env()
    try:
        _hub().agencies.revoke(key_id, datetime.now(timezone.utc).isoformat())
    except Exception as exc:  # noqa: BLE001
        _err.print(f"[red]Could not revoke {key_id}: {exc}[/red]")
        raise typer.Exit(EXIT_REJECTED)
    _out.print(f"revoked {key_id}")


# ---------------------------------------------------------------- sending
def _sender_ods(bundle: dict) -> str | None:
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
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            return err.code, json.loads(raw or b"{}")
        except ValueError:
            return err.code, {"raw": raw.decode("utf-8", "replace")}


def _send_files(api_url: str, files: list[Path], keys: dict, api_key: str | None, show_progress: bool) -> list[dict]:
    results = []
    with Progress(console=_err, transient=True, disable=not show_progress) as progress:
        task = progress.add_task("sending", total=len(files))
        for path in files:
            body = path.read_bytes()
            try:
                sender = _sender_ods(json.loads(body))
            except ValueError:
                sender = None
            key = api_key or (keys.get(sender) or {}).get("key")
            status, outcome = post_message(api_url, body, key)
            issues = outcome.get("issue", []) if isinstance(outcome, dict) else []
            results.append({"file": str(path), "status": status, "sender": sender,
                            "diagnostics": "; ".join(i.get("diagnostics", "") for i in issues[:3])})
            progress.advance(task)
    return results


@app.command()
def send(files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="FHIR message files"),
         api_url: Optional[str] = typer.Option(None, envvar="SAFEGUARD_API_URL", help="default: the local stack"),
         api_key: Optional[str] = typer.Option(None, envvar="SAFEGUARD_API_KEY", help="default: the local key of each file's sender"),
         json_out: bool = typer.Option(False, "--json")) -> None:
    """POST each FILE to /$process-message as its sender; exit 1 if any was not accepted."""
    data = _api_file()
    api_url = api_url or data.get("api_url")
    if not api_url:
        _err.print("[red]No API URL: start `safeguard up`, or pass --api-url[/red]")
        raise typer.Exit(EXIT_USAGE)
    try:
        results = _send_files(api_url, files, data.get("keys", {}), api_key, not json_out)
    except urllib.error.URLError as exc:
        raise _unreachable(exc)
    if json_out:
        for r in results:
            print(json.dumps(r))
    else:
        table = Table("file", "sender", "status", "diagnostics")
        for r in results:
            colour = "green" if r["status"] in (200, 202) else "red"
            table.add_row(r["file"], r["sender"] or "?", f"[{colour}]{r['status']}[/{colour}]", r["diagnostics"])
        _out.print(table)
    raise typer.Exit(0 if all(r["status"] in (200, 202) for r in results) else EXIT_REJECTED)


# ---------------------------------------------------------------- reading queues
def _drain_queue(url: str, *, keep: bool, match=None) -> list[dict]:
    """Read every visible message; delete the ones taken unless `keep` (then they reappear at once)."""
    queues, sqs, out, seen = _hub().queues, _hub().clients.sqs, [], set()
    while True:
        batch = [m for m in queues.receive(url, max_messages=10, wait_seconds=0, visibility_timeout=30)
                 if m["MessageId"] not in seen]
        if not batch:
            break
        for m in batch:
            seen.add(m["MessageId"])
            attrs = {k: v.get("StringValue") for k, v in m.get("MessageAttributes", {}).items()}
            if match is None or match(attrs):
                out.append({"body": json.loads(m["Body"]), "attributes": attrs})
                if not keep:
                    queues.delete(url, m["ReceiptHandle"])
                    continue
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    return out


def _alerts_table(records: list[dict]) -> Table:
    table = Table(title="Safeguarding alerts")
    for col in ("detected", "rule", "severity", "child", "raised (clinical)"):
        table.add_column(col, no_wrap=True)
    table.add_column("summary")
    for r in records:
        if r.get("type") == "alert":
            colour = {"critical": "bold red", "high": "red", "medium": "yellow"}.get(r["severity"], "white")
            table.add_row(r["detected_at"][:16], r["rule"], f"[{colour}]{r['severity']}[/{colour}]",
                          r["nhs_number"], r["raised_at"][:16], r["summary"])
        else:
            table.add_row(r.get("resolved_at", "")[:16], r["rule"], "[green]resolved[/green]", r["nhs_number"],
                          "", f"resolved: {r.get('reason')}")
    return table


@app.command()
def alerts(json_out: bool = typer.Option(False, "--json", help="one JSON record per line"),
           keep: bool = typer.Option(False, help="leave the records on the queue")) -> None:
    """Read alert and resolution records from the alerts queue (consumes them unless --keep)."""
    use_local_stack_env()
    try:
        records = [m["body"] for m in _drain_queue(_hub().settings.alerts_queue_url, keep=keep)]
    except Exception as exc:  # noqa: BLE001
        raise _unreachable(exc)
    records.sort(key=lambda r: (r.get("detected_at") or r.get("resolved_at") or ""))
    if json_out:
        for r in records:
            print(json.dumps(r))
    else:
        _out.print(_alerts_table(records))
    raise typer.Exit(0 if records else EXIT_REJECTED)


@app.command()
def inbox(ods: str = typer.Option(..., help="the agency's ODS code"),
          kind: Optional[str] = typer.Option(None, help="its kind; default: every outbox"),
          keep: bool = typer.Option(False, help="leave the messages on the outbox"),
          json_out: bool = typer.Option(False, "--json", help="print the delivered Bundles, one per line")) -> None:
    """Read the messages delivered to one agency's outbox."""
    use_local_stack_env()
    hub = _hub()
    urls = hub.settings.outbox_queue_urls
    selected = {kind: urls[kind]} if kind else urls
    try:
        msgs = [m for url in selected.values() for m in _drain_queue(url, keep=keep, match=lambda a: a.get("ods") == ods)]
    except Exception as exc:  # noqa: BLE001
        raise _unreachable(exc)
    if json_out:
        for m in msgs:
            print(json.dumps(m["body"]))
    else:
        table = Table("event", "new message id", "original message id", title=f"Inbox of {ods}")
        for m in msgs:
            table.add_row(m["attributes"].get("event", ""), m["body"]["entry"][0]["resource"]["id"],
                          m["attributes"].get("original-message-id", ""))
        _out.print(table)
    raise typer.Exit(0 if msgs else EXIT_REJECTED)


@app.command()
def redrive(queue: str = typer.Argument(..., help="a DLQ's logical id from template.yaml, e.g. RulesDLQ, or its URL"),
            max_messages: Optional[int] = typer.Option(None, "--max")) -> None:
    """Move a DLQ's messages back to the queue that feeds it (per the template's RedrivePolicy)."""
    use_local_stack_env()
    from hub.local.deploy import StackInfo
    from hub.local.template import load_template

    resources = load_template()["Resources"]
    sources = {dlq: lid for lid, r in resources.items()
               for dlq in [((r.get("Properties") or {}).get("RedrivePolicy") or {}).get("deadLetterTargetArn", {})]
               if isinstance(dlq, dict) for dlq in [(dlq.get("Fn::GetAtt") or [None])[0]] if dlq}
    if queue not in sources:
        _err.print(f"[red]{queue} is not a DLQ in template.yaml; DLQs: {', '.join(sorted(sources))}[/red]")
        raise typer.Exit(EXIT_USAGE)
    info = StackInfo.load(STACK_FILE) if STACK_FILE.exists() else None
    names = info.resources if info else {}
    if queue not in names or sources[queue] not in names:
        _err.print("[red]No local stack file names these queues; run `safeguard up` first[/red]")
        raise typer.Exit(EXIT_USAGE)
    try:
        moved = _hub().queues.redrive(names[queue], names[sources[queue]], max_messages=max_messages)
    except Exception as exc:  # noqa: BLE001
        raise _unreachable(exc)
    _out.print(f"moved {moved} message(s) from {queue} to {sources[queue]}")


# ---------------------------------------------------------------- up / demo
def _load_agencies(path: Path | None) -> list[dict]:
    path = path or DEFAULT_SCENARIO / "agencies.json"
    return json.loads(path.read_text()) if path.exists() else []


@app.command()
def up(port: int = typer.Option(8080, help="API port on 127.0.0.1 (0 picks a free one)"),
       agencies: Optional[Path] = typer.Option(None, exists=True, dir_okay=False, help="JSON list of {ods, kind} to issue keys for"),
       ) -> None:
    """Start the embedded stack (moto server + the functions) and serve the API until Ctrl-C."""
    from hub.bootstrap import set_hub
    from hub.local.stack import local_stack

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with local_stack(api_port=port, schedules=True, save_to=STACK_FILE, failed_visibility_timeout=5) as stack:
        set_hub(None)
        keys = _provision(_load_agencies(agencies))
        _write_api_file({"api_url": stack.api_url, "keys": keys})
        table = Table("ODS", "kind", "API key", title=f"Safeguarding Hub at {stack.api_url}")
        for ods, k in keys.items():
            table.add_row(ods, k["kind"], k["key"])
        _out.print(table)
        _out.print(f"AWS endpoint {stack.endpoint}; stack file {STACK_FILE}. "
                   "Try: safeguard send events/valid/injury-observed.json; safeguard alerts. Ctrl-C stops.")
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    for f in (STACK_FILE, API_FILE):
        f.unlink(missing_ok=True)
    _out.print("stopped")


@app.command()
def demo(scenario: Path = typer.Option(DEFAULT_SCENARIO, exists=True, file_okay=False, help="folder of messages to send"),
         agencies: Optional[Path] = typer.Option(None, exists=True, dir_okay=False)) -> None:
    """Start the embedded stack, send a scenario over HTTP, print the alerts, stop. Exit 0 if alerts were raised."""
    from hub.bootstrap import set_hub
    from hub.core.replay import message_files
    from hub.local.stack import local_stack

    files = message_files(scenario)
    # The functions' JSON logs and metrics would bury the table: keep warnings only.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    _out.print(f"[bold]Safeguarding Hub demo[/bold]: {len(files)} messages from {scenario} over HTTP to an embedded AWS emulator")
    with local_stack(api_port=0, save_to=False, failed_visibility_timeout=1) as stack:
        set_hub(None)
        keys = _provision(_load_agencies(agencies or scenario / "agencies.json"))
        results = _send_files(stack.api_url, files, keys, None, True)
        accepted = sum(r["status"] in (200, 202) for r in results)
        _out.print(f"accepted {accepted}/{len(results)} messages; routing and rules running...")
        stack.runtime.drain(timeout=120)
        stack.runtime.fire_schedules(["SweepFunction"])
        stack.runtime.drain(timeout=60)
        hub = _hub()
        records = sorted((m["body"] for m in _drain_queue(hub.settings.alerts_queue_url, keep=False)),
                         key=lambda r: (r.get("detected_at") or r.get("resolved_at") or ""))
        _out.print(_alerts_table(records))
        outbox = Table("outbox", "messages", title="Deliveries")
        for kind, url in sorted(hub.settings.outbox_queue_urls.items()):
            outbox.add_row(kind, str(hub.queues.depth(url)["visible"]))
        _out.print(outbox)
        reports = hub.audit.verify()
        intact = all(r.ok for r in reports)
        _out.print(f"audit log: {'intact' if intact else 'BROKEN'} "
                   f"({sum(r.checked for r in reports)} records in {len(reports)} hash chains)")
        set_hub(None)
    n_alerts = sum(r.get("type") == "alert" for r in records)
    _out.print(f"[bold]{n_alerts} alerts[/bold], {len(records) - n_alerts} resolutions.")
    raise typer.Exit(0 if n_alerts and accepted == len(results) else EXIT_REJECTED)
