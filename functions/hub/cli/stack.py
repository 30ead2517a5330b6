"""`safeguard up|send|alerts|inbox|redrive|agency|demo`: the hub on this machine, for people.

Exit codes: 0 ok; 1 something was rejected or nothing was found; 2 bad usage; 3 the stack is unreachable.
"""
from __future__ import annotations

import http.client
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
REPO_ROOT = Path(__file__).resolve().parents[3]


def repo_path(rel: str) -> Path:
    """A repository path as given when it exists from the CWD, else inside the repository (any CWD works)."""
    return Path(rel) if Path(rel).exists() else REPO_ROOT / rel


DEFAULT_SCENARIO = repo_path("events/scenarios/child-s")
_out = Console(width=None if os.isatty(1) else 160)
_err = Console(stderr=True)

agency = typer.Typer(help="Agency API keys: issue, list, revoke (provisioning and rotation).", no_args_is_help=True)
app.add_typer(agency, name="agency")


# ---------------------------------------------------------------- local stack files
def use_local_stack_env() -> bool:
    """Point boto3 and the composition root at the stack `safeguard up` started (its stack file), unless
    the environment already names a stack (the functions' variables, e.g. for real AWS) or AWS_ENDPOINT_URL
    names another emulator than the file's."""
    from hub.settings import STATE_TABLE

    if os.environ.get(STATE_TABLE) or not STACK_FILE.exists():
        return False
    from hub.local.deploy import StackInfo

    info = StackInfo.load(STACK_FILE)
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint and endpoint.rstrip("/") != info.endpoint_url.rstrip("/"):
        return False  # another emulator: the stack file is not about it
    os.environ.update(info.env)
    os.environ.update({"AWS_ENDPOINT_URL": info.endpoint_url, "AWS_DEFAULT_REGION": info.region,
                       "AWS_REGION": info.region})
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    return True


def _api_file() -> dict:
    return json.loads(API_FILE.read_text()) if API_FILE.exists() else {}


