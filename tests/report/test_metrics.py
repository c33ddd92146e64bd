"""Metric definitions (docs/metrics.md) pinned on small hand-built runs."""

from __future__ import annotations

import pytest

from shared.analysis.types import SelfReport
from shared.contracts import CellRecord, ErrorInfo
from shared.report import build_report
from shared.report.stats import wilson_interval
from shared.report.types import BrandMetrics, Report
from tests.report.factory import MAIN, absent, analysis, cell, make_run, seen


def brand(report: Report, name: str) -> BrandMetrics:
    return next(b for b in report.brands if b.brand == name)


def answers(*ranks: int | None, model: str = "sim-deepseek", question_index: int = 0) -> list[CellRecord]:
    """One ok cell per entry: the main brand ranked as given (None = absent)."""
    cells = []
    for i, rank in enumerate(ranks):
        main = absent() if rank is None else seen(rank=rank)
        cells.append(
            cell(f"{model}-{question_index}-{i}", model=model, question_index=question_index, sample=i,
                 result_analysis=analysis({MAIN: main, "小米": absent(), "苹果": absent()}))
        )
    return cells


class TestWilsonInterval:
    def test_matches_published_values(self) -> None:
        """Wilson 95% for 8/10 is [0.4902, 0.9433] and for 0/5 is [0, 0.4345] (textbook values)."""
        low, high = wilson_interval(8, 10)
        assert low == pytest.approx(0.4902, abs=1e-4)
        assert high == pytest.approx(0.9433, abs=1e-4)
        low, high = wilson_interval(0, 5)
        assert low == 0.0
        assert high == pytest.approx(0.4345, abs=1e-4)

    def test_all_successes_interval_ends_at_one(self) -> None:
        """5/5 gives [0.5655, 1.0]: the interval never claims certainty from five answers."""
        low, high = wilson_interval(5, 5)
        assert low == pytest.approx(0.5655, abs=1e-4)
        assert high == 1.0

    def test_visibility_carries_the_interval(self) -> None:
        """A report's visibility of 8 of 10 answers carries k, n and the Wilson bounds."""
        report = build_report(make_run(total=10), answers(1, 2, 3, 1, 2, 1, 4, 5, None, None))
        visibility = brand(report, MAIN).visibility
        assert (visibility.k, visibility.n, visibility.value) == (8, 10, 0.8)
        assert visibility.low == pytest.approx(0.4902, abs=1e-4)
        assert visibility.high == pytest.approx(0.9433, abs=1e-4)


