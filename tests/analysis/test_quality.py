"""Quality on 84 hand-labelled real answers (tests/analysis/fixtures/labelled.jsonl) and speed."""

from __future__ import annotations

import pytest

from tests.analysis import heldout
from tests.analysis.quality import Quality, load_fixtures, measure


@pytest.fixture(scope="module")
def quality() -> Quality:
    return measure(load_fixtures())


class TestFixtures:
    def test_sample_is_stratified(self) -> None:
        """The labelled sample covers the 4 platforms (≥ 20 each) and mixes category and brand questions."""
        rows = load_fixtures()
        assert len(rows) >= 80
        for platform in ("deepseek", "qwen", "doubao", "zhipu"):
            assert sum(r["platform"] == platform for r in rows) >= 20
        assert sum(not r["competitors"] for r in rows) >= 20
        assert sum(r["brand"] in r["question"] for r in rows) >= 10


class TestTargets:
    def test_mention_accuracy(self, quality: Quality) -> None:
        """Main-brand mention agrees with the labels on ≥ 99% of answers."""
        assert quality.mention_accuracy >= 0.99, quality.misses

    def test_rank_exact(self, quality: Quality) -> None:
        """Main-brand rank (or unranked) matches the label exactly on ≥ 90% of answers."""
        assert quality.rank_exact >= 0.90, quality.misses

    def test_tone_agreement(self) -> None:
        """Tone sign on the dev split (every tracked brand, labelled by the guide) stays ≥ 0.75.

        A regression guard on the split the rules are tuned on, not a quality claim. The first
        round's tone labels of these 84 answers are not used: they predate the labelling guide
        and call 14 main brands positive whose praise comes with a stated drawback, which the
        guide (and the dev labels of the same answers) call neutral.
        """
        dev = heldout.score(heldout.load("dev"))
        assert dev.figures()["tone_sign"] >= 0.75, dev.misses

    def test_recommended_list(self, quality: Quality) -> None:
        """The recommended list keeps precision and recall ≥ 0.9 (measured 0.99 / 0.98 at release)."""
        assert quality.option_precision >= 0.9 and quality.option_recall >= 0.9, quality.misses
