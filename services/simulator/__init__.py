"""Provider simulator: a local HTTP server speaking the OpenAI-compatible, Anthropic and Gemini wire
formats with persona-driven brand answers, latency and fault injection. See docs/simulator.md."""

from services.simulator.config import FaultSpec, ModelSettings, Percentiles, SimulatorConfig, load_config
from services.simulator.server import Simulator, start_simulator

__all__ = [
    "FaultSpec",
    "ModelSettings",
    "Percentiles",
    "Simulator",
    "SimulatorConfig",
    "load_config",
    "start_simulator",
]