class TestFailedCellsExcluded:
    def test_failed_cells_leave_every_denominator(self) -> None:
        """Two ok answers (one mentioning) plus three failures give visibility 1/2, not 1/5."""
        cells = [
            *answers(1, None),
            cell("t1", status="timeout"),
            cell("t2", status="rate_limited"),
            cell("t3", status="auth_error"),
        ]
        report = build_report(make_run(total=5, status="partial"), cells)
        main = brand(report, MAIN)
        assert (main.visibility.k, main.visibility.n) == (1, 2)
        assert main.first_rate.n == 2
        assert main.intercepted is not None and main.intercepted.n == 2
        assert report.totals.failed == 3
        assert report.totals.coverage.value == pytest.approx(2 / 5)

    def test_filtered_answers_count_as_answers_but_not_coverage(self) -> None:
        """A content-filtered answer is in the visibility denominator but coverage is ok / all cells."""
        cells = [*answers(1), cell("f1", status="filtered", result_analysis=analysis({MAIN: absent()}))]
        report = build_report(make_run(total=2), cells)
        assert brand(report, MAIN).visibility.n == 2
        assert report.totals.answered == 2
        assert report.totals.coverage.value == 0.5

    def test_truncated_answers_are_analysed_covered_and_listed(self) -> None:
        """A truncated answer (stopped at the output-token cap) is analysed like any answer, counts
        in coverage, and also appears in the failures table so the reader sees it was cut."""
        truncated = cell("cut", status="truncated", result_analysis=analysis({MAIN: seen(rank=1)}),
                         error=ErrorInfo(error_class="Truncated", message="stopped at the output-token cap",
                                         provider_code="length"))
        report = build_report(make_run(total=3, status="partial"), [*answers(None), truncated,
                                                                    cell("t1", status="timeout")])
        assert brand(report, MAIN).visibility.n == 2 and brand(report, MAIN).visibility.k == 1
        assert (report.totals.truncated, report.totals.answered, report.totals.failed) == (1, 2, 1)
        assert report.totals.coverage.value == pytest.approx(2 / 3)
        assert {f.cell_id: f.status for f in report.failures} == {"cut": "truncated", "t1": "timeout"}
        assert report.failures[0].reason is not None

    def test_grounding_sites_count_as_the_source_domain(self) -> None:
        """Gemini grounding links all point at vertexaisearch.cloud.google.com: the citation's
        `site` (the chunk title) is the domain counted, not the redirect host."""
        redirect = "https://vertexaisearch.cloud.google.com/grounding-api-redirect/AUZ"
        grounded = cell("g", result_analysis=analysis({MAIN: seen(rank=1)}),
                        citations=[redirect + "1", redirect + "2"], sites=["zhihu.com", "smzdm.com"])
        report = build_report(make_run(total=1), [grounded])
        domains = {d.name for d in report.sources.domains}
        assert {"zhihu.com", "smzdm.com"} <= domains and "vertexaisearch.cloud.google.com" not in domains

    def test_answered_cell_without_analysis_is_counted_but_not_measured(self) -> None:
        """An ok cell the analyser did not process appears in totals but in no rate."""
        cells = [*answers(1), cell("raw", result_analysis=None)]
        report = build_report(make_run(total=2), cells)
        assert report.totals.answered == 2
        assert report.totals.analysed == 1
        assert brand(report, MAIN).visibility.n == 1

    def test_missing_cells_count_against_coverage(self) -> None:
        """Cells the run expected but never stored lower coverage and are reported as missing."""
        report = build_report(make_run(total=4, status="partial"), answers(1, 2))
        assert report.totals.missing == 2
        assert report.totals.coverage.value == 0.5


class TestNullWithReason:
    def test_no_ok_cells_gives_null_metrics_with_reasons(self) -> None:
        """With every cell failed, each brand metric is null with a reason — never 0."""
        report = build_report(make_run(total=2, status="failed"), [cell("a", status="timeout"),
                                                                     cell("b", status="unreachable")])
        for metrics in report.brands:
            for metric in (metrics.visibility, metrics.avg_rank, metrics.first_rate, metrics.top3_rate,
                           metrics.share_of_voice, metrics.impression_share, metrics.sentiment):
                assert metric.value is None
                assert metric.reason
        assert report.sources.answers_with_sources.value is None
        assert report.totals.coverage.value == 0.0

    def test_never_ranked_brand_has_null_average_rank(self) -> None:
        """A brand mentioned only in passing (no rank) has avg_rank null with a reason, visibility 100%."""
        cells = [cell("a", result_analysis=analysis({MAIN: seen(rank=None)}))]
        main = brand(build_report(make_run(total=1), cells), MAIN)
        assert main.visibility.value == 1.0
        assert main.avg_rank.value is None
        assert main.avg_rank.reason == "never one of the ranked options in any answer"

    def test_unknown_cost_is_null_not_zero(self) -> None:
        """Cells without a reported cost give amount null with a reason, for the model and the run."""
        report = build_report(make_run(total=1), answers(1))
        assert report.cost.by_model[0].amount is None
        assert report.cost.by_model[0].reason == "no cell reported a cost"
        assert report.cost.total[0].amount is None

    def test_empty_run_has_null_coverage(self) -> None:
        """A run with no cells at all reports coverage null, not 0% or 100%."""
        report = build_report(make_run(total=0, status="failed"), [])
        assert report.totals.coverage.value is None
        assert report.totals.coverage.reason


