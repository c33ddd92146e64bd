"""One validated configuration source: the environment.

Every setting has a default that makes the embedded stack work; every value is checked when a
process starts, and a bad one stops it with a message naming the variable (the replaced system
had several disagreeing .env files and failed at the first call instead).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import msgspec

T = TypeVar("T")


class SettingsError(ValueError):
    """A setting is invalid; the message names the environment variable and the reason."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    nats_url: str | None = None
    nats_user: str | None = None
    nats_password: str | None = None
    nats_creds: str | None = None
    nats_tls_ca: str | None = None
    home: Path = Path(".brandlens")
    models_path: str | None = None
    simulator_url: str | None = None
    # Request limits (dispatcher).
    max_cells: int = 2000
    max_question_chars: int = 500
    max_questions: int = 100
    max_competitors: int = 20
    max_request_bytes: int = 256 * 1024
    max_deadline_s: float = 7 * 24 * 3600.0
    # JetStream durability.
    replicas: int = 1
    retention_days: float = 30.0
    dedupe_window_s: float = 2 * 3600.0
    ack_wait_s: float = 30.0
    # AckWait of the adapters' job consumers: how long a killed adapter's jobs wait before another
    # adapter gets them. Short, because adapters send in-progress acks every third of it during a
    # call. BRANDLENS_JOB_ACK_WAIT_S, else BRANDLENS_ACK_WAIT_S when that is set, else 5 s.
    job_ack_wait_s: float = 5.0
    max_deliver: int = 5
    # The services' event loop: uvloop when installed (it is a dependency on Linux and macOS),
    # else asyncio's own; BRANDLENS_EVENT_LOOP=asyncio opts out.
    event_loop: str = "uvloop"
    # Analysis worker processes beside the aggregator (services/aggregator/analysis_pool.py):
    # -1 = one per core, at most 2 (none on one core); 0 = analyse in the aggregator's process.
    analysis_workers: int = -1
    # Logging.
    log_format: str = "auto"
    log_level: str = "info"

    @property
    def retention_s(self) -> float:
        return self.retention_days * 86400.0


def _get(env: Mapping[str, str], name: str, parse: Callable[[str], T], default: T, check: str = "") -> T:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r}: {exc}") from None
    if check == "positive" and not (isinstance(value, int | float) and value > 0):
        raise SettingsError(f"{name}={raw!r}: must be greater than 0")
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    fmt = env.get("BRANDLENS_LOG_FORMAT", "auto") or "auto"
    if fmt not in {"auto", "json", "console"}:
        raise SettingsError(f"BRANDLENS_LOG_FORMAT={fmt!r}: must be auto, json or console")
    level = (env.get("BRANDLENS_LOG_LEVEL", "info") or "info").lower()
    if level not in {"debug", "info", "warning", "error"}:
        raise SettingsError(f"BRANDLENS_LOG_LEVEL={level!r}: must be debug, info, warning or error")
    event_loop = (env.get("BRANDLENS_EVENT_LOOP", "uvloop") or "uvloop").lower()
    if event_loop not in {"uvloop", "asyncio"}:
        raise SettingsError(f"BRANDLENS_EVENT_LOOP={event_loop!r}: must be uvloop or asyncio")
    replicas = _get(env, "BRANDLENS_REPLICAS", int, 1, "positive")
    analysis_workers = _get(env, "BRANDLENS_ANALYSIS_WORKERS", int, -1)
    if not -1 <= analysis_workers <= 16:
        raise SettingsError(f"BRANDLENS_ANALYSIS_WORKERS={analysis_workers}: must be -1 (auto), 0 (none) or up to 16")
    if replicas not in (1, 3, 5):
        raise SettingsError(f"BRANDLENS_REPLICAS={replicas}: JetStream replicas must be 1, 3 or 5")
    ack_wait_s = _get(env, "BRANDLENS_ACK_WAIT_S", float, 30.0, "positive")
    return Settings(
        nats_url=env.get("NATS_URL") or None,
        nats_user=env.get("NATS_USER") or None,
        nats_password=env.get("NATS_PASSWORD") or None,
        nats_creds=env.get("NATS_CREDS") or None,
        nats_tls_ca=env.get("NATS_TLS_CA") or None,
        home=Path(env.get("BRANDLENS_HOME") or ".brandlens"),
        models_path=env.get("BRANDLENS_MODELS") or None,
        simulator_url=env.get("BRANDLENS_SIMULATOR_URL") or None,
        max_cells=_get(env, "BRANDLENS_MAX_CELLS", int, 2000, "positive"),
        max_question_chars=_get(env, "BRANDLENS_MAX_QUESTION_CHARS", int, 500, "positive"),
        max_questions=_get(env, "BRANDLENS_MAX_QUESTIONS", int, 100, "positive"),
        max_competitors=_get(env, "BRANDLENS_MAX_COMPETITORS", int, 20, "positive"),
        max_request_bytes=_get(env, "BRANDLENS_MAX_REQUEST_BYTES", int, 256 * 1024, "positive"),
        max_deadline_s=_get(env, "BRANDLENS_MAX_DEADLINE_S", float, 7 * 24 * 3600.0, "positive"),
        replicas=replicas,
        retention_days=_get(env, "BRANDLENS_RETENTION_DAYS", float, 30.0, "positive"),
        dedupe_window_s=_get(env, "BRANDLENS_DEDUPE_WINDOW_S", float, 7200.0, "positive"),
        ack_wait_s=ack_wait_s,
        job_ack_wait_s=_get(env, "BRANDLENS_JOB_ACK_WAIT_S", float,
                            ack_wait_s if env.get("BRANDLENS_ACK_WAIT_S") else 5.0, "positive"),
        max_deliver=_get(env, "BRANDLENS_MAX_DELIVER", int, 5, "positive"),
        event_loop=event_loop,
        analysis_workers=analysis_workers,
        log_format=fmt,
        log_level=level,
    )