def _write_api_file(data: dict) -> None:
    """Mode 0600, replaced atomically so a reader never sees half a file."""
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    tmp = API_FILE.with_name(f".{API_FILE.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
    os.replace(tmp, API_FILE)


def _hub():
    from hub.bootstrap import get_hub

    return get_hub()


def _stack_hub(setting: str):
    """The hub of the running stack (the local one, or the environment's); exit 3 when none is named."""
    use_local_stack_env()
    hub = _hub()
    if not getattr(hub.settings, setting):
        _err.print("[red]No stack to talk to: start `safeguard up` (it writes "
                   f"{STACK_FILE}), or set the functions' environment variables.[/red]")
        raise typer.Exit(EXIT_UNREACHABLE)
    return hub


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

    registry = _stack_hub("agencies_table").agencies
    try:
        cred, token = issue_key(registry, ods, kind, now=datetime.now(timezone.utc))
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
    registry = _stack_hub("agencies_table").agencies
    try:
        creds = registry.list()
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
    registry = _stack_hub("agencies_table").agencies
    try:
        cred = registry.get(key_id)
        if cred is None:
            _err.print(f"[red]No key {key_id}[/red]")
            raise typer.Exit(EXIT_REJECTED)
        if not cred.revoked_at:
            registry.revoke(key_id, datetime.now(timezone.utc).isoformat())
    except typer.Exit:
        raise
    except Exception as exc:  # noqa: BLE001 - connection problems
        raise _unreachable(exc)
    if API_FILE.exists():  # `safeguard send` must not keep using a revoked local key
        data = _api_file()
        keys = data.get("keys", {})
        stale = [ods for ods, k in keys.items() if str(k.get("key", "")).startswith(f"sgh_{key_id}_")]
        if stale:
            for ods in stale:
                del keys[ods]
            _write_api_file(data)
    _out.print(f"revoked {key_id} ({cred.ods}, {cred.kind})" if not cred.revoked_at
               else f"{key_id} was already revoked at {cred.revoked_at}")


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


def _keys_for_senders(files: list[Path], keys: dict, agencies: list[dict]) -> dict:
    """Issue local keys for senders that have none, and remember them in api.json."""
    from hub.core.replay import guess_kind

    kinds = {a["ods"]: a["kind"] for a in agencies}
    wanted: dict[str, str] = {}
    for path in files:
        try:
            bundle = json.loads(path.read_bytes())
        except (ValueError, RecursionError, OSError):
            continue
        ods = _sender_ods(bundle)
        if not ods or ods in keys or ods in wanted:
            continue
        org = next((e.get("resource") for e in bundle.get("entry", []) if isinstance(e, dict)
                    and e.get("fullUrl") == (bundle["entry"][0].get("resource") or {}).get("sender", {}).get("reference")), {})
        kind = kinds.get(ods) or guess_kind(org or {})
        if kind:
            wanted[ods] = kind
    if not wanted:
        return keys
    use_local_stack_env()
    try:
        issued = _provision([{"ods": o, "kind": k} for o, k in wanted.items()])
    except Exception:  # noqa: BLE001 - unreachable stack or a bad ODS: send without a key (401)
        return keys
    data = _api_file()
    data.setdefault("keys", {}).update(issued)
    _write_api_file(data)
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
    data = _api_file()
    local = api_url is None and bool(data.get("api_url"))
    api_url = api_url or data.get("api_url")
    if not api_url:
        _err.print("[red]No API URL: start `safeguard up`, or pass --api-url[/red]")
        raise typer.Exit(EXIT_USAGE)
    keys = data.get("keys", {})
    if local and api_key is None:
        keys = _keys_for_senders(files, keys, _load_agencies(agencies) if agencies else [])
    try:
        results = _send_files(api_url, files, keys, api_key, not json_out)
    except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
        _err.print(f"[red]The hub API at {api_url} is unreachable ({type(exc).__name__}). Is `safeguard up` running?[/red]")
        raise typer.Exit(EXIT_UNREACHABLE)
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
    """Read every visible message; delete the matching ones unless `keep`.

    Messages left on the queue stay hidden until the read is over (so none is read twice), then are made
    visible again. On a FIFO queue a kept message blocks the rest of its group, so `keep` sees at most
    one batch (10) per message group; each read also counts towards the queue's maxReceiveCount.
    """
    queues, sqs, out, kept = _hub().queues, _hub().clients.sqs, [], []
    try:
        while True:
            batch = queues.receive(url, max_messages=10, wait_seconds=0, visibility_timeout=60)
            if not batch:
                break
            for m in batch:
                attrs = {k: v.get("StringValue") for k, v in m.get("MessageAttributes", {}).items()}
                if match is None or match(attrs):
                    out.append({"body": json.loads(m["Body"]), "attributes": attrs})
                    if not keep:
                        queues.delete(url, m["ReceiptHandle"])
                        continue
                kept.append(m["ReceiptHandle"])
    finally:
        for i in range(0, len(kept), 10):
            sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
                {"Id": str(j), "ReceiptHandle": h, "VisibilityTimeout": 0} for j, h in enumerate(kept[i:i + 10])])
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
           keep: bool = typer.Option(False, help="leave the records on the queue (a read still counts towards its maxReceiveCount)")) -> None:
    """Read alert and resolution records from the alerts queue (consumes them unless --keep)."""
    hub = _stack_hub("alerts_queue_url")
    try:
        records = [m["body"] for m in _drain_queue(hub.settings.alerts_queue_url, keep=keep)]
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
    hub = _stack_hub("outbox_queue_urls")
    urls = hub.settings.outbox_queue_urls
    if kind and kind not in urls:
        _err.print(f"[red]No outbox for kind {kind!r}; kinds: {', '.join(sorted(urls))}[/red]")
        raise typer.Exit(EXIT_USAGE)
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


def _stack_resources() -> dict[str, str]:
    """Logical id -> physical id of the stack `safeguard up` (or the LocalStack runner) deployed."""
    from hub.local.deploy import StackInfo

    for path in (STACK_FILE, os.environ.get("HUB_LOCAL_STACK_FILE")):
        if path and Path(path).exists():
            return StackInfo.load(path).resources
    return {}


def _dlq_sources() -> dict[str, str]:
    """DLQ logical id -> logical id of the queue whose RedrivePolicy names it, from template.yaml."""
    from hub.local.template import load_template

    out = {}
    for lid, r in load_template()["Resources"].items():
        target = ((r.get("Properties") or {}).get("RedrivePolicy") or {}).get("deadLetterTargetArn")
        if isinstance(target, dict) and target.get("Fn::GetAtt"):
            out[target["Fn::GetAtt"][0]] = lid
    return out


