"""A real simulator process for the smoke-live command to call as if it were a provider."""

from __future__ import annotations

from tests.resilience.conftest import Simulator, sim, simulator_process

__all__ = ["Simulator", "sim", "simulator_process"]
