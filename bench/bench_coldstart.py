"""Cold start: import time of each handler module in a fresh interpreter, vs `import boto3`; and the
effect of shipping compiled .pyc files.

    .venv/bin/python bench/bench_coldstart.py [--reps 7] [--json]

Each figure is the median over --reps fresh interpreters of the wall time of the import statement
alone (perf_counter around it; interpreter start-up is the same for every contender and excluded).
Goal: every handler <= 2x `import boto3`.

The .pyc comparison runs the same imports with PYTHONPYCACHEPREFIX pointing at
- an empty directory, with PYTHONDONTWRITEBYTECODE=1: nothing is compiled, every module (stdlib,
  boto3, Powertools, pydantic, the hub) is compiled from source at import, as in a build without .pyc;
- a directory filled beforehand by `python -m compileall`-equivalent warm-up: every module loads its .pyc,
  as in a build that ran compileall.
A second pair isolates the hub's own code: the package copied to a temporary CodeUri with and without
`compileall` (dependencies keep their pip-installed .pyc files).
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HANDLERS = ["ingest", "router", "rules", "sweep", "authorizer", "audit_api", "audit_digest", "task_api", "mailbox_api",
            "conformance", "console"]
GOAL_RATIO = 1.5  # issue 15: the heaviest handler imports in <= 1.5x `import boto3`
ENV = {"POWERTOOLS_SERVICE_NAME": "safeguarding-hub", "POWERTOOLS_METRICS_NAMESPACE": "SafeguardingHub",
       "AWS_DEFAULT_REGION": "eu-west-2", "AWS_REGION": "eu-west-2"}


def _import_time(module: str, *, env: dict | None = None, pythonpath: str | None = None) -> float:
    import os

    code = ("import time, sys\n"
            f"t = time.perf_counter(); import {module}; d = time.perf_counter() - t\n"
            "print(d)")
    e = {**os.environ, **ENV, **(env or {})}
    e = {k: v for k, v in e.items() if v is not None}  # None: unset (e.g. a global PYTHONDONTWRITEBYTECODE)
    if pythonpath is not None:
        e["PYTHONPATH"] = pythonpath
    out = subprocess.run([sys.executable, "-c", code], env=e, cwd=str(ROOT) if pythonpath is None else "/",
                         capture_output=True, text=True, check=True, timeout=120)
    return float(out.stdout.strip().splitlines()[-1])


def median_import(module: str, reps: int, **kw) -> float:
    return statistics.median(_import_time(module, **kw) for _ in range(reps))


def measure(reps: int = 7) -> dict:
    import os

    res: dict = {"reps": reps, "goal_ratio": GOAL_RATIO}
    boto = median_import("boto3", reps)
    res["boto3_ms"] = boto * 1000
    res["handlers"] = {}
    for h in HANDLERS:
        t = median_import(f"hub.handlers.{h}", reps)
        res["handlers"][h] = {"ms": t * 1000, "ratio": t / boto}

    # .pyc everywhere vs nowhere
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as filled:
        nopyc = {"PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"}
        withpyc = {"PYTHONPYCACHEPREFIX": filled, "PYTHONDONTWRITEBYTECODE": None}
        for h in HANDLERS:  # fill the prefix: the compileall equivalent for every imported module
            _import_time(f"hub.handlers.{h}", env=withpyc)
        _import_time("boto3", env=withpyc)
        res["all_modules"] = {}
        for mod in ["boto3", "hub.handlers.ingest", "hub.handlers.rules"]:
            a = median_import(mod, reps, env=nopyc)
            b = median_import(mod, reps, env=withpyc)
            res["all_modules"][mod] = {"no_pyc_ms": a * 1000, "pyc_ms": b * 1000, "speedup": a / b}

    # the hub's own code only, as a CodeUri with and without compileall
    site = [p for p in sys.path if p.endswith("site-packages")]
    with tempfile.TemporaryDirectory() as build:
        code_uri = Path(build) / "functions"
        shutil.copytree(ROOT / "functions", code_uri, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        path = os.pathsep.join([str(code_uri), *site])
        res["hub_code"] = {}
        plain = {h: median_import(f"hub.handlers.{h}", reps, env={"PYTHONDONTWRITEBYTECODE": "1"}, pythonpath=path)
                 for h in ("ingest", "rules")}
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(code_uri)], check=True)
        compiled = {h: median_import(f"hub.handlers.{h}", reps, env={"PYTHONDONTWRITEBYTECODE": "1"}, pythonpath=path)
                    for h in ("ingest", "rules")}
        for h in plain:
            res["hub_code"][h] = {"no_pyc_ms": plain[h] * 1000, "pyc_ms": compiled[h] * 1000,
                                  "speedup": plain[h] / compiled[h]}
    return res


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    res = measure(args.reps)
    if args.json:
        print(json.dumps(res))
        return 0
    print(f"import boto3: {res['boto3_ms']:.0f} ms (median of {args.reps} fresh interpreters)")
    for h, r in res["handlers"].items():
        print(f"  hub.handlers.{h:13} {r['ms']:6.0f} ms  {r['ratio']:.2f}x boto3")
    for title, key in (("every module", "all_modules"), ("hub code only", "hub_code")):
        print(f".pyc effect ({title}):")
        for m, r in res[key].items():
            print(f"  {m:22} no .pyc {r['no_pyc_ms']:6.0f} ms, .pyc {r['pyc_ms']:6.0f} ms, {r['speedup']:.1f}x")
    worst = max(r["ratio"] for r in res["handlers"].values())
    return 0 if worst <= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
