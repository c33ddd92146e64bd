"""How long a planned run will take: per model and for the run, before anything is sent.

A model's cells go through its concurrency slots in rounds, so its duration is
``ceil(cells / concurrency) × latency``; models are called in parallel, so the run takes as long
as its slowest model. The latency is the model's observed p50/p90 over its recent calls (the
adapter reports them in the health bucket), else the catalogue's ``latency_p50_s`` /
``latency_p90_s``; with neither, that model's duration is unknown and nothing is claimed.

Pure functions: the dispatcher (submit reply, the ``deadline_s`` check) and the CLI's
``--dry-run`` compute the same figures.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

from shared.catalogue import Catalogue
from shared.contracts import CellSpec, ModelEstimate, ModelHealth, RunEstimate

LatencySource = Literal["observed", "catalogue", "unknown"]
# Observed figures need this many recent calls before they replace the catalogue's.
MIN_OBSERVED_CALLS = 5
# The deadline a plan implies: its p90 duration with room for the pipeline and retries.
DEADLINE_MARGIN = 1.25
DEADLINE_FLOOR_S = 30.0


def model_latency(catalogue: Catalogue, model: str,
                  health: ModelHealth | None) -> tuple[LatencySource, float | None, float | None]:
    if (health is not None and health.latency_samples >= MIN_OBSERVED_CALLS
            and health.latency_p50_ms is not None and health.latency_p90_ms is not None):
        return "observed", health.latency_p50_ms / 1000, health.latency_p90_ms / 1000
    spec = catalogue.get(model)
    if spec is not None and spec.latency_p50_s is not None:
        return "catalogue", spec.latency_p50_s, spec.latency_p90_s or spec.latency_p50_s
    return "unknown", None, None


def latency_listing(catalogue: Catalogue, model: str, health: ModelHealth | None) -> dict[str, object]:
    """The latency fields of the models listing (what `--dry-run` estimates with)."""
    source, p50, p90 = model_latency(catalogue, model, health)
    return {"latency_source": source, "latency_p50_s": _round(p50), "latency_p90_s": _round(p90)}


def implied_deadline(duration_p90_s: float) -> float:
    """Rounded up to 10 s: a figure a person would type."""
    return max(DEADLINE_FLOOR_S, math.ceil(duration_p90_s * DEADLINE_MARGIN / 10) * 10)


def estimate_run(cells: list[CellSpec], catalogue: Catalogue, deadline_s: float,
                 health: Mapping[str, ModelHealth | None] | None = None) -> RunEstimate:
    by_model: dict[str, int] = {}
    for cell in cells:
        by_model[cell.model] = by_model.get(cell.model, 0) + 1
    models: list[ModelEstimate] = []
    for model, count in by_model.items():
        h = (health or {}).get(model)
        spec = catalogue.get(model)
        # The adapter's current limit (AIMD may have lowered it after 429s), else the catalogue's.
        concurrency = max(1, h.concurrency if h is not None and h.concurrency else (spec.concurrency if spec else 1))
        source, p50, p90 = model_latency(catalogue, model, h)
        rounds = math.ceil(count / concurrency)
        models.append(ModelEstimate(
            model=model, cells=count, concurrency=concurrency, latency_source=source,
            latency_p50_s=_round(p50), latency_p90_s=_round(p90),
            duration_p50_s=_round(rounds * p50) if p50 is not None else None,
            duration_p90_s=_round(rounds * p90) if p90 is not None else None,
        ))
    known = [m for m in models if m.duration_p50_s is not None]
    # A run with a model of unknown latency has no claimed duration: it would understate it.
    if not known or len(known) < len(models):
        return RunEstimate(duration_p50_s=None, duration_p90_s=None, implied_deadline_s=None,
                           deadline_s=deadline_s, fits=None, models=models)
    p50 = max(m.duration_p50_s or 0.0 for m in known)
    p90 = max(m.duration_p90_s or 0.0 for m in known)
    return RunEstimate(duration_p50_s=p50, duration_p90_s=p90, implied_deadline_s=implied_deadline(p90),
                       deadline_s=deadline_s, fits=p50 <= deadline_s, models=models)


def deadline_reason(estimate: RunEstimate) -> str:
    """Why `deadline_s` is too short for this plan, naming the slowest model and the way out."""
    slowest = max(estimate.models, key=lambda m: m.duration_p50_s or 0.0)
    return (f"the plan's expected duration is {estimate.duration_p50_s:g} s (p50; {slowest.model}: "
            f"{slowest.cells} cells over {slowest.concurrency} concurrent calls at ~{slowest.latency_p50_s:g} s, "
            f"{slowest.latency_source} latency), more than deadline_s={estimate.deadline_s:g}; set deadline_s to "
            f"at least {estimate.implied_deadline_s:g}, or allow_partial: true to accept the cells done by then")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def judge_estimate(catalogue: Catalogue, judge: str, cells: int, totals: dict[str, float]) -> list[str]:
    """What the judge may add: at most one job per cell, sent only for answers with an unsure
    verdict, which is known only once they are analysed (issue #12) — so an upper bound."""
    spec = catalogue.models[judge]
    per_job = spec.estimated_judge_cost()
    if per_job is None or spec.price is None:
        return [f"judge {judge}: at most {cells} judge jobs (one per answer with an unsure verdict); "
                "cost: unknown (no price in the catalogue)"]
    most = cells * per_job
    lines = [f"judge {judge}: at most {cells} judge jobs (one per answer with an unsure verdict), "
             f"≈ {per_job:.6f} {spec.price.currency} each: at most ≈ {most:.4f} {spec.price.currency}"]
    currency = spec.price.currency
    lines.append(f"estimated cost with the judge: at most {totals.get(currency, 0.0) + most:.4f} {currency}")
    return lines
