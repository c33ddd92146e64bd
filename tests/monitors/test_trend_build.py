"""build_trend: what a trend point is, which interval each number carries, when a slope is shown.

Rules pinned (hand-built reports, so every expected number is computed by hand):
- a period is the slot's date in the monitor's time zone; runs of one day are pooled;
- rates are the report's (Wilson over analysed answers); means are ratio estimates with a
  t-interval over questions, none (with the reason) from a single question;
- a question is branded when it names a tracked brand by name or alias; SoV is split on it;
- a slope needs ≥ 4 points with a value; it is least squares with an n − 2 t-interval;
- runs without a usable report are listed with the reason and enter nothing; alerts are placed
  on the period of their run.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import msgspec
import pytest

from shared.contracts import Brand, CellRecord
from shared.monitoring.slots import slot_key
from shared.monitoring.trend import build_trend, names_in
from shared.monitoring.trend_stats import ONE_QUESTION, cluster_ratio_interval, least_squares_slope, t975
from shared.monitoring.trend_types import Trend, TrendSeries
from shared.report import build_report
from shared.report.stats import wilson_interval
from tests.report.conftest import realistic_cells, realistic_run
from tests.report.factory import absent, analysis, cell, make_run, seen
from tests.report.trend_factory import daily_trend

SHANGHAI = {"cron": "0 0 9 * * *", "timezone": "Asia/Shanghai"}
Q_OPEN = "哪个牌子的手机好"
Q_NAMED = "华为和小米哪个好"


def _report(run_id: str, cells: list[CellRecord], questions: list[str]) -> dict[str, Any]:
    run = make_run(questions=questions, run_id=run_id, total=len(cells))
    result: dict[str, Any] = msgspec.to_builtins(build_report(run, cells, generated_at=1.0))
    return result


def _cells(run_id: str, rows: list[tuple[str, dict[str, Any]]]) -> list[CellRecord]:
    return [cell(f"c{i}", run_id=run_id, question=q, question_index=0 if q == Q_OPEN else 1,
                 result_analysis=analysis(brands)) for i, (q, brands) in enumerate(rows)]


def _trend(days: list[tuple[dt.datetime, list[tuple[str, dict[str, Any]]]]], **kwargs: Any) -> Trend:
    runs, reports = [], {}
    for i, (when, rows) in enumerate(days):
        run_id = f"r{i}"
        reports[run_id] = _report(run_id, _cells(run_id, rows), [Q_OPEN, Q_NAMED])
        runs.append({"run_id": run_id, "slot": slot_key(when), "status": "complete"})
    return build_trend(runs, reports, schedule=kwargs.pop("schedule", SHANGHAI), **kwargs)


def _series(trend: Trend, brand: str = "华为") -> TrendSeries:
    return next(s for s in trend.series if s.brand == brand)


def _day(day: int, hour: int = 1) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=dt.UTC)


MAIN_FIRST = {"华为": seen(rank=1), "小米": seen(rank=2), "苹果": absent()}
MAIN_ABSENT = {"华为": absent(), "小米": seen(rank=1), "苹果": absent()}


class TestPeriods:
    def test_period_is_the_slot_date_in_the_monitor_zone(self) -> None:
        """15:30 UTC is 23:30 in Shanghai (Dec 1); 16:30 UTC is 00:30 the next day (Dec 2)."""
        trend = _trend([(_day(1, 15).replace(minute=30), [(Q_OPEN, MAIN_FIRST)]),
                        (_day(1, 16).replace(minute=30), [(Q_OPEN, MAIN_FIRST)])])
        assert trend.periods == ["2026-12-01", "2026-12-02"]
        assert trend.timezone == "Asia/Shanghai"

    def test_runs_of_one_day_are_pooled_into_one_point(self) -> None:
        """Two runs on the same local day make one point whose denominator is both runs' answers."""
        trend = _trend([(_day(1, 1), [(Q_OPEN, MAIN_FIRST)]), (_day(1, 3), [(Q_OPEN, MAIN_ABSENT)])])
        (point,) = _series(trend).points
        assert point.runs == ["r0", "r1"] and point.answers == 2
        assert (point.visibility.k, point.visibility.n) == (1, 2)

    def test_interval_schedules_default_to_one_point_per_slot(self) -> None:
        """every_s below a day: slots of one day are separate points, the slope unit is per slot."""
        trend = _trend([(_day(1, 1), [(Q_OPEN, MAIN_FIRST)]), (_day(1, 3), [(Q_OPEN, MAIN_ABSENT)])],
                       schedule={"every_s": 7200})
        assert trend.period == "slot" and len(trend.periods) == 2
        assert trend.slope_unit == "per slot (7200 s)"


