"""Start LocalStack in host mode, deploy the hub's data plane through its CloudFormation, run a command, stop.

Run by infra/localstack/run.sh (which builds the Python 3.13 LocalStack venv); needs the project's
.venv for boto3 and hub.local. Usage:

    .venv/bin/python infra/localstack/run.py --localstack-python .local/localstack-venv/bin/python \
        [--port 4566] [--stack-name hub-local] [-- COMMAND...]

COMMAND (default: .venv/bin/pytest -q tests/functional/test_local_target.py) runs with
AWS_ENDPOINT_URL pointing at LocalStack and HUB_LOCAL_STACK_FILE naming the deployed StackInfo, so
`hub.local.local_stack()` reuses that stack instead of deploying again. The exit code is COMMAND's.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "functions"))

SERVICES = "sqs,s3,sns,events,logs,iam,sts,kms,cloudformation,apigateway,dynamodb,secretsmanager,cloudwatch"


def localstack_env(port: int, fs_root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "OVERRIDE_IN_DOCKER": "0",  # the machine has /.dockerenv; without this FILESYSTEM_ROOT is ignored
        "FILESYSTEM_ROOT": str(fs_root),
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "GATEWAY_SERVER": "hypercorn",  # twisted binds 0.0.0.0 whatever GATEWAY_LISTEN says
        "LOCALSTACK_HOST": f"127.0.0.1:{port}",
        "SQS_ENDPOINT_STRATEGY": "path",  # *.localhost.localstack.cloud does not resolve here
        "DNS_ADDRESS": "0",  # else it binds port 53
        "DISABLE_EVENTS": "1",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "SERVICES": SERVICES,
        "PROVIDER_OVERRIDE_DYNAMODB": "moto",  # infra/localstack/plugin: no DynamoDB Local download
        "EAGER_SERVICE_LOADING": "0",
        # the plugin patches moto's TransactWriteItems to copy items, not tables (see the plugin's docstring)
        "HUB_MOTO_TRANSACTIONS": str(ROOT / "functions" / "hub" / "local" / "moto_transactions.py"),
    })
    return env


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"LocalStack exited with {proc.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(f"{url}/_localstack/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"LocalStack not healthy after {timeout}s")


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 10 s (one stop was seen to hang). By our own PID only."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cmd: list[str] = []
    if "--" in argv:
        i = argv.index("--")
        argv, cmd = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser()
    ap.add_argument("--localstack-python", required=True)
    ap.add_argument("--port", type=int, default=4566)
    ap.add_argument("--stack-name", default="hub-local")
    ap.add_argument("--state-dir", default=str(ROOT / ".localstack"))
    ap.add_argument("--health-timeout", type=float, default=90)
    args = ap.parse_args(argv)
    cmd = cmd or [str(ROOT / ".venv/bin/pytest"), "-q", "-p", "no:cacheprovider",
                  str(ROOT / "tests/functional/test_local_target.py")]

    state = Path(args.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    endpoint = f"http://127.0.0.1:{args.port}"
    timings: dict[str, float] = {}
    log_path = state / "localstack.log"
    t0 = time.monotonic()
    with open(log_path, "wb") as log_fh:
        proc = subprocess.Popen(
            [args.localstack_python, "-m", "localstack.runtime.main"],
            env=localstack_env(args.port, state / "fs"), stdout=log_fh, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, cwd=str(state),
        )
        print(f"[localstack] pid {proc.pid}, log {log_path}", flush=True)
        rc = 1
        try:
            wait_healthy(endpoint, proc, args.health_timeout)
            timings["start_to_healthy_s"] = time.monotonic() - t0
            os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
                              AWS_DEFAULT_REGION=os.environ.get("AWS_DEFAULT_REGION", "eu-west-2"))
            from hub.local.deploy import deploy_cloudformation

            t1 = time.monotonic()
            stack_file = ROOT / ".local" / "stack-localstack.json"
            info = deploy_cloudformation(stack_name=args.stack_name, save_to=stack_file)
            timings["cloudformation_deploy_s"] = time.monotonic() - t1
            print(f"[localstack] stack {args.stack_name}: {len(info.resources)} resources, "
                  f"{len(info.warnings)} warnings", flush=True)
            t2 = time.monotonic()
            env = {**os.environ, "HUB_LOCAL_STACK_FILE": str(stack_file)}
            rc = subprocess.call(cmd, env=env, cwd=str(ROOT))
            timings["command_s"] = time.monotonic() - t2
        finally:
            t3 = time.monotonic()
            stop(proc)
            timings["stop_s"] = time.monotonic() - t3
            timings["total_s"] = time.monotonic() - t0
            print("[localstack] timings " + json.dumps({k: round(v, 1) for k, v in timings.items()}), flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
