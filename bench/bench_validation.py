"""Per-message validation time: the hub validator vs fhir.resources R4B vs plain orjson.loads.

    .venv/bin/python bench/bench_validation.py [--rounds N]

All three run side by side in one process on the same bodies (events/valid/*.json, as sent: pretty-printed),
interleaved round by round so machine load affects them alike; the best round per contender is reported.
Also prints which of the invalid examples each one catches.
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--loops", type=int, default=20, help="passes over all messages per round")
    args = ap.parse_args()

    t0 = time.perf_counter()
    from hub.core.validation import validate_message

    validate_message(b"{}", content_type=None, caller=None, now=NOW)  # builds the schema once
    t_hub_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate_json((ROOT / "events/valid/child-seen.json").read_bytes())
    t_fhir_import = time.perf_counter() - t0

    bodies = [p.read_bytes() for p in sorted((ROOT / "events/valid").glob("*.json"))]
    for b in bodies:  # sanity: all contenders accept every body
        assert validate_message(b, content_type="application/fhir+json", caller=None, now=NOW).status == 202
        Bundle.model_validate_json(b)
        orjson.loads(b)

    contenders = {
        "hub validate_message": lambda b: validate_message(b, content_type="application/fhir+json", caller=None,
                                                           now=NOW),
        "fhir.resources R4B Bundle.model_validate_json": Bundle.model_validate_json,
        "orjson.loads": orjson.loads,
    }
    samples: dict[str, list[float]] = {k: [] for k in contenders}
    n = len(bodies) * args.loops
    gc.disable()
    try:
        for _ in range(args.rounds):
            for name, fn in contenders.items():
                loops = args.loops if not name.startswith("fhir") else max(1, args.loops // 4)
                start = time.perf_counter()
                for _ in range(loops):
                    for b in bodies:
                        fn(b)
                samples[name].append((time.perf_counter() - start) / (len(bodies) * loops) * 1e6)
    finally:
        gc.enable()

    hub = min(samples["hub validate_message"])
    print(f"messages: {len(bodies)} bodies from events/valid, mean size "
          f"{statistics.mean(map(len, bodies)):.0f} bytes; {args.rounds} rounds x {n} validations")
    print(f"first use (import + schema build): hub {t_hub_import * 1e3:.0f} ms, fhir.resources "
          f"{t_fhir_import * 1e3:.0f} ms")
    print(f"{'contender':48} {'best us/msg':>12} {'median':>10} {'vs hub':>8}")
    for name, vals in samples.items():
        best = min(vals)
        print(f"{name:48} {best:12.1f} {statistics.median(vals):10.1f} {best / hub:7.2f}x")
    print(f"hub is {min(samples['fhir.resources R4B Bundle.model_validate_json']) / hub:.1f}x faster than "
          "fhir.resources (best rounds)")

    print("\nfaults caught (events/invalid): hub status | fhir.resources")
    for path in sorted((ROOT / "events/invalid").glob("*.json")):
        if path.name.endswith(".expected.json"):
            continue
        body = path.read_bytes()
        status = validate_message(body, content_type="application/fhir+json", caller=None, now=NOW).status
        try:
            Bundle.model_validate_json(body)
            fr = "accepts"
        except Exception as exc:  # noqa: BLE001
            fr = f"rejects ({type(exc).__name__})"
        print(f"  {path.name:45} {status:4} | {fr}")


if __name__ == "__main__":
    main()