class TestIntervals:
    def test_rates_are_the_reports_wilson_intervals(self) -> None:
        """A day with one run: each brand × model's visibility and first rate equal the run report's."""
        run = realistic_run()
        report = build_report(run, realistic_cells(run), generated_at=1.0)
        trend = build_trend([{"run_id": run.run_id, "slot": slot_key(_day(1)), "status": "partial"}],
                            {run.run_id: msgspec.to_builtins(report)}, schedule=SHANGHAI)
        checked = 0
        for group in report.by_model:
            for metrics in group.brands:
                if metrics.kind == "discovered":
                    continue
                series = next(s for s in trend.series if s.brand == metrics.brand and s.model == group.key)
                (point,) = series.points
                assert point.visibility == metrics.visibility and point.first_rate == metrics.first_rate
                low, high = wilson_interval(point.visibility.k, point.visibility.n)
                assert (point.visibility.low, point.visibility.high) == (low, high)
                checked += 1
        assert checked == len(report.models) * 4

    def test_mean_rank_interval_is_a_t_interval_over_questions(self) -> None:
        """Ranks 1,1 on one question and 3,3 on the other: mean 2, cluster SE 1, t(1 df) = 12.706."""
        rows = [(Q_OPEN, {"华为": seen(rank=1), "小米": absent(), "苹果": absent()})] * 2
        rows += [(Q_NAMED, {"华为": seen(rank=3), "小米": absent(), "苹果": absent()})] * 2
        point = _series(_trend([(_day(1), rows)])).points[0]
        assert point.avg_rank.value == 2.0 and point.avg_rank.questions == 2
        assert point.avg_rank.low == 1.0  # clipped: no rank is better than 1
        assert point.avg_rank.high == pytest.approx(2 + 12.706)

    def test_one_question_gives_a_mean_without_an_interval_and_says_why(self) -> None:
        """A single cluster has no spread: value kept, interval None, reason given."""
        point = _series(_trend([(_day(1), [(Q_OPEN, MAIN_FIRST)] * 3)])).points[0]
        assert point.avg_rank.value == 1.0 and point.avg_rank.low is None
        assert point.avg_rank.reason == ONE_QUESTION

    def test_cluster_ratio_matches_the_linearisation_formula(self) -> None:
        """(y, m) = (3, 4), (1, 4), (5, 2): ratio 0.9, SE from residuals with G/(G−1), t(2 df)."""
        ratio, low, high = cluster_ratio_interval([(3, 4), (1, 4), (5, 2)], (-10.0, 10.0))
        residual = (3 - 3.6) ** 2 + (1 - 3.6) ** 2 + (5 - 1.8) ** 2
        half = 4.303 * math.sqrt(1.5 * residual) / 10
        assert ratio == pytest.approx(0.9)
        assert low == pytest.approx(0.9 - half) and high == pytest.approx(0.9 + half)

    def test_t_quantiles(self) -> None:
        """Table values up to 30 df, and the expansion beyond is within 1e-3 of the true quantile."""
        assert t975(1) == 12.706 and t975(30) == 2.042
        assert t975(40) == pytest.approx(2.0211, abs=1e-3)
        assert t975(120) == pytest.approx(1.9799, abs=1e-3)


class TestBranded:
    def test_a_question_is_branded_when_it_names_a_tracked_brand_or_alias(self) -> None:
        """Names and aliases, ignoring case; a question naming none is non-branded."""
        brands = {"欧派": ["OPPEIN"], "索菲亚": []}
        assert names_in("oppein 怎么样", brands) == ["欧派"]
        assert names_in("索菲亚和欧派哪个好", brands) == ["欧派", "索菲亚"]
        assert names_in("全屋定制哪家好", brands) == []

    def test_share_of_voice_is_split_by_branded_questions(self) -> None:
        """Branded: main 1 of 4 mentions; non-branded: 3 of 4; together 4 of 8."""
        rows = [(Q_NAMED, {"华为": seen(rank=2, mentions=1), "小米": seen(rank=1, mentions=3), "苹果": absent()}),
                (Q_OPEN, {"华为": seen(rank=1, mentions=3), "小米": seen(rank=2, mentions=1), "苹果": absent()})]
        trend = _trend([(_day(1), rows)])
        assert {q.text: q.branded for q in trend.questions} == {Q_NAMED: True, Q_OPEN: False}
        point = _series(trend).points[0]
        assert point.share_of_voice_branded.value == 0.25
        assert point.share_of_voice_unbranded.value == 0.75
        assert point.share_of_voice.value == 0.5 and point.share_of_voice.n == 8

    def test_no_branded_question_is_a_reason_not_a_zero(self) -> None:
        """Only open questions asked: branded SoV is None with the reason."""
        point = _series(_trend([(_day(1), [(Q_OPEN, MAIN_FIRST)])])).points[0]
        assert point.share_of_voice_branded.value is None
        assert point.share_of_voice_branded.reason == "no branded question was asked"


