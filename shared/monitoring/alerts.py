"""Deciding a monitor's alerts from its consecutive runs (issue #17): only changes beyond noise.

The newest ``persistence`` judged runs (the window) are compared with the ``baseline_runs`` judged
runs before them (the baseline), question by question (paired.py): brand × model × metric
comparisons, one family, Holm-adjusted. A change alerts when it is significant at the level on the
pooled window, **and** on each window run on its own (its own family, Holm-adjusted too), in the
same direction and at least ``min_change`` in size. Once it has alerted, the same kind, brand and
model do not alert again while the alerting run is still compared. A run with too few answered
cells is not judged (``coverage_low``) and does not count towards persistence.

Why a baseline longer than the window: the baseline is the "normal" the change is measured
against; four runs of it wobble half as much as two, so a real drop stands out sooner and a
merely lucky baseline stops producing a false alarm. The 0/1 metrics use the stratified exact
test, which stays exact with unequal sides; average rank and model divergence use the sign test
against the last ``persistence`` baseline runs only, equally many runs on each side.

Comparisons (metric → kinds, down / up):
- every tracked brand: visibility → ``disappeared`` (none left) or ``visibility_drop`` /
  ``visibility_rise`` (a competitor's rise is ``competitor_emerged``);
- brands the answers recommend that the user did not list: visibility up → ``competitor_emerged``;
- the main brand: first-position rate → ``first_position_lost`` / ``_won``; average rank (up =
  worse) → ``rank_degraded`` (its floor is one position, not ``min_change``);
- the main brand, with two or more models: one model's visibility change minus the mean change of
  the others, per question → ``model_divergence``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from shared.monitoring.alert_settings import AlertSettings
from shared.monitoring.alert_types import Alert, AlertKind, Interval
from shared.monitoring.outcomes import RunOutcomes, question_counts, question_rates
from shared.monitoring.paired import bootstrap_interval, holm, sign_test, stratified_test

TEST_NAME = ("stratified exact test by question (McNemar exact on paired cells; sign test for rank and "
             "divergence), Holm over brand x model x metric, pooled window and each window run")
RANK_MIN_CHANGE = 1.0
MAX_CELLS = 20
# A brand the user did not list is tested only once the answers recommend it for this many questions.
DISCOVERED_MIN_QUESTIONS = 2


@dataclass(frozen=True)
class Comparison:
    brand: str
    model: str
    metric: str
    down: AlertKind | None
    up: AlertKind | None
    diffs: dict[int, float]
    before: float
    after: float
    p_value: float

    @property
    def delta(self) -> float:
        return self.after - self.before


def _paired(base: dict[int, float], current: dict[int, float]) -> tuple[dict[int, float], float, float]:
    questions = sorted(base.keys() & current.keys())
    if not questions:
        return {}, 0.0, 0.0
    before = sum(base[q] for q in questions) / len(questions)
    after = sum(current[q] for q in questions) / len(questions)
    return {q: current[q] - base[q] for q in questions}, before, after


@dataclass(frozen=True)
class Baseline:
    """The baseline runs pooled: all of them (0/1 metrics), and the last `persistence` (sign tests)."""

    every: RunOutcomes
    even: RunOutcomes


def baseline_of(runs: Sequence[RunOutcomes], persistence: int) -> Baseline:
    return Baseline(every=pooled(runs), even=pooled(runs[-persistence:]))


def _compare(base: Baseline, current: RunOutcomes, brand: str, model: str, metric: str,
             down: AlertKind | None, up: AlertKind | None) -> Comparison:
    if metric == "average_rank":
        diffs, before, after = _paired(question_rates(base.even, model, brand, metric),
                                       question_rates(current, model, brand, metric))
        return Comparison(brand, model, metric, down, up, diffs, before, after, sign_test(list(diffs.values())))
    diffs, before, after = _paired(question_rates(base.every, model, brand, metric),
                                   question_rates(current, model, brand, metric))
    p_value = stratified_test(question_counts(base.every, model, brand, metric),
                              question_counts(current, model, brand, metric))
    return Comparison(brand, model, metric, down, up, diffs, before, after, p_value)


def _divergence(base: Baseline, current: RunOutcomes, brand: str, model: str, models: list[str]) -> Comparison:
    """One model's per-question visibility change against the mean change of the other models."""
    per_model = {}
    for m in models:
        per_model[m] = _paired(question_rates(base.even, m, brand, "visibility"),
                               question_rates(current, m, brand, "visibility"))[0]
    others = [m for m in models if m != model]
    questions = sorted(set(per_model[model]).intersection(*(per_model[m] for m in others)))
    diffs = {q: per_model[model][q] - sum(per_model[m][q] for m in others) / len(others) for q in questions}
    gap = sum(diffs.values()) / len(diffs) if diffs else 0.0
    return Comparison(brand, model, "visibility_vs_other_models", "model_divergence", "model_divergence",
                      diffs, 0.0, gap, sign_test(list(diffs.values())))


