"""Simulator configuration: per-model latency overrides, faults to install at start, global knobs.

Loaded from the JSON file given with `--config`; unknown fields are ignored so files written for a
newer simulator still load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import msgspec

FaultMode = Literal["status", "rate_limit", "burst", "hang", "filter", "garbage", "empty", "slow", "truncate"]
FAULT_MODES: tuple[str, ...] = ("status", "rate_limit", "burst", "hang", "filter", "garbage", "empty", "slow",
                                "truncate")


class Percentiles(msgspec.Struct, frozen=True):
    p50: float
    p90: float


class ModelSettings(msgspec.Struct, frozen=True, kw_only=True):
    # Either a lognormal fitted to {"p50", "p90"} or a fixed number of milliseconds.
    latency_ms: Percentiles | float | None = None


class FaultSpec(msgspec.Struct, kw_only=True):
    """One fault rule. `model` is a model id or "*" for every model."""

    mode: FaultMode
    model: str = "*"
    # Probability that a matching request gets the fault.
    rate: float = 1.0
    # How many times it may apply before it is removed; None = unlimited (burst defaults to 3).
    count: int | None = None
    # status/burst: the HTTP status (status defaults to 500, burst to 503).
    status: int | None = None
    # Provider error code / type to report (e.g. insufficient_quota, overloaded_error, UNAVAILABLE).
    code: str | None = None
    message: str | None = None
    # Replaces the whole error body verbatim (status mode).
    body: object | None = None
    # rate_limit: advertised wait.
    retry_after_s: float = 1.0
    retry_after_ms: int | None = None
    # filter: finish | dashscope | ark | deepseek (OpenAI-compatible), safety | prompt (Gemini);
    # garbage: json (truncated JSON, default) | html;
    # truncate: cut (the answer stops at the output cap, default) | thinking (the whole cap went to
    # reasoning: no text at all).
    variant: str | None = None
    # slow: extra milliseconds, not scaled by --latency-scale.
    delay_ms: float = 1000.0


class VisibilityShift(msgspec.Struct, kw_only=True):
    """Leave a brand out of a share of recommendation answers from a given moment on (issue #17).

    Monitors need a real change to alert on: from `start_at` (epoch seconds; 0 = at once) a
    matching answer omits `brand` from its recommended options with probability `remove_rate`
    (decided per answer by a stable hash, so the same request is shifted the same way). Only
    answers that rank a category's brands are affected: a question that names the brand itself
    still gets an answer about it, as a real model would give.
    """

    brand: str
    model: str = "*"
    remove_rate: float = 1.0
    start_at: float = 0.0


class SimulatorConfig(msgspec.Struct, kw_only=True):
    # Real latencies are multiplied by this; 0 answers immediately.
    latency_scale: float = 0.02
    # Mixed into every answer and latency draw, so two simulators with different seeds differ.
    seed: int = 0
    models: dict[str, ModelSettings] = {}
    faults: list[FaultSpec] = []
    request_log_size: int = 20000
    # When true, a question containing `[latency_ms=N]` is answered after exactly N ms (not
    # scaled; a `slow` fault still adds its delay): benchmarks draw each cell's latency
    # themselves so they can compute the ideal makespan from the very same draws.
    honour_latency_hints: bool = False
    # Visibility shifts (see VisibilityShift); more can be added at run time on /_sim/shifts.
    shifts: list[VisibilityShift] = []
    # Judge prompts (judging.py): the share of verdicts given wrong, and with a quote that is not
    # in the answer (so brandlens must discard them). Seeded draws; 0 = a perfect judge.
    judge_wrong_rate: float = 0.0
    judge_bad_quote_rate: float = 0.0


def load_config(path: str | Path) -> SimulatorConfig:
    return msgspec.json.decode(Path(path).read_bytes(), type=SimulatorConfig)


def decode_fault(raw: bytes) -> FaultSpec:
    return msgspec.json.decode(raw, type=FaultSpec)


def decode_shift(raw: bytes) -> VisibilityShift:
    shift = msgspec.json.decode(raw, type=VisibilityShift)
    if not 0.0 <= shift.remove_rate <= 1.0:
        raise msgspec.ValidationError("remove_rate must be within 0..1 - at `$.remove_rate`")
    if not shift.brand.strip():
        raise msgspec.ValidationError("brand must not be empty - at `$.brand`")
    return shift
