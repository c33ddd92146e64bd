"""Per-model response latency: a lognormal fitted to observed p50/p90, scaled down for local runs."""

from __future__ import annotations

import math
import random
import re

from services.simulator.config import Percentiles, SimulatorConfig
from services.simulator.personas import persona_for

# z-score of the 90th percentile of a standard normal.
_Z90 = 1.2815515655446004
# A per-request latency set by the caller (only with `honour_latency_hints`): `[latency_ms=1234]` for
# every model, or `[latency_ms:deepseek-chat=1234]` for one model id (one question, many models).
_LATENCY_HINT = re.compile(r"\[latency_ms(?::([^\]=\s]{1,100}))?=(\d{1,7}(?:\.\d+)?)\]")


def latency_hint_seconds(text: str, model: str) -> float | None:
    """The latency `text` asks for when `model` answers, in seconds; None without a marker.

    A marker naming `model` wins over an unnamed one; markers naming other models are ignored.
    """
    generic: float | None = None
    for match in _LATENCY_HINT.finditer(text):
        named, value = match.group(1), float(match.group(2)) / 1000.0
        if named == model:
            return value
        if named is None and generic is None:
            generic = value
    return generic


def lognormal_params(p50_ms: float, p90_ms: float) -> tuple[float, float]:
    """(mu, sigma) of the lognormal whose median is p50 and 90th percentile is p90."""
    p50 = max(p50_ms, 1e-3)
    return math.log(p50), max(math.log(max(p90_ms, p50) / p50) / _Z90, 0.0)


class LatencyModel:
    """Draws latencies. Built-in per-persona defaults are multiplied by `latency_scale`; latencies set
    in the config file are taken as given (a test that configures 50 ms means 50 ms)."""

    def __init__(self, config: SimulatorConfig) -> None:
        self._scale = config.latency_scale
        self._overrides = config.models
        self._rng = random.Random(config.seed)
        # model -> fixed seconds, or (mu, sigma, multiplier) of a lognormal in milliseconds.
        self._params: dict[str, float | tuple[float, float, float]] = {}

    def _params_for(self, model: str) -> float | tuple[float, float, float]:
        cached = self._params.get(model)
        if cached is not None:
            return cached
        settings = self._overrides.get(model)
        spec = settings.latency_ms if settings is not None else None
        params: float | tuple[float, float, float]
        if isinstance(spec, Percentiles):
            params = (*lognormal_params(spec.p50, spec.p90), 1.0)
        elif spec is not None:
            params = float(spec) / 1000.0
        else:
            persona = persona_for(model)
            params = (*lognormal_params(persona.latency_p50_ms, persona.latency_p90_ms), self._scale)
        self._params[model] = params
        return params

    def seconds(self, model: str) -> float:
        """One latency draw for `model` in seconds (0.0 at scale 0 for built-in defaults)."""
        params = self._params_for(model)
        if isinstance(params, float):
            return params
        mu, sigma, multiplier = params
        if multiplier <= 0:
            return 0.0
        return self._rng.lognormvariate(mu, sigma) * multiplier / 1000.0
