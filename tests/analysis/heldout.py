"""Scoring on the labelled splits, every tracked brand (docs/analysis.md, "Quality on real answers").

``python -m tests.analysis.heldout [SPLIT ...] [-v]`` prints the figures of each split (dev, dev-a, dev-b,
fresh, fresh-a, fresh-b, tune, check, all-dev, test, agreement, rounds);
``-v`` prints every miss too. ``agreement`` compares the blind second pass with the first labels of
the same test answers: it bounds what the analyser can be measured to. ``rounds`` compares two
labellers: the first round's main-brand labels (fixtures/labelled.jsonl, before the guide) with the
dev labels of the same 84 answers (under the guide), on the main brand. ``dev-a`` / ``dev-b`` are
the two halves of dev (seeded hash of the id): rules are driven by misses on half A, and half B
shows whether a change generalises beyond the answers it was made for.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.analysis import analyse
from shared.contracts import Brand

LABELS = Path(__file__).parent / "fixtures" / "labels"


HALF_SEED = "brandlens-dev-half-2026-12"


def dev_half(answer_id: str) -> str:
    """``"a"`` or ``"b"``: a seeded hash of the id, so the halves never depend on file order."""
    return "ab"[hashlib.sha256(f"{HALF_SEED}:{answer_id}".encode()).digest()[0] & 1]


# Tuning sets across the rounds of labels: rules are driven by misses of half A of dev and of fresh,
# half B of both is the check that a rule generalises (the test split stays out of both).
COMBINED = {"tune": ("dev-a", "fresh-a"), "check": ("dev-b", "fresh-b"), "all-dev": ("dev", "fresh")}


def load(split: str) -> list[dict[str, Any]]:
    if split in COMBINED:
        return [row for part in COMBINED[split] for row in load(part)]
    name, _, half = split.partition("-")
    path = LABELS / f"{name}.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if dev_half(row["id"]) == half] if half else rows


@dataclass
class Score:
    """Agreement counts of one verdict source against the labels."""

    answers: int = 0
    main_n: int = 0
    main_ok: int = 0
    competitor_n: int = 0
    competitor_ok: int = 0
    rank_n: int = 0
    rank_ok: int = 0
    tone_n: int = 0
    tone_ok: int = 0
    tone_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    rank_confusion: Counter[str] = field(default_factory=Counter)
    # Mentioned brands by confidence flag: (verdicts, verdicts with rank and tone both right).
    by_confidence: dict[str, list[int]] = field(default_factory=lambda: {"sure": [0, 0], "unsure": [0, 0]})
    misses: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, float]:
        def share(ok: int, n: int) -> float:
            return ok / n if n else 1.0

        return {
            "main_mention": share(self.main_ok, self.main_n),
            "competitor_mention": share(self.competitor_ok, self.competitor_n),
            "rank_exact": share(self.rank_ok, self.rank_n),
            "tone_sign": share(self.tone_ok, self.tone_n),
        }

    def add(self, where: str, name: str, is_main: bool, got: dict[str, Any], want: dict[str, Any]) -> None:
        """One tracked brand: ``got`` and ``want`` hold mentioned / rank / tone."""
        if is_main:
            self.main_n += 1
            self.main_ok += got["mentioned"] == want["mentioned"]
        else:
            self.competitor_n += 1
            self.competitor_ok += got["mentioned"] == want["mentioned"]
        if got["mentioned"] != want["mentioned"]:
            self.misses.append(f"{where} {name}: mentioned {got['mentioned']}, label {want['mentioned']}")
        self.rank_n += 1
        if got["rank"] == want["rank"]:
            self.rank_ok += 1
            self.rank_confusion["exact (ranked)" if want["rank"] else "exact (unranked)"] += 1
        else:
            kind = ("ranked, label unranked" if want["rank"] is None
                    else "unranked, label ranked" if got["rank"] is None else "different position")
            self.rank_confusion[kind] += 1
            self.misses.append(f"{where} {name}: rank {got['rank']}, label {want['rank']}")
        if want["tone"] is not None:
            self.tone_n += 1
            self.tone_confusion[(want["tone"], str(got["tone"]))] += 1
            if got["tone"] == want["tone"]:
                self.tone_ok += 1
            else:
                self.misses.append(f"{where} {name}: tone {got['tone']}, label {want['tone']}")
        if got.get("confidence") and want["mentioned"]:
            tally = self.by_confidence[got["confidence"]]
            tally[0] += 1
            tally[1] += got["rank"] == want["rank"] and got["tone"] == want["tone"]


def analyser_verdicts(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result = analyse(row["answer"], Brand(name=row["brand"]), [Brand(name=c) for c in row["competitors"]])
    return {name: {"mentioned": b.mentioned, "rank": b.rank, "tone": b.tone if b.mentioned else None,
                   "confidence": b.confidence}
            for name, b in result.brands.items()}


def score(rows: list[dict[str, Any]], verdicts_of: Any = analyser_verdicts) -> Score:
    result = Score()
    for row in rows:
        result.answers += 1
        got = verdicts_of(row)
        where = f"[{row['id']} {row.get('platform', '')}] {row.get('question', '')[:16]}"
        for name, want in row["labels"]["brands"].items():
            result.add(where, name, name == row["brand"], got[name], want)
    return result


def agreement() -> Score:
    """The blind second pass scored against the first labels of the same answers."""
    first = {row["id"]: row for row in load("test")}
    second = {row["id"]: row["labels"]["brands"] for row in load("second_pass")}
    rows = [first[i] for i in second if i in first]
    return score(rows, lambda row: second[row["id"]])


FIRST_ROUND = Path(__file__).parent / "fixtures" / "labelled.jsonl"


def rounds() -> Score:
    """The first round's main-brand labels scored against the dev labels of the same answers."""
    first = {row["id"]: row for row in (json.loads(line) for line in FIRST_ROUND.read_text(encoding="utf-8")
                                        .splitlines() if line.strip())}
    rows = [{**row, "labels": {"brands": {row["brand"]: row["labels"]["brands"][row["brand"]]}}}
            for row in load("dev") if row["id"] in first]

    def first_label(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
        label = first[row["id"]]["label"]
        return {row["brand"]: {"mentioned": label["main_mentioned"], "rank": label["main_rank"],
                               "tone": label["main_tone"] if label["main_mentioned"] else None, "confidence": None}}

    return score(rows, first_label)


def report(name: str, result: Score, verbose: bool) -> None:
    if verbose:
        print("\n".join(result.misses))
    figures = " ".join(f"{k}={v:.3f}" for k, v in result.figures().items())
    print(f"{name}: answers={result.answers} brands={result.rank_n} tone_n={result.tone_n} {figures}")
    print("  tone confusion (label, verdict):", dict(result.tone_confusion))
    print("  rank outcomes:", dict(result.rank_confusion))
    if any(n for n, _ in result.by_confidence.values()):
        print("  right (rank and tone) by confidence:", {
            flag: f"{ok}/{n} = {ok / n:.3f}" if n else "0/0" for flag, (n, ok) in result.by_confidence.items()})


def main(argv: list[str]) -> None:
    verbose = "-v" in argv
    names = [a for a in argv if a != "-v"] or ["dev", "test"]
    for name in names:
        special = {"agreement": agreement, "rounds": rounds}
        report(name, special[name]() if name in special else score(load(name)), verbose)


if __name__ == "__main__":
    main(sys.argv[1:])
