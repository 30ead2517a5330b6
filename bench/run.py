"""`make bench`: every benchmark in one run, side by side, with ratios against their baselines and goals.

    .venv/bin/python bench/run.py [--e2e-messages 1000] [--e2e-children 100] [--sweep-children 100000]
                                  [--quick] [--no-write] [--only NAME ...]

Each benchmark runs in its own fresh interpreter, one after the other (never two at once, so they do
not compete for the two cores), and reports JSON (or, for bench_validation.py and bench_sweep.py,
which belong to their authors, its printed figures, parsed). The table is printed and written into
bench/RESULTS.md between the generated-results markers, with the machine and the date.
Exit status 0 when every goal is met, 1 otherwise (the table says which).
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH = ROOT / "bench"
RESULTS = BENCH / "RESULTS.md"
START, END = "<!-- results:start (bench/run.py writes this block) -->", "<!-- results:end -->"


def _run(args: list[str], timeout: float = 3600) -> tuple[str, float]:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if out.returncode not in (0, 1):  # 1 = ran, goal missed
        raise RuntimeError(f"{' '.join(args)} failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return out.stdout, time.perf_counter() - t0


def _json(args: list[str], timeout: float = 3600) -> tuple[dict, float]:
    out, secs = _run([*args, "--json"], timeout)
    return json.loads(out.strip().splitlines()[-1]), secs


def validation(quick: bool) -> dict:
    out, secs = _run(["bench/bench_validation.py", *(["--rounds", "5"] if quick else [])])
    found = {}
    for name, key in (("hub validate_message", "hub"), ("fhir.resources R4B Bundle.model_validate_json", "fhir"),
                      ("orjson.loads", "orjson")):
        m = re.search(rf"^{re.escape(name)}\s+([\d.]+)\s+([\d.]+)", out, re.M)
        if not m:
            raise RuntimeError(f"bench_validation.py output changed; no line for {name!r}:\n{out}")
        found[key] = float(m.group(1))
    return {"us_per_msg": found, "seconds": secs}


def sweep() -> dict:
    out, secs = _run(["bench/bench_sweep.py"])
    times = {int(m.group(1)): float(m.group(2))
             for m in re.finditer(r"^\s*(\d+) children, \d+ due: sweep\s+([\d.]+) ms", out, re.M)}
    ratio = re.search(r"ratio 100k/1k: ([\d.]+)", out)
    if not times or not ratio:
        raise RuntimeError(f"bench_sweep.py output changed:\n{out}")
    return {"ms": times, "ratio": float(ratio.group(1)), "seconds": secs}


def e2e_ab(messages: int) -> dict:
    """The runtime before (serial) and now (concurrent), one after the other on the same cohort."""
    base = ["bench/bench_e2e.py", "--messages", str(messages), "--children", str(max(1, messages // 10))]
    serial, _ = _json([*base, "--serial"])
    concurrent, _ = _json(base)
    return {"serial": serial, "concurrent": concurrent}


def projection(r: dict) -> dict:
    """bench/projection.py's monthly cost from this run's end-to-end calls and storage, at 1x and 10x."""
    from bench.projection import project

    if "e2e" not in r:
        raise RuntimeError("the projection needs the e2e benchmark's figures: run it with --only e2e projection")
    cpu_ms = r.get("cpu", {}).get("ms_per_message", {}).get("total", 1.9)
    return {scale: project(r["e2e"], cpu_ms, 256, 2e6 * scale, 12e6, 4.0) for scale in (1, 10)}


def _row(rows, name, measured, baseline, ratio, goal, met):
    rows.append([name, measured, baseline, ratio, goal, "yes" if met else ("NO" if met is not None else "-")])


def build_table(r: dict) -> tuple[list[list[str]], bool]:
    rows: list[list[str]] = []
    if "validation" in r:
        v = r["validation"]["us_per_msg"]
        _row(rows, "validation: hub vs fhir.resources R4B", f"{v['hub']:.1f} us/msg", f"{v['fhir']:.1f} us/msg",
             f"{v['fhir'] / v['hub']:.1f}x faster", ">= 10x", v["fhir"] / v["hub"] >= 10)
        _row(rows, "validation: hub vs orjson.loads (parse floor)", f"{v['hub']:.1f} us/msg", f"{v['orjson']:.1f} us/msg",
             f"{v['hub'] / v['orjson']:.1f}x the floor", "<= 3x", v["hub"] / v["orjson"] <= 3)
    if "coldstart" in r:
        c = r["coldstart"]
        for h, x in c["handlers"].items():
            _row(rows, f"cold start: import hub.handlers.{h}", f"{x['ms']:.0f} ms", f"boto3 {c['boto3_ms']:.0f} ms",
                 f"{x['ratio']:.2f}x", f"<= {c['goal_ratio']}x", x["ratio"] <= c["goal_ratio"])
        for m, x in c["all_modules"].items():
            _row(rows, f".pyc everywhere vs none: import {m}", f"{x['pyc_ms']:.0f} ms", f"{x['no_pyc_ms']:.0f} ms",
                 f"{x['speedup']:.1f}x faster", "(info)", None)
        for m, x in c["hub_code"].items():
            _row(rows, f"compileall of the hub code only: {m}", f"{x['pyc_ms']:.0f} ms", f"{x['no_pyc_ms']:.0f} ms",
                 f"{x['speedup']:.2f}x faster", "(info)", None)
    if "cpu" in r:
        ms = r["cpu"]["ms_per_message"]
        _row(rows, "CPU per message: ingest + router + rules (AWS stubbed)", f"{ms['total']:.2f} ms",
             f"ingest {ms['ingest']:.2f} / router {ms['router']:.2f} / rules {ms['rules']:.2f}", "-",
             f"<= {r['cpu']['goal_ms']} ms", ms["total"] <= r["cpu"]["goal_ms"])
    if "memory" in r:
        m = r["memory"]
        items = list(m["functions"].items()) + ([("sweep, 100k children", m["sweep_100k"])] if "sweep_100k" in m else [])
        for name, x in items:
            aim = {"ingest": 128, "router": 128}.get(name)
            goal = "2x peak <= MemorySize" + (" (aim 128 MB)" if aim else "")
            met = x["fits_2x"] and (aim is None or x["peak_mb"] * 2 <= aim)
            _row(rows, f"peak RSS: {name} (batch of 10)" if "sweep," not in name else f"peak RSS: {name}",
                 f"{x['peak_mb']:.0f} MB", f"MemorySize {x['memory_size_mb']} MB",
                 f"{x['peak_mb'] * 2 / x['memory_size_mb']:.2f} of it at 2x", goal, met)
    if "sweep" in r:
        s = r["sweep"]
        _row(rows, "rules sweep: 100k vs 1k children (100 due)", f"{s['ms'].get(100000, 0):.1f} ms",
             f"{s['ms'].get(1000, 0):.1f} ms", f"{s['ratio']:.2f}x", "<= 1.5x", s["ratio"] <= 1.5)
    if "e2e" in r:
        e = r["e2e"]
        ok = e["drained"] and set(e["statuses"]) == {"202"}
        _row(rows, f"end to end: {e['messages']} msgs, {e['children']} children, HTTP, emulator {e['emulator']}, "
             f"runtime {e.get('runtime', 'serial')}", f"{e['end_to_end_per_second']:.1f} msg/s",
             f"ingest alone {e['ingest_per_second']:.1f} msg/s", f"{e['total_seconds']:.0f} s", ">= 50 msg/s",
             ok and e["end_to_end_per_second"] >= 50)
        calls = e.get("aws_calls")
        if calls:
            _row(rows, "AWS calls per accepted message (botocore before-call, all functions)",
                 f"{calls['per_message']:.1f}", "~19 (issue 15)", f"{calls['per_message'] / 19:.2f}x", "<= 8",
                 calls["per_message"] <= 8)
            for fn, n in calls["by_function"].items():
                ops = ", ".join(f"{op} {v:g}" for op, v in sorted(calls["by_operation"][fn].items(), key=lambda x: -x[1]))
                _row(rows, f"AWS calls per message: {fn}", f"{n:.2f}", "-", "-", ops, None)
    if "soak" in r:
        k = r["soak"]
        done = k["sent"] == k["messages"] and k["drained"] and k["total_seconds"] <= k["budget_seconds"]
        lost = k["dead_lettered"] + sum(v for c, v in k["statuses"].items() if c != "202")
        _row(rows, f"soak: {k['messages']:,} msgs, {k['children']:,} children, embedded stack",
             f"{k['sent']:,} sent in {k['budget_seconds']:.0f} s, drained {'yes' if k['drained'] else 'NO'}, "
             f"{lost} not accepted or dead-lettered", f"{k['messages']:,} msgs",
             f"{k['sent'] / k['messages']:.2f} of them; {k['end_to_end_per_second']:.1f} msg/s",
             f"all in <= {k['budget_seconds']:.0f} s, none lost", done and lost == 0)
    if "projection" in r:
        for scale, x in sorted(r["projection"].items()):
            top = sorted(x["monthly_usd"].items(), key=lambda kv: -kv[1])[:2]
            share = ", ".join(f"{name} {v / x['total_usd']:.0%}" for name, v in top)
            i = x["inputs"]
            _row(rows, f"national projection {scale}x: {i['messages_per_month'] / 30.44 / 1e6:.0f} M msgs/day, "
                 f"{i['children'] / 1e6:.0f} M children, eu-west-2 list prices", f"${x['total_usd']:,.0f}/month",
                 f"{i['calls_per_message']:.1f} calls, {i['gb_s_per_message']:.3f} GB-s/msg", "-",
                 f"(info) largest: {share}", None)
    if "e2e_ab" in r:
        a, b = r["e2e_ab"]["serial"], r["e2e_ab"]["concurrent"]
        _row(rows, f"local runtime: concurrent vs serial, {a['messages']} msgs side by side",
             f"{b['end_to_end_per_second']:.1f} msg/s", f"serial {a['end_to_end_per_second']:.1f} msg/s",
             f"{b['end_to_end_per_second'] / a['end_to_end_per_second']:.2f}x", "(info)", None)
    ok = all(row[-1] != "NO" for row in rows)
    return rows, ok


def render(rows: list[list[str]], machine: dict, args, durations: dict) -> str:
    head = ["benchmark", "measured", "baseline", "ratio", "goal", "met"]
    lines = [f"Machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}, {machine['os']}.  ",
             f"Date: {machine['date']}. Command: `make bench` (`.venv/bin/python bench/run.py"
             f"{' ' + ' '.join(args) if args else ''}`).", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c).replace("|", "/") for c in row) + " |" for row in rows]
    lines += ["", "Wall time per benchmark: " + ", ".join(f"{k} {v:.0f} s" for k, v in durations.items()) + "."]
    return "\n".join(lines)


def write_results(block: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\n" + START + "\n" + END + "\n"
    if START not in text:
        text += "\n" + START + "\n" + END + "\n"
    pre, rest = text.split(START, 1)
    post = rest.split(END, 1)[1] if END in rest else ""
    RESULTS.write_text(pre + START + "\n" + block + "\n" + END + post)


def main() -> int:
    from bench.common import machine, table

    ap = argparse.ArgumentParser()
    ap.add_argument("--e2e-messages", type=int, default=1000)
    ap.add_argument("--e2e-children", type=int, default=100)
    ap.add_argument("--ab-messages", type=int, default=200, help="size of the serial vs concurrent runtime runs")
    ap.add_argument("--sweep-children", type=int, default=100_000, help="state table size for the sweep memory run")
    ap.add_argument("--soak-messages", type=int, default=10_000)
    ap.add_argument("--soak-budget", type=float, default=300, help="seconds the soak may take (issue 15: 5 minutes)")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run, not for RESULTS.md)")
    ap.add_argument("--no-write", action="store_true")
    steps_all = ["validation", "coldstart", "cpu", "memory", "sweep", "e2e", "e2e_ab", "soak", "projection"]
    ap.add_argument("--only", nargs="*", choices=steps_all)
    args = ap.parse_args()
    wanted = set(args.only or steps_all)
    r: dict = {}
    durations: dict = {}
    steps = [
        ("validation", lambda: validation(args.quick)),
        ("coldstart", lambda: _json(["bench/bench_coldstart.py", "--reps", "3" if args.quick else "7"])),
        ("cpu", lambda: _json(["bench/bench_cpu.py", "--rounds", "1" if args.quick else "3"])),
        ("memory", lambda: _json(["bench/bench_memory.py", "--sweep-children", str(args.sweep_children)])),
        ("sweep", sweep),
        ("e2e", lambda: _json(["bench/bench_e2e.py", "--messages", str(args.e2e_messages),
                               "--children", str(args.e2e_children)])),
        ("e2e_ab", lambda: e2e_ab(args.ab_messages)),
        ("soak", lambda: _json(["bench/bench_e2e.py", "--messages", str(args.soak_messages), "--children",
                                str(args.soak_messages // 10), "--budget", str(args.soak_budget)])),
        ("projection", lambda: projection(r)),
    ]
    for name, fn in steps:
        if name not in wanted:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        out = fn()
        r[name] = out[0] if isinstance(out, tuple) else out
        durations[name] = time.perf_counter() - t0
    rows, ok = build_table(r)
    m = machine()
    print(table(["benchmark", "measured", "baseline", "ratio", "goal", "met"], rows,
                title=f"Safeguarding Hub benchmarks, {m['date']} on {m['cpu']} ({m['cores']} cores)"))
    (ROOT / ".local").mkdir(exist_ok=True)
    (ROOT / ".local" / "bench-last-run.json").write_text(json.dumps({"machine": m, "results": r}, indent=1, default=str))
    if not args.no_write and not args.quick:
        passed = [a for a in sys.argv[1:]]
        write_results(render(rows, m, passed, durations))
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
