"""`python -m services.aggregator`: the aggregator process."""

from __future__ import annotations

import asyncio
import sys

from services.aggregator.service import Aggregator
from shared.runtime import bootstrap, run_until_stopped


async def _make() -> Aggregator:
    settings, _catalogue = bootstrap()
    return Aggregator(settings)


def main() -> int:
    return asyncio.run(run_until_stopped(_make))


if __name__ == "__main__":
    sys.exit(main())
