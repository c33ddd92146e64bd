"""`python -m services.adapter --model NAME`: the adapter process for one catalogue model."""

from __future__ import annotations

import argparse
import sys

from services.adapter.service import AdapterService
from shared.runtime import bootstrap, run_service, run_until_stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.adapter")
    parser.add_argument("--model", required=True, help="catalogue model name, e.g. sim-deepseek")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds in-flight cells get on SIGTERM")
    args = parser.parse_args(argv)
    settings, catalogue = bootstrap()
    spec = catalogue.get(args.model)
    if spec is None:
        print(f"unknown model {args.model!r}; valid: {', '.join(catalogue.names())}", file=sys.stderr)
        return 2

    async def make() -> AdapterService:
        return AdapterService(settings, spec, grace_s=args.grace)

    return run_service(run_until_stopped(make, stop_timeout_s=args.grace + 15), settings.event_loop)


if __name__ == "__main__":
    sys.exit(main())
