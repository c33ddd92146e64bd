"""Whether a model can take jobs now, from the adapters' heartbeats in the health bucket."""

from __future__ import annotations

import time

import nats.js.errors
from nats.js.kv import KeyValue

from shared.catalogue import Catalogue
from shared.contracts import ModelHealth, health_decoder

# Heartbeats are written every few seconds; an entry older than this means the adapter is gone
# even if the bucket TTL has not removed it yet.
STALE_AFTER_S = 20.0


async def read_health(kv: KeyValue, model: str) -> ModelHealth | None:
    try:
        entry = await kv.get(model)
    except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
        return None
    if not entry.value:
        return None
    try:
        return health_decoder.decode(entry.value)
    except Exception:  # noqa: BLE001 - a garbled heartbeat counts as no heartbeat
        return None


def readiness_problem(
    catalogue: Catalogue, model: str, health: ModelHealth | None, now: float | None = None
) -> str | None:
    """None when the model is ready; otherwise why not, naming what to fix."""
    spec = catalogue.get(model)
    if spec is None:
        return f"unknown model {model!r}"
    now = time.time() if now is None else now
    if health is None or now - health.at > STALE_AFTER_S:
        hint = f"; it needs {spec.api_key_env} set in the adapter's environment" if spec.api_key_env else ""
        return (f"model {model!r} is not configured: no adapter is running for it (start one with "
                f"`python -m services.adapter --model {model}`){hint}")
    if health.state == "not_configured":
        return f"model {model!r} is not configured: {health.reason or 'missing ' + spec.api_key_env}"
    if health.state == "quota_exhausted" and (health.until is None or health.until > now):
        return f"model {model!r} has used up its daily quota: {health.reason or 'until the provider resets it'}"
    if health.state == "misconfigured":
        return f"model {model!r} is misconfigured: {health.reason or 'the provider rejected its credentials'}"
    return None