@app.command()
def redrive(queue: str = typer.Argument(..., help="a DLQ's logical id from template.yaml (e.g. RulesDLQ), or its URL"),
            max_messages: Optional[int] = typer.Option(None, "--max", min=1, help="move at most this many"),
            json_out: bool = typer.Option(False, "--json")) -> None:
    """Move a DLQ's messages back to the queue that feeds it (per the template's RedrivePolicy)."""
    use_local_stack_env()
    sources, names = _dlq_sources(), _stack_resources()
    if queue.startswith(("http://", "https://")):
        dlq_url, by_url = queue, {url: lid for lid, url in names.items()}
        dlq_id = by_url.get(queue, queue)
        target = names.get(sources.get(dlq_id, ""), "")
        if not target:  # not a queue of the local stack file: ask SQS which queue dead-letters into it
            try:
                found = _hub().queues.dead_letter_sources(queue)
            except Exception as exc:  # noqa: BLE001
                raise _unreachable(exc)
            if len(found) != 1:
                _err.print(f"[red]{queue} is the DLQ of {len(found)} queues; redrive needs exactly one[/red]")
                raise typer.Exit(EXIT_USAGE)
            target = found[0]
    else:
        if queue not in sources:
            _err.print(f"[red]{queue} is not a DLQ in template.yaml; DLQs: {', '.join(sorted(sources))}[/red]")
            raise typer.Exit(EXIT_USAGE)
        if queue not in names or sources[queue] not in names:
            _err.print("[red]No stack file names these queues: run `safeguard up` first, or pass the DLQ's URL[/red]")
            raise typer.Exit(EXIT_UNREACHABLE)
        dlq_id, dlq_url, target = queue, names[queue], names[sources[queue]]
    try:
        moved = _hub().queues.redrive(dlq_url, target, max_messages=max_messages)
    except Exception as exc:  # noqa: BLE001
        raise _unreachable(exc)
    if json_out:
        print(json.dumps({"dlq": dlq_url, "target": target, "moved": moved}))
    else:
        _out.print(f"moved {moved} message(s) from {dlq_id} to {sources.get(dlq_id) or target}")


# ---------------------------------------------------------------- up / demo
def _load_agencies(path: Path | None) -> list[dict]:
    path = path or DEFAULT_SCENARIO / "agencies.json"
    return json.loads(path.read_text()) if path.exists() else []


@app.command()
def up(port: int = typer.Option(8080, help="API port on 127.0.0.1 (0 picks a free one)"),
       agencies: Optional[Path] = typer.Option(None, exists=True, dir_okay=False, help="JSON list of {ods, kind} to issue keys for"),
       json_out: bool = typer.Option(False, "--json", help="print one JSON line {api_url, endpoint, keys} when ready"),
       ) -> None:
    """Start the embedded stack (moto server + the functions) and serve the API until Ctrl-C or SIGTERM."""
    from hub.bootstrap import set_hub
    from hub.local.stack import local_stack

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        stack = local_stack(api_port=port, schedules=True, save_to=STACK_FILE, failed_visibility_timeout=5).start()
    except OSError as exc:  # e.g. the port is taken
        _err.print(f"[red]Could not start the stack: {exc}[/red]")
        raise typer.Exit(EXIT_USAGE)
    try:
        stack.stack_info.save(STACK_FILE)  # also when an earlier deploy was reused (HUB_LOCAL_STACK_FILE)
        set_hub(None)
        keys = _provision(_load_agencies(agencies))
        _write_api_file({"api_url": stack.api_url, "keys": keys})
        if json_out:
            print(json.dumps({"api_url": stack.api_url, "endpoint": stack.endpoint, "keys": keys}), flush=True)
        else:
            table = Table("ODS", "kind", "API key", title=f"Safeguarding Hub at {stack.api_url}")
            for ods, k in keys.items():
                table.add_row(ods, k["kind"], k["key"])
            _out.print(table)
        _err.print(f"AWS endpoint {stack.endpoint}; stack file {STACK_FILE}. "
                   "Try: safeguard send events/valid/injury-observed.json; safeguard alerts. Ctrl-C stops.")
        while not stop.wait(0.5):
            pass
    finally:
        for f in (STACK_FILE, API_FILE):
            f.unlink(missing_ok=True)
        stack.stop()
        set_hub(None)
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
