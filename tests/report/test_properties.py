"""Invariants of the metrics over arbitrary runs (hypothesis): bounds, sums and consistent counts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.analysis.types import BrandAnalysis
from shared.contracts import CellRecord
from shared.report import build_report
from tests.report.factory import MAIN, RIVALS, absent, analysis, cell, make_run, seen

BRANDS = (MAIN, *RIVALS)
MODELS = ["m1", "m2"]
# One brand in one cell: absent, or (rank, mentions, impression); one cell: (status, model, question, brands).
BrandState = tuple[int | None, int, float] | None
CellState = tuple[str, str, int, tuple[BrandState, ...]]

brand_state = st.one_of(
    st.just(None),
    st.tuples(st.one_of(st.none(), st.integers(1, 8)), st.integers(1, 5), st.floats(0, 1)),
)
cell_state = st.tuples(
    st.sampled_from(["ok", "ok", "filtered", "timeout", "rate_limited"]),
    st.sampled_from(MODELS),
    st.integers(0, 1),
    st.tuples(*[brand_state for _ in BRANDS]),
)


def to_cells(states: list[CellState]) -> list[CellRecord]:
    cells = []
    for i, (status, model, question, brands) in enumerate(states):
        found: dict[str, BrandAnalysis] = {}
        for name, state in zip(BRANDS, brands, strict=True):
            if state is None:
                found[name] = absent()
            else:
                rank, mentions, impression = state
                found[name] = seen(rank=rank, mentions=mentions, impression=impression)
        cells.append(cell(f"c{i}", status=status, model=model, question_index=question, sample=i,
                          result_analysis=analysis(found)))
    return cells


class TestMetricInvariants:
    @settings(max_examples=60, deadline=None)
    @given(st.lists(cell_state, max_size=30))
    def test_bounds_sums_and_counts(self, states: list[CellState]) -> None:
        """Every rate lies inside its interval, SOV sums to 1 over tracked brands, group counts add up."""
        cells = to_cells(states)
        run = make_run(questions=["q0", "q1"], models=MODELS, total=len(cells))
        report = build_report(run, cells)
        analysed = sum(1 for s in states if s[0] in ("ok", "filtered"))
        assert report.totals.analysed == analysed
        assert sum(g.analysed for g in report.by_model) == analysed
        assert sum(g.analysed for g in report.by_question) == analysed
        for b in report.brands:
            for p in (b.visibility, b.first_rate, b.top3_rate):
                if p.value is None:
                    assert p.n == 0 and p.reason
                else:
                    assert p.low is not None and p.high is not None
                    assert 0.0 <= p.low <= p.value <= p.high <= 1.0
            assert b.first_rate.k <= b.top3_rate.k <= b.visibility.n
        shares = [b.share_of_voice.value for b in report.brands if b.kind != "discovered"]
        if any(v is not None for v in shares):
            assert sum(v or 0.0 for v in shares) == pytest.approx(1.0)