class TestRankMetrics:
    def test_average_rank_is_over_ranked_answers_only(self) -> None:
        """Ranks 1, 3 and one absence give avg_rank 2.0 over n=2 while visibility is 2/3."""
        main = brand(build_report(make_run(total=3), answers(1, 3, None)), MAIN)
        assert main.avg_rank.value == 2.0
        assert main.avg_rank.n == 2
        assert main.visibility.k == 2

    def test_first_position_and_top3_rates_use_all_answers(self) -> None:
        """Ranks 1, 1, 3, 4 and one absence: first-position 2/5, top-3 3/5."""
        main = brand(build_report(make_run(total=5), answers(1, 1, 3, 4, None)), MAIN)
        assert (main.first_rate.k, main.first_rate.n) == (2, 5)
        assert (main.top3_rate.k, main.top3_rate.n) == (3, 5)


class TestShareOfVoice:
    def _report(self) -> Report:
        cells = [
            cell("a", result_analysis=analysis({
                MAIN: seen(rank=1, mentions=3, impression=0.5),
                "小米": seen(rank=2, mentions=1, impression=0.3),
                "苹果": absent(),
            }, recommended=[MAIN, "小米", "vivo"], discovered=["vivo"])),
            cell("b", result_analysis=analysis({
                MAIN: absent(),
                "小米": seen(rank=1, mentions=2, impression=0.4),
                "苹果": seen(rank=2, mentions=2, impression=0.2),
            }, recommended=["小米", "苹果"])),
        ]
        return build_report(make_run(total=2), cells)

    def test_mention_share_of_voice_sums_to_one_over_tracked_brands(self) -> None:
        """SOV = brand mentions / all tracked-brand mentions: 3/8, 3/8, 2/8, summing to 1."""
        report = self._report()
        shares = {b.brand: b.share_of_voice.value for b in report.brands if b.kind != "discovered"}
        assert shares == {MAIN: pytest.approx(3 / 8), "小米": pytest.approx(3 / 8), "苹果": pytest.approx(2 / 8)}
        assert sum(v for v in shares.values() if v is not None) == pytest.approx(1.0)

    def test_position_adjusted_share_sums_to_one(self) -> None:
        """Impression SOV = summed impression_share / total over tracked brands (0.5 / 1.4 for the main)."""
        report = self._report()
        assert brand(report, MAIN).impression_share.value == pytest.approx(0.5 / 1.4)
        total = sum(b.impression_share.value or 0.0 for b in report.brands if b.kind != "discovered")
        assert total == pytest.approx(1.0)

    def test_discovered_entities_have_no_share_of_voice(self) -> None:
        """A discovered entity is reported with visibility and rank but SOV null with a reason."""
        vivo = brand(self._report(), "vivo")
        assert vivo.kind == "discovered"
        assert (vivo.visibility.k, vivo.visibility.n) == (1, 2)
        assert vivo.avg_rank.value == 3.0
        assert vivo.share_of_voice.value is None and vivo.share_of_voice.reason


class TestInterception:
    def test_interception_rate_per_competitor(self) -> None:
        """小米 intercepts in 2 of 4 answers, 苹果 in 1; the main brand is intercepted in 2 of 4."""
        def one(cell_id: str, interceptors: list[str]) -> CellRecord:
            return cell(cell_id, result_analysis=analysis(
                {MAIN: seen(rank=2), "小米": seen(rank=1), "苹果": seen(rank=3)}, intercepted_by=interceptors))

        cells = [one("a", ["小米", "苹果"]), one("b", ["小米"]), one("c", []), one("d", [])]
        report = build_report(make_run(total=4), cells)
        xiaomi, apple, main = brand(report, "小米"), brand(report, "苹果"), brand(report, MAIN)
        assert xiaomi.interception is not None and apple.interception is not None
        assert (xiaomi.interception.k, xiaomi.interception.n, xiaomi.interception.value) == (2, 4, 0.5)
        assert apple.interception.k == 1
        assert main.interception is None
        assert main.intercepted is not None and main.intercepted.k == 2