class TestSlopes:
    def test_no_slope_before_four_points(self) -> None:
        """Three days: every slope is None and says how many points it has."""
        slopes = _series(daily_trend(days=3)).slopes
        assert slopes and all(s.value is None for s in slopes)
        assert slopes[0].reason == "needs at least 4 points with a value, has 3"

    def test_four_points_give_a_slope_with_its_interval(self) -> None:
        """Visibility 0, 1/3, 2/3, 1 over four days: slope 1/3 per day, zero residual, beyond noise."""
        days = []
        for day in range(4):
            rows = [(Q_OPEN, MAIN_FIRST)] * day + [(Q_OPEN, MAIN_ABSENT)] * (3 - day)
            days.append((_day(day + 1), rows))
        slope = next(s for s in _series(_trend(days)).slopes if s.metric == "visibility")
        assert slope.points == 4 and slope.unit == "per day"
        assert slope.value == pytest.approx(1 / 3)
        assert slope.low == pytest.approx(1 / 3) and slope.high == pytest.approx(1 / 3)
        assert slope.significant is True

    def test_slope_interval_is_ols_with_n_minus_2_df(self) -> None:
        """y = 0, 2, 1, 3 at x = 0..3: slope 0.8, residual SS 1.8, SE sqrt(0.9/5), t(2 df)."""
        slope, low, high = least_squares_slope([(0, 0), (1, 2), (2, 1), (3, 3)]) or (0, 0, 0)
        half = 4.303 * math.sqrt(1.8 / 2 / 5)
        assert slope == pytest.approx(0.8)
        assert low == pytest.approx(0.8 - half) and high == pytest.approx(0.8 + half)


class TestRunsAndAlerts:
    def test_runs_without_a_report_enter_nothing_and_say_why(self) -> None:
        """Missed, failed and expired-report runs are listed unused with the reason."""
        runs: list[dict[str, Any]] = [{"run_id": None, "slot": slot_key(_day(1)), "status": "missed"},
                {"run_id": "r1", "slot": slot_key(_day(2)), "status": "failed"},
                {"run_id": "r2", "slot": slot_key(_day(3)), "status": "complete"}]
        trend = build_trend(runs, {}, schedule=SHANGHAI)
        assert [r.used for r in trend.runs] == [False, False, False]
        assert [r.reason for r in trend.runs] == [
            "run is missed: no report to read", "run is failed: no report to read",
            "report not stored (expired past retention, or not written yet)"]
        assert trend.series == [] and trend.periods == []

    def test_only_the_newest_finished_runs_are_read(self) -> None:
        """With max_runs = 2 of 3 finished runs, the oldest is listed unused and says why."""
        days = [(_day(d), [(Q_OPEN, MAIN_FIRST)]) for d in (1, 2, 3)]
        trend = _trend(days, max_runs=2)
        assert [r.used for r in trend.runs] == [False, True, True]
        assert trend.runs[0].reason == "older than the newest 2 finished runs a trend reads"
        assert trend.periods == ["2026-12-02", "2026-12-03"]

    def test_alert_markers_sit_on_the_period_of_their_run(self) -> None:
        """An alert naming run-3 is drawn on run-3's day; the missed day after the runs is no point."""
        trend = daily_trend(days=6)
        (marker,) = trend.alerts
        assert marker.period == "2026-12-04" and marker.kind == "visibility_drop"
        assert trend.runs[-1].status == "missed" and "2026-12-07" not in trend.periods

    def test_tracked_brands_come_from_the_reports(self) -> None:
        """Main brand first, then competitors; discovered entities are not trended."""
        trend = daily_trend(days=1)
        assert trend.brands == ["华为", "小米", "苹果", "OPPO"] and trend.brand == "华为"
        assert Brand(name="vivo").name not in trend.brands
