"""The providers' official SDKs against the simulator process, over real HTTP.

The simulator fixtures are the resilience suite's (one real simulator process per session, reset
for every test); the SDKs are pinned in pyproject's dev extras.
"""

from __future__ import annotations

from tests.resilience.conftest import Simulator, sim, simulator_process

__all__ = ["Simulator", "sim", "simulator_process"]
