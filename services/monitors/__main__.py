"""`python -m services.monitors`: the monitors process."""

from __future__ import annotations

import sys

from services.monitors.service import Monitors
from shared.runtime import bootstrap, run_service, run_until_stopped


def main() -> int:
    settings, catalogue = bootstrap()

    async def make() -> Monitors:
        return Monitors(settings, catalogue)

    return run_service(run_until_stopped(make), settings.event_loop)


if __name__ == "__main__":
    sys.exit(main())
