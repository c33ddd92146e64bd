"""Scoring the analyser against the hand-labelled fixtures (used by the tests and the docs).

Run ``.venv/bin/python -m tests.analysis.quality`` to print the figures and every mismatch.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.analysis import analyse
from shared.analysis.matching import matcher_for
from shared.contracts import Brand

FIXTURES = Path(__file__).parent / "fixtures" / "labelled.jsonl"


def load_fixtures() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURES.read_text(encoding="utf-8").splitlines() if line.strip()]


def brands_of(row: dict[str, Any]) -> tuple[Brand, list[Brand]]:
    return Brand(name=row["brand"]), [Brand(name=c) for c in row["competitors"]]


def _same_option(predicted: str, labelled: str, row: dict[str, Any]) -> bool:
    a, b = predicted.casefold(), labelled.casefold()
    if a == b or (len(a) >= 2 and a in b) or (len(b) >= 2 and b in a):
        return True
    matcher = matcher_for(*brands_of(row))
    found = matcher.brands_in(predicted)
    return bool(found) and found == matcher.brands_in(labelled)


def option_matches(predicted: list[str], labelled: list[str], row: dict[str, Any]) -> int:
    """Greedy one-to-one matches between predicted and labelled option names."""
    free = list(labelled)
    hits = 0
    for name in predicted:
        for candidate in free:
            if _same_option(name, candidate, row):
                free.remove(candidate)
                hits += 1
                break
    return hits


@dataclass
class Quality:
    n: int = 0
    mention_ok: int = 0
    rank_ok: int = 0
    tone_n: int = 0
    tone_ok: int = 0
    predicted_options: int = 0
    labelled_options: int = 0
    matched_options: int = 0
    tone_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    rank_confusion: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    @property
    def mention_accuracy(self) -> float:
        return self.mention_ok / self.n

    @property
    def rank_exact(self) -> float:
        return self.rank_ok / self.n

    @property
    def tone_agreement(self) -> float:
        return self.tone_ok / self.tone_n if self.tone_n else 1.0

    @property
    def option_precision(self) -> float:
        return self.matched_options / self.predicted_options if self.predicted_options else 1.0

    @property
    def option_recall(self) -> float:
        return self.matched_options / self.labelled_options if self.labelled_options else 1.0


def measure(rows: list[dict[str, Any]]) -> Quality:
    quality = Quality()
    for row in rows:
        brand, competitors = brands_of(row)
        label = row["label"]
        result = analyse(row["answer"], brand, competitors)
        main = result.brands[brand.name]
        quality.n += 1
        where = f"[{row['id']} {row['platform']}] {row['question'][:20]} / {brand.name}"
        if main.mentioned == label["main_mentioned"]:
            quality.mention_ok += 1
        else:
            quality.misses.append(f"{where}: mentioned {main.mentioned}, label {label['main_mentioned']}")
        if main.rank == label["main_rank"]:
            quality.rank_ok += 1
            quality.rank_confusion["exact (ranked)" if main.rank else "exact (unranked)"] += 1
        else:
            kind = "ranked, label unranked" if label["main_rank"] is None else (
                "unranked, label ranked" if main.rank is None else "different position")
            quality.rank_confusion[kind] += 1
            quality.misses.append(f"{where}: rank {main.rank}, label {label['main_rank']}")
        if label["main_tone"] is not None:
            quality.tone_n += 1
            quality.tone_confusion[(label["main_tone"], str(main.tone))] += 1
            if main.tone == label["main_tone"]:
                quality.tone_ok += 1
            else:
                quality.misses.append(f"{where}: tone {main.tone} ({main.sentiment}), label {label['main_tone']}")
        hits = option_matches(result.recommended, label["recommended"], row)
        quality.predicted_options += len(result.recommended)
        quality.labelled_options += len(label["recommended"])
        quality.matched_options += hits
        if hits != len(result.recommended) or hits != len(label["recommended"]):
            quality.misses.append(f"{where}: options {result.recommended} vs label {label['recommended']}")
    return quality


def median_ms(rows: list[dict[str, Any]], repeats: int = 5) -> float:
    timings: list[float] = []
    for row in rows:
        brand, competitors = brands_of(row)
        analyse(row["answer"], brand, competitors)  # warm the matcher cache as a run would
        best = min(_timed(row["answer"], brand, competitors) for _ in range(repeats))
        timings.append(best)
    return statistics.median(timings) * 1000


def _timed(answer: str, brand: Brand, competitors: list[Brand]) -> float:
    start = time.perf_counter()
    analyse(answer, brand, competitors)
    return time.perf_counter() - start


def main() -> None:
    rows = load_fixtures()
    quality = measure(rows)
    for miss in quality.misses:
        print(miss)
    print(f"n={quality.n} mention={quality.mention_accuracy:.3f} rank_exact={quality.rank_exact:.3f} "
          f"tone={quality.tone_agreement:.3f} (n={quality.tone_n}) "
          f"options P={quality.option_precision:.3f} R={quality.option_recall:.3f}")
    print("tone confusion (label, analyser):", dict(quality.tone_confusion))
    print("rank outcomes:", dict(quality.rank_confusion))
    print(f"median per answer: {median_ms(rows):.3f} ms")


if __name__ == "__main__":
    main()
