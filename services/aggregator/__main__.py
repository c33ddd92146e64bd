"""`python -m services.aggregator`: the aggregator process."""

from __future__ import annotations

import sys

from services.aggregator.service import Aggregator
from shared.runtime import bootstrap, run_service, run_until_stopped


def main() -> int:
    settings, catalogue = bootstrap()

    async def make() -> Aggregator:
        return Aggregator(settings, catalogue)

    return run_service(run_until_stopped(make), settings.event_loop)


if __name__ == "__main__":
    sys.exit(main())