class TestSentiment:
    def test_mean_and_distribution_over_mentions(self) -> None:
        """Sentiment averages only answers mentioning the brand; tones are counted per answer."""
        cells = [
            cell("a", result_analysis=analysis({MAIN: seen(sentiment=0.8, tone="positive")})),
            cell("b", result_analysis=analysis({MAIN: seen(sentiment=-0.4, tone="negative")})),
            cell("c", result_analysis=analysis({MAIN: seen(sentiment=0.0, tone="neutral")})),
            cell("d", result_analysis=analysis({MAIN: absent()})),
        ]
        main = brand(build_report(make_run(total=4), cells), MAIN)
        assert main.sentiment.value == pytest.approx(0.4 / 3)
        assert main.sentiment.n == 3
        assert (main.tones.positive, main.tones.neutral, main.tones.negative) == (1, 1, 1)


class TestBreakdowns:
    def test_by_model_and_matrix(self) -> None:
        """Per-model and question × model figures use only that group's answers."""
        cells = answers(1, 1, model="m1") + answers(None, 4, model="m2") + answers(2, model="m1", question_index=1)
        run = make_run(questions=["q0", "q1"], models=["m1", "m2"], total=5)
        report = build_report(run, cells)
        by_model = {g.key: g for g in report.by_model}
        assert by_model["m1"].brands[0].visibility.k == 3
        assert by_model["m2"].brands[0].visibility.value == 0.5
        assert by_model["m2"].brands[0].avg_rank.value == 4.0
        matrix = {(m.question_index, m.model): m for m in report.matrix}
        assert len(matrix) == 4
        assert matrix[(0, "m1")].avg_rank.value == 1.0
        assert matrix[(1, "m2")].analysed == 0
        assert matrix[(1, "m2")].visibility.value is None and matrix[(1, "m2")].visibility.reason
        assert [g.question_index for g in report.by_question] == [0, 1]


class TestSourcesAndCost:
    def test_domains_count_answers_and_merge_provider_citations(self) -> None:
        """A domain cited twice in one answer counts once; provider citation hosts are included."""
        cells = [
            cell("a", citations=["https://www.zol.com.cn/a", "https://zol.com.cn/b"],
                 result_analysis=analysis({MAIN: absent()}, domains=["smzdm.com"], named=["中关村在线"])),
            cell("b", result_analysis=analysis({MAIN: absent()}, domains=["smzdm.com"])),
            cell("c", result_analysis=analysis({MAIN: absent()})),
        ]
        sources = build_report(make_run(total=3), cells).sources
        assert {s.name: s.answers for s in sources.domains} == {"smzdm.com": 2, "zol.com.cn": 1}
        assert [(s.name, s.answers) for s in sources.named] == [("中关村在线", 1)]
        assert (sources.answers_with_sources.k, sources.answers_with_sources.n) == (2, 3)

    def test_cost_per_model_and_currency_is_a_lower_bound_when_partly_unpriced(self) -> None:
        """Known costs sum per model and currency; unpriced cells are counted, not treated as 0."""
        cells = [
            cell("a", model="m1", cost=0.01, currency="CNY", result_analysis=analysis({MAIN: absent()})),
            cell("b", model="m1", cost=0.02, currency="CNY", result_analysis=analysis({MAIN: absent()})),
            cell("c", model="m2", cost=0.5, currency="USD", result_analysis=analysis({MAIN: absent()})),
            cell("d", model="m2", status="timeout"),
        ]
        report = build_report(make_run(models=["m1", "m2"], total=4), cells)
        lines = {(c.model, c.currency): c for c in report.cost.by_model}
        assert lines[("m1", "CNY")].amount == pytest.approx(0.03)
        assert lines[("m1", "CNY")].reason is None
        assert lines[("m2", "USD")].unpriced_cells == 1
        assert "lower bound" in (lines[("m2", "USD")].reason or "")
        totals = {c.currency: c.amount for c in report.cost.total}
        assert totals == {"CNY": pytest.approx(0.03), "USD": pytest.approx(0.5)}


