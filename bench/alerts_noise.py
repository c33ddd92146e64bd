"""How often monitor alerts fire on pure noise, and how fast a true 20-point drop is caught (issue #17).

Offline and fast: each simulated day draws every cell's answer from the simulator's own
distribution (services/simulator/answers.compose_answer: a question's answer varies by variant; a
day's sample picks a variant at random), analyses it with the real analyser, and runs the alert
engine (shared.monitoring.alerts.evaluate) on the day's cells, exactly as the monitors service
does after each run. The drop is the simulator's visibility shift (left_out) applied to a share of
answers chosen so that the brand's visibility falls by 20 points.

    .venv/bin/python -m bench.alerts_noise [--trials 20] [--days 30] [--questions 10] [--samples 3]
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
import time
from dataclasses import dataclass

from services.simulator.answers import compose_answer
from shared.analysis.analyser import analyse
from shared.brand import Brand
from shared.monitoring.alert_settings import AlertSettings
from shared.monitoring.alert_types import Alert
from shared.monitoring.alerts import evaluate, history_needed
from shared.monitoring.outcomes import CellOutcome, RunOutcomes

BRAND = "志邦"
COMPETITORS = ["欧派", "索菲亚", "尚品宅配", "好莱客"]
MODELS = ["deepseek-chat", "qwen-max"]
QUESTIONS = [
    "全屋定制品牌哪家好", "定制衣柜选哪个牌子", "整体橱柜推荐", "全屋定制十大品牌排名", "定制家居怎么选品牌",
    "衣柜定制哪个品牌环保", "橱柜品牌推荐一下", "板式家具品牌有哪些", "全屋定制性价比高的品牌", "定制衣柜口碑好的品牌",
    "定制橱柜哪家质量好", "全屋定制装修选什么品牌", "定制家居品牌对比", "衣柜品牌排行榜", "整体橱柜哪个牌子耐用",
    "全屋定制避坑品牌推荐", "定制衣柜环保板材品牌", "橱柜衣柜一体定制推荐", "小户型全屋定制品牌", "高端全屋定制品牌",
]
VARIANTS = 16  # the simulator's SAMPLE_VARIANTS: repeated samples cycle through these


@functools.cache
def outcome(model: str, question: int, variant: int, shifted: bool) -> tuple[frozenset[str], tuple[tuple[str, int], ...]]:  # noqa: E501 - one signature
    answer = compose_answer(model, QUESTIONS[question], BRAND, variant, False, 0, (BRAND,) if shifted else ())
    analysis = analyse(answer.content, Brand(name=BRAND), [Brand(name=n) for n in COMPETITORS])
    mentioned = {n for n, b in analysis.brands.items() if b.mentioned} | set(analysis.discovered)
    ranks = {n: b.rank for n, b in analysis.brands.items() if b.rank is not None}
    return frozenset(mentioned), tuple(sorted(ranks.items()))


@dataclass
class World:
    questions: int
    samples: int
    remove_rate: float = 0.0
    shift_day: int | None = None

    def day(self, rng: random.Random, day: int) -> RunOutcomes:
        cells = []
        for model in MODELS:
            for q in range(self.questions):
                for s in range(self.samples):
                    shifted = self.shift_day is not None and day >= self.shift_day and rng.random() < self.remove_rate
                    mentioned, ranks = outcome(model, q, rng.randrange(VARIANTS), shifted)
                    cells.append(CellOutcome(cell_id=f"{model}-{q}-{s}", question=q, model=model, answered=True,
                                             mentioned=mentioned, ranks=dict(ranks)))
        return RunOutcomes(run_id=f"day{day}", slot=f"day{day}", brand=BRAND, competitors=COMPETITORS, cells=cells)


def base_visibility(questions: int, model: str) -> float:
    hits = [BRAND in outcome(model, q, v, False)[0] for q in range(questions) for v in range(VARIANTS)]
    return sum(hits) / len(hits)


def noise(trials: int, days: int, world: World, settings: AlertSettings) -> dict[str, object]:
    per_trial: list[int] = []
    kinds: dict[str, int] = {}
    for trial in range(trials):
        rng = random.Random(f"noise-{trial}")
        runs: list[RunOutcomes] = []
        raised = 0
        previous: list[Alert] = []
        for day in range(days):
            runs.append(world.day(rng, day))
            new = evaluate("noise", runs[-history_needed(settings):], settings, previous)
            previous += new
            for alert in new:
                raised += 1
                kinds[alert.kind] = kinds.get(alert.kind, 0) + 1
        per_trial.append(raised)
    return {"trials": trials, "days": days, "alerts_total": sum(per_trial),
            "trials_with_an_alert": sum(1 for n in per_trial if n), "kinds": kinds}


def detection(trials: int, world: World, settings: AlertSettings, horizon: int = 15) -> dict[str, object]:
    """Runs from the first shifted run until the main brand's drop alerts (per model), over trials."""
    needed: list[int] = []
    missed = 0
    shift_day = 5
    for trial in range(trials):
        rng = random.Random(f"drop-{trial}")
        shifted = World(world.questions, world.samples, world.remove_rate, shift_day)
        runs: list[RunOutcomes] = []
        found = None
        for day in range(shift_day + horizon):
            runs.append(shifted.day(rng, day))
            alerts = evaluate("drop", runs[-history_needed(settings):], settings)
            dropped = any(a.brand == BRAND and a.kind in ("visibility_drop", "disappeared") for a in alerts)
            if dropped and day >= shift_day:
                found = day - shift_day + 1
                break
        if found is None:
            missed += 1
        else:
            needed.append(found)
    return {"trials": trials, "remove_rate": round(world.remove_rate, 3), "detected": len(needed), "missed": missed,
            "runs_needed_median": statistics.median(needed) if needed else None,
            "runs_needed_max": max(needed) if needed else None,
            "runs_needed_distribution": {str(k): needed.count(k) for k in sorted(set(needed))}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--level", type=float, default=AlertSettings().level)
    parser.add_argument("--min-change", type=float, default=AlertSettings().min_change)
    parser.add_argument("--persistence", type=int, default=AlertSettings().persistence)
    parser.add_argument("--baseline-runs", type=int, default=AlertSettings().baseline_runs)
    args = parser.parse_args()
    started = time.monotonic()
    settings = AlertSettings(level=args.level, min_change=args.min_change, persistence=args.persistence,
                             baseline_runs=args.baseline_runs)
    world = World(args.questions, args.samples)
    base = min(base_visibility(args.questions, m) for m in MODELS)
    # The share of answers to leave the brand out of so its visibility falls by 20 points.
    world.remove_rate = min(1.0, 0.20 / base)
    result = {
        "setup": {"brand": BRAND, "competitors": COMPETITORS, "models": MODELS, "questions": args.questions,
                  "samples": args.samples,
                  "base_visibility": {m: round(base_visibility(args.questions, m), 3) for m in MODELS},
                  "level": args.level, "min_change": args.min_change, "persistence": args.persistence,
                  "baseline_runs": args.baseline_runs},
        "noise": noise(args.trials, args.days, world, settings),
        "drop_20_points": detection(args.trials, world, settings),
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