def discovered_brands(run: RunOutcomes) -> list[str]:
    tracked = {run.brand, *run.competitors}
    questions: dict[str, set[int]] = {}
    for cell in run.cells:
        for name in cell.mentioned - tracked:
            questions.setdefault(name, set()).add(cell.question)
    return sorted(name for name, qs in questions.items() if len(qs) >= DISCOVERED_MIN_QUESTIONS)


def comparisons(base: Baseline, current: RunOutcomes, settings: AlertSettings,
                discovered: Sequence[str] = ()) -> list[Comparison]:
    """The family of one run's comparisons with the baseline, p-values not yet adjusted."""
    models = sorted(set(base.every.models) & set(current.models))
    found: list[Comparison] = []
    for model in models:
        for brand in (current.brand, *current.competitors):
            up: AlertKind = "visibility_rise" if brand == current.brand else "competitor_emerged"
            found.append(_compare(base, current, brand, model, "visibility", "visibility_drop", up))
        for brand in discovered:
            found.append(_compare(base, current, brand, model, "visibility", None, "competitor_emerged"))
        found.append(_compare(base, current, current.brand, model, "first_position_rate",
                              "first_position_lost", "first_position_won"))
        # Rank grows when it gets worse: "up" is the degradation.
        found.append(_compare(base, current, current.brand, model, "average_rank", None, "rank_degraded"))
        # With two models the test is symmetric (A against B mirrors B against A): run it once.
        if len(models) >= 3 or (len(models) == 2 and model == models[0]):
            found.append(_divergence(base, current, current.brand, model, models))
    return found


def _kind(c: Comparison) -> AlertKind | None:
    kind = c.down if c.delta < 0 else c.up if c.delta > 0 else None
    if kind == "visibility_drop" and c.after == 0.0:
        return "disappeared"
    return kind


Passed = dict[tuple[str, str, str], tuple[Comparison, float]]


def significant(family: list[Comparison], settings: AlertSettings) -> Passed:
    """Comparisons that pass: adjusted p < level and change >= the floor, by (brand, model, metric)."""
    adjusted = holm([c.p_value for c in family], settings.correction)
    passed = {}
    for c, p in zip(family, adjusted, strict=True):
        floor = RANK_MIN_CHANGE if c.metric == "average_rank" else settings.min_change
        if p < settings.level and abs(c.delta) >= max(floor, 1e-9) and _kind(c) in settings.kinds:
            passed[(c.brand, c.model, c.metric)] = (c, p)
    return passed


def _shown_cells(current: RunOutcomes, c: Comparison) -> list[str]:
    """Cells of the current run whose answers show the change, in the questions that moved its way."""
    moved = {q for q, d in c.diffs.items() if (d < 0) == (c.delta < 0) and d != 0}
    shown = []
    for cell in current.cells:
        if cell.model != c.model or cell.question not in moved or not cell.answered:
            continue
        mentioned, first = c.brand in cell.mentioned, cell.ranks.get(c.brand) == 1
        if c.metric in ("visibility", "visibility_vs_other_models"):
            shows = mentioned == (c.delta > 0)
        elif c.metric == "first_position_rate":
            shows = first == (c.delta > 0)
        else:
            shows = c.brand in cell.ranks
        if shows:
            shown.append(cell.cell_id)
    return shown[:MAX_CELLS]


def _message(kind: AlertKind, c: Comparison, interval: tuple[float, float], runs: int, level: float) -> str:
    who = f"{c.model} on {c.brand}"
    confidence = f"{round((1 - level) * 100)}% interval"
    if c.metric == "average_rank":
        return (f"{who}: average rank {c.before:.1f} -> {c.after:.1f} ({c.delta:+.1f} positions, {confidence} "
                f"{interval[0]:+.1f} to {interval[1]:+.1f}), held {runs} runs in a row")
    if c.metric == "visibility_vs_other_models":
        return (f"{who}: this model's visibility moved {c.after * 100:+.0f} points against the other models "
                f"({confidence} {interval[0] * 100:+.0f} to {interval[1] * 100:+.0f}), held {runs} runs in a row")
    label = {"visibility": "mentioned in", "first_position_rate": "recommended first in"}[c.metric]
    return (f"{who}: {kind.replace('_', ' ')} — {label} {c.after:.0%} of answers, was {c.before:.0%} "
            f"({c.delta * 100:+.0f} points, {confidence} {interval[0] * 100:+.0f} to {interval[1] * 100:+.0f}), "
            f"held {runs} runs in a row")


