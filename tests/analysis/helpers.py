"""Shared helpers for analyser tests."""

from __future__ import annotations

from shared.analysis import analyse
from shared.analysis.types import AnswerAnalysis
from shared.contracts import Brand


def run(answer: str, brand: str, *competitors: str, aliases: list[str] | None = None,
        self_report_expected: bool = False) -> AnswerAnalysis:
    return analyse(answer, Brand(name=brand, aliases=aliases or []), [Brand(name=c) for c in competitors],
                   self_report_expected=self_report_expected)