class TestSampleAgreement:
    def test_agreement_over_samples(self) -> None:
        """Samples ranking the main brand 1, 1, 2 and absent: mention agreement 3/4, rank agreement 2/4."""
        run = make_run(samples=4, total=4)
        report = build_report(run, answers(1, 1, 2, None))
        group = report.stability.groups[0]
        assert group.samples == 4
        assert group.mention_agreement.value == 0.75
        assert group.rank_agreement.value == 0.5
        low, high = wilson_interval(3, 4)
        assert group.interval_width.value == pytest.approx(high - low)
        assert report.stability.mention_agreement.value == 0.75

    def test_single_sample_has_no_agreement(self) -> None:
        """With samples = 1 the stability section is null with a reason."""
        report = build_report(make_run(total=2), answers(1, 2))
        assert report.stability.groups == []
        assert report.stability.reason
        assert report.stability.mention_agreement.value is None

    def test_group_with_one_analysed_sample_is_null(self) -> None:
        """A question × model whose other samples failed has agreement null: one answer agrees with itself."""
        cells = [*answers(1), cell("x", status="timeout", sample=1)]
        group = build_report(make_run(samples=2, total=2), cells).stability.groups[0]
        assert group.mention_agreement.value is None
        assert group.mention_agreement.reason == "fewer than 2 analysed samples"


class TestSelfReportAndFailures:
    def test_disagreements_are_listed_by_cell(self) -> None:
        """Self-report disagreements are counted and listed with their cell ids and notes."""
        cells = [
            cell("a", result_analysis=analysis({MAIN: seen(rank=3)}, self_report=SelfReport(rank=1),
                                               disagreements=["self-report rank 1, text rank 3"])),
            cell("b", result_analysis=analysis({MAIN: seen(rank=1)}, self_report=SelfReport(rank=1))),
        ]
        summary = build_report(make_run(total=2), cells).self_report
        assert summary.answers_with_self_report == 2
        assert summary.disagreement_count == 1
        assert summary.disagreements[0].cell_id == "a"
        assert summary.disagreements[0].notes == ["self-report rank 1, text rank 3"]

    def test_failures_carry_status_and_sanitised_reason(self) -> None:
        """A failed cell is listed with its status and `class: message`, credentials masked."""
        error = ErrorInfo(error_class="AuthError", message="401: invalid key sk-abcdef1234567890 \x07", http_status=401)
        report = build_report(make_run(total=1, status="failed"), [cell("a", status="auth_error", error=error)])
        failure = report.failures[0]
        assert (failure.cell_id, failure.status) == ("a", "auth_error")
        # One sanitiser for every error text (shared.errors.sanitize): the key and the control
        # character are gone, the rest of the message stays readable.
        assert failure.reason == "AuthError: 401: invalid key [redacted]"
        assert report.cells[0].error is not None
        assert "sk-abcdef" not in report.cells[0].error.message


class TestCellsAndRunFields:
    def test_cells_keep_the_answer_verbatim_in_matrix_order(self) -> None:
        """Cells are ordered by question, model (request order) and sample; answers are verbatim."""
        text = "第一行\n  **华为** <b>原样</b>\n"
        cells = [cell("z", model="m2", answer=text, result_analysis=analysis({MAIN: absent()})),
                 cell("y", model="m1", sample=1, result_analysis=analysis({MAIN: absent()})),
                 cell("x", model="m1", sample=0, result_analysis=analysis({MAIN: absent()}))]
        report = build_report(make_run(models=["m1", "m2"], total=3), cells, generated_at=5.0)
        assert [c.cell_id for c in report.cells] == ["x", "y", "z"]
        assert report.cells[2].answer == text
        assert report.cells[2].analysis is not None
        assert report.generated_at == 5.0

    def test_report_repeats_the_callers_status(self) -> None:
        """The report carries the run status and reason it was given instead of recomputing them."""
        run = make_run(total=1, status="partial")
        run.reason = "deadline reached"
        report = build_report(run, answers(1))
        assert (report.status, report.reason) == ("partial", "deadline reached")