def _coverage_alert(monitor: str, current: RunOutcomes, baseline: RunOutcomes | None) -> Alert:
    failed = [c.cell_id for c in current.cells if not c.answered]
    return Alert(
        id=f"{monitor}.coverage_low.-.-.{current.run_id}", monitor=monitor, kind="coverage_low", metric="coverage",
        before=baseline.coverage if baseline else None, after=current.coverage,
        delta=(current.coverage - baseline.coverage) if baseline else None,
        run_id=current.run_id, slot=current.slot, baseline_run_id=baseline.run_id if baseline else "",
        cells=failed[:MAX_CELLS], at=time.time(), test="coverage",
        message=f"only {current.coverage:.0%} of this run's cells were answered ({len(failed)} failed): "
                f"too few to judge a change",
    )


def pooled(runs: Sequence[RunOutcomes]) -> RunOutcomes:
    """Several runs as one: per question, the rate over all their answered samples."""
    last = runs[-1]
    cells = [cell for run in runs for cell in run.cells]
    return RunOutcomes(run_id="+".join(r.run_id for r in runs), slot=last.slot, brand=last.brand,
                       competitors=last.competitors, cells=cells)


def _key(alert: Alert) -> tuple[str, str | None, str | None]:
    return (alert.kind, alert.brand, alert.model)


def history_needed(settings: AlertSettings) -> int:
    """How many ended runs to hand to `evaluate`: a window and its baseline, with room for skipped runs."""
    return 2 * (settings.persistence + max(settings.baseline_runs, settings.persistence)) + 2


def evaluate(monitor: str, runs: Sequence[RunOutcomes], settings: AlertSettings,
             previous: Sequence[Alert] = ()) -> list[Alert]:
    """Alerts raised by the newest run of `runs` (oldest first; runs that ended, with their cells).

    Window = the newest `persistence` judged runs, baseline = the max(`baseline_runs`,
    `persistence`) judged runs before them. The change must be significant on the pooled window
    (Holm over the family) and on each window run on its own (Holm over that run's family), in the
    same direction and at least the floor in size. `previous` alerts of the same kind, brand and
    model raised by a run still in the window or baseline suppress a repeat: one change, one alert.
    """
    if not runs:
        return []
    current = runs[-1]
    judged = [r for r in runs if r.coverage >= settings.min_coverage]
    if current.coverage < settings.min_coverage:
        alerts = [_coverage_alert(monitor, current, judged[-1] if judged else None)]
        return alerts if "coverage_low" in settings.kinds else []
    n = settings.persistence
    span = n + max(settings.baseline_runs, n)
    if len(judged) < span:
        return []
    baseline_runs, window = judged[-span:-n], judged[-n:]
    baseline = baseline_of(baseline_runs, n)
    discovered = discovered_brands(current)
    held = significant(comparisons(baseline, pooled(window), settings, discovered), settings)
    for run in window:
        family = comparisons(baseline, run, settings, discovered)
        adjusted = holm([c.p_value for c in family], settings.correction)
        each = {(c.brand, c.model, c.metric): (c, p) for c, p in zip(family, adjusted, strict=True)}
        held = {key: (c, p) for key, (c, p) in held.items() if _persists(c, each.get(key), settings)}
    recent_ids = {r.run_id for r in (*baseline_runs, *window)}
    seen = {_key(a) for a in previous if a.run_id in recent_ids}
    alerts = []
    for comparison, adjusted_p in held.values():
        kind = _kind(comparison)
        assert kind is not None
        interval = bootstrap_interval(list(comparison.diffs.values()), settings.level, settings.bootstrap,
                                      seed=f"{monitor}.{current.run_id}.{comparison.brand}.{comparison.model}")
        alert = Alert(
            id=f"{monitor}.{kind}.{comparison.brand}.{comparison.model}.{current.run_id}", monitor=monitor,
            kind=kind, brand=comparison.brand, model=comparison.model, metric=comparison.metric,
            before=comparison.before, after=comparison.after, delta=comparison.delta,
            interval=Interval(low=interval[0], high=interval[1]), p_value=comparison.p_value,
            adjusted_p=adjusted_p, test=TEST_NAME, persisted_runs=n, baseline_run_id=baseline_runs[-1].run_id,
            baseline_run_ids=[r.run_id for r in baseline_runs], window_run_ids=[r.run_id for r in window],
            run_id=current.run_id, slot=current.slot, cells=_shown_cells(current, comparison),
            message=_message(kind, comparison, interval, n, settings.level), at=time.time(),
        )
        if _key(alert) not in seen:
            alerts.append(alert)
    return sorted(alerts, key=lambda a: a.id)


def _persists(pooled_change: Comparison, single: tuple[Comparison, float] | None, settings: AlertSettings) -> bool:
    """One window run shows the pooled change on its own: same direction, at least the floor, and
    significant in its own family (Holm-adjusted), so one lucky day inside the window cannot carry it."""
    if single is None:
        return False
    change, adjusted_p = single
    floor = RANK_MIN_CHANGE if change.metric == "average_rank" else settings.min_change
    return _kind(change) == _kind(pooled_change) and abs(change.delta) >= floor and adjusted_p < settings.level
