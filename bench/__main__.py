"""`python -m bench [--quick] [--only makespan,uniform,recovery,overhead,scaleout,users] [--profile] [--cells N]`.

See docs/performance.md for what each scenario measures and how.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from bench import makespan, overhead, recovery, report, scaleout, uniform, users
from shared.logging import configure_logging

SCENARIOS = ("makespan", "uniform", "recovery", "overhead", "scaleout", "users")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny scale (seconds): proves the bench runs")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios to run")
    parser.add_argument("--profile", action="store_true",
                        help="also profile an extra overhead run with py-spy (summary in the results)")
    parser.add_argument("--cells", type=int, default=10_000, help="cells per overhead run (default 10,000)")
    parser.add_argument("--out", type=Path, default=report.RESULTS_DIR, help="directory for the results JSON")
    return parser.parse_args(argv)


async def run_scenarios(names: list[str], *, quick: bool, profile: bool, cells: int = 10_000) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": report.machine(), "quick": quick, "load_average_start": report.load_average(),
                               "scenarios": {}, "seconds": {}}
    for name in names:
        started = time.perf_counter()
        if name == "makespan":
            outcome = await (makespan.run(questions=4, repeats=1, serial_questions=1, models=3, scale=1 / 500)
                             if quick else makespan.run())
        elif name == "uniform":
            outcome = await (uniform.run(questions=12, repeats=1, models=3, latency_ms=100) if quick else uniform.run())
        elif name == "recovery":
            outcome = await (recovery.run(repeats=1, questions=24, latency_ms=1000) if quick else recovery.run())
        elif name == "overhead":
            outcome = await (overhead.run(cells=200, repeats=1, warmup_cells=40, rss_marks=(10, 100))
                             if quick else overhead.run(cells=cells, profile=profile))
        elif name == "scaleout":
            outcome = await (scaleout.run(cells=40, repeats=1) if quick else scaleout.run())
        elif name == "users":
            outcome = await (users.run(users=3, big_cells=120, repeats=1) if quick else users.run())
        else:
            raise SystemExit(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
        results["scenarios"][name] = outcome
        results["seconds"][name] = round(time.perf_counter() - started, 1)
        print(f"bench: {name} done in {results['seconds'][name]} s", file=sys.stderr, flush=True)
    results["load_average_end"] = report.load_average()
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # The bench's own clients log a warning each time they disconnect at the end of a stack.
    configure_logging("error")
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    started = time.perf_counter()
    results = asyncio.run(run_scenarios(names, quick=args.quick, profile=args.profile, cells=args.cells))
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    path = report.write(results, args.out)
    print(report.table(results))
    if profiled := report.profile_text(results):
        print(profiled)
    print(f"\nresults: {path} ({results['total_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
