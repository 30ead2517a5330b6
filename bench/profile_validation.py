"""Where validation time goes: cProfile of hub `validate_message` over events/valid (for the validator's owner).

    .venv/bin/python bench/profile_validation.py [--rounds 200] [--top 25]

Prints the top functions by own time (tottime) and by cumulative time. Profiling inflates small
functions' share; read it for ranking, not for absolute µs (bench_validation.py has those).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    from hub.core.validation import validate_message

    bodies = [p.read_bytes() for p in sorted((ROOT / "events/valid").glob("*.json"))]
    for b in bodies:
        validate_message(b, content_type="application/fhir+json", caller=None, now=NOW)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(args.rounds):
        for b in bodies:
            validate_message(b, content_type="application/fhir+json", caller=None, now=NOW)
    prof.disable()
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats(key).print_stats(args.top)
        print(f"=== by {key} ({args.rounds} rounds x {len(bodies)} messages)")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])
    sys.stdout.flush()


if __name__ == "__main__":
    main()
