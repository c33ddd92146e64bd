"""The providers' official SDKs against the simulator process, over real HTTP.

The simulator fixtures are the resilience suite's (one real simulator process per session, reset
for every test), the recording fake provider the provider suite's; the SDKs are pinned in
pyproject's dev extras.
"""

from __future__ import annotations

from tests.providers.conftest import FakeProvider, fake_server, http_client, provider
from tests.resilience.conftest import Simulator, sim, simulator_process

__all__ = ["FakeProvider", "Simulator", "fake_server", "http_client", "provider", "sim", "simulator_process"]
