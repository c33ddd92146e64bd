"""`python -m services.simulator --host 127.0.0.1 --port 8770 [--config FILE] [--latency-scale X] [--seed N]`"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from services.simulator.config import SimulatorConfig, load_config
from services.simulator.server import start_simulator
from shared.config import SettingsError, load_settings
from shared.runtime import run_service, tune_gc


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m services.simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8770, help="0 picks a free port")
    parser.add_argument("--config", help="JSON file: per-model latency, faults (see docs/simulator.md)")
    parser.add_argument("--latency-scale", type=float, default=None,
                        help="multiplier on real latencies (default 0.02; 0 = answer at once)")
    parser.add_argument("--seed", type=int, default=None, help="mixed into every answer and latency draw")
    parser.add_argument("--judge-wrong-rate", type=float, default=None,
                        help="share of judge verdicts given wrong (default 0)")
    parser.add_argument("--judge-bad-quote-rate", type=float, default=None,
                        help="share of judge verdicts given with a quote not in the answer (default 0)")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> SimulatorConfig:
    config = load_config(args.config) if args.config else SimulatorConfig()
    if args.latency_scale is not None:
        config.latency_scale = args.latency_scale
    if args.seed is not None:
        config.seed = args.seed
    if args.judge_wrong_rate is not None:
        config.judge_wrong_rate = args.judge_wrong_rate
    if args.judge_bad_quote_rate is not None:
        config.judge_bad_quote_rate = args.judge_bad_quote_rate
    return config


async def serve(args: argparse.Namespace) -> int:
    runner, port = await start_simulator(args.host, args.port, build_config(args))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    # Parent processes wait for exactly this line.
    print(f"simulator listening on http://{args.host}:{port}", flush=True)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        # The services' loop setting (BRANDLENS_EVENT_LOOP, uvloop by default): at zero latency the
        # simulator's CPU goes mostly to the loop's socket and callback work, which uvloop halves.
        event_loop = load_settings().event_loop
    except SettingsError as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 2
    tune_gc()
    try:
        return run_service(serve(args), event_loop)
    except OSError as exc:
        print(f"simulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
