"""`python -m services.dispatcher`: the dispatcher process."""

from __future__ import annotations

import asyncio
import sys

from services.dispatcher.service import Dispatcher
from shared.runtime import bootstrap, run_until_stopped


async def _make() -> Dispatcher:
    settings, catalogue = bootstrap()
    return Dispatcher(settings, catalogue)


def main() -> int:
    return asyncio.run(run_until_stopped(_make))


if __name__ == "__main__":
    sys.exit(main())
