"""Timing the analyser on real corpus answers and on the simulator's benchmark answers.

Run ``.venv/bin/python -m tests.analysis.speed [answers.jsonl]`` to print medians; the corpus path
defaults to the reference corpus and falls back to the labelled fixtures when it is absent. Each
answer is timed as the best of several runs with a warm matcher cache, as an aggregator sees it
(one brand set per run, analysed for every cell).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from services.simulator.answers import compose_answer
from shared.analysis import analyse
from shared.brand import Brand
from tests.analysis.quality import load_fixtures

CORPUS = Path("/work/shared/corpus/answers.jsonl")
# The benchmark's diagnosis (bench/workload.py): its brands, topics and simulated models.
SIM_BRAND = Brand(name="欧派", aliases=["OPPEIN"])
SIM_COMPETITORS = [Brand(name="索菲亚", aliases=["SOGAL"]), Brand(name="志邦", aliases=["ZBOM"])]
SIM_TOPICS = ("全屋定制品牌哪家好", "定制衣柜选哪个牌子靠谱", "{brand}的口碑怎么样", "橱柜定制推荐哪些品牌")
SIM_MODELS = ("deepseek-chat", "doubao-seed-1-6", "qwen-max", "glm-4-plus", "moonshot-v1-8k", "ernie-4.0-8k")


def corpus_cases(path: Path = CORPUS) -> list[tuple[str, Brand, list[Brand]]]:
    rows: list[dict[str, Any]]
    if path.exists():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        rows = load_fixtures()
    return [(r["answer"], Brand(name=r["brand"]), [Brand(name=c) for c in r["competitors"]]) for r in rows]


def simulator_answers(count: int = 200) -> list[str]:
    """``count`` distinct simulator answers for the benchmark's questions, half with a self-report."""
    answers: list[str] = []
    variant = 0
    while len(answers) < count:
        for model in SIM_MODELS:
            for topic in SIM_TOPICS:
                question = f"{topic.format(brand=SIM_BRAND.name)} #{variant + 1}"
                answer = compose_answer(model, question, SIM_BRAND.name, variant, variant % 2 == 0)
                answers.append(answer.content)
        variant += 1
    return answers[:count]


def simulator_cases(count: int = 200) -> list[tuple[str, Brand, list[Brand]]]:
    return [(answer, SIM_BRAND, SIM_COMPETITORS) for answer in simulator_answers(count)]


def timings_ms(cases: list[tuple[str, Brand, list[Brand]]], repeats: int = 5) -> list[float]:
    """Best-of-``repeats`` milliseconds per case, matcher cache warm."""
    timings: list[float] = []
    for answer, brand, competitors in cases:
        analyse(answer, brand, competitors)
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            analyse(answer, brand, competitors)
            best = min(best, time.perf_counter() - start)
        timings.append(best * 1000)
    return timings


def summary(timings: list[float]) -> str:
    ordered = sorted(timings)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return (f"n={len(ordered)} median={statistics.median(ordered):.3f} ms p90={p90:.3f} ms "
            f"max={ordered[-1]:.3f} ms mean={statistics.fmean(ordered):.3f} ms")


def main() -> None:
    corpus = corpus_cases(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
    print("corpus:   ", summary(timings_ms(corpus)))
    print("simulator:", summary(timings_ms(simulator_cases())))


if __name__ == "__main__":
    main()
