"""The alert engine: paired tests over questions, correction, persistence, and the spec's alerts block.

Runs are drawn from the simulator's own answer distribution and analysed by the real analyser
(bench/alerts_noise.World), so "no change" and "a 20-point drop" are the simulator's, not made up.
"""

from __future__ import annotations

import json
import math
import random

import msgspec
import pytest

from bench.alerts_noise import BRAND, World
from services.simulator.config import SimulatorConfig
from shared.catalogue import load_catalogue
from shared.config import Settings
from shared.monitoring.alert_settings import AlertSettings, alert_settings_problems
from shared.monitoring.alerts import evaluate
from shared.monitoring.outcomes import CellOutcome, RunOutcomes
from shared.monitoring.paired import bootstrap_interval, holm, sign_test, stratified_test
from shared.monitoring.spec import SpecInvalid, parse_spec


class TestPairedStatistics:
    def test_sign_test_is_mcnemar_exact_on_discordant_pairs(self) -> None:
        """With 0/1 outcomes the sign test is McNemar's exact test: 2 * P(Bin(b+c, 1/2) <= min(b, c))."""
        diffs = [-1.0] * 7 + [1.0] * 1 + [0.0] * 12  # b=7, c=1, ties ignored
        expected = 2 * sum(math.comb(8, i) for i in range(2)) / 2**8
        assert sign_test(diffs) == pytest.approx(expected)
        assert sign_test([0.0, 0.0]) == 1.0

    def test_stratified_test_is_mcnemar_exact_with_one_sample_a_side(self) -> None:
        """One sample per question on each side: the stratified exact test equals McNemar's exact test."""
        lost, won, same = 7, 1, 12
        baseline = {q: (1, 1) for q in range(lost)} | {q: (0, 1) for q in range(lost, lost + won)}
        baseline |= {q: (q % 2, 1) for q in range(lost + won, lost + won + same)}
        current = {q: (0, 1) for q in range(lost)} | {q: (1, 1) for q in range(lost, lost + won)}
        current |= {q: (q % 2, 1) for q in range(lost + won, lost + won + same)}
        expected = 2 * sum(math.comb(8, i) for i in range(2)) / 2**8
        assert stratified_test(baseline, current) == pytest.approx(expected)

    def test_stratified_test_is_the_exact_permutation_p_value_with_unequal_sides(self) -> None:
        """Four baseline samples against two current ones per question: the p-value is the exact
        share of within-question relabellings at least as extreme (checked by enumeration)."""
        import itertools

        baseline, current = {0: (4, 4), 1: (3, 4), 2: (2, 4)}, {0: (0, 2), 1: (1, 2), 2: (0, 2)}
        pools = {q: [1] * (baseline[q][0] + current[q][0]) + [0] * (8 - baseline[q][0] - current[q][0])
                 for q in baseline}
        totals = []
        for picks in itertools.product(*(itertools.combinations(range(6), 2) for _ in pools)):
            totals.append(sum(sum(pools[q][i] for i in pick) for q, pick in zip(pools, picks, strict=True)))
        observed = sum(hits for hits, _ in current.values())
        low = sum(t <= observed for t in totals) / len(totals)
        high = sum(t >= observed for t in totals) / len(totals)
        assert stratified_test(baseline, current) == pytest.approx(min(1.0, 2 * min(low, high)))
        assert stratified_test(baseline, baseline) == 1.0

    def test_holm_is_step_down_and_bonferroni_multiplies(self) -> None:
        """Holm: the k-th smallest p times (m - k + 1), made monotone; Bonferroni: p times m."""
        assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
        assert holm([0.01, 0.04, 0.03], "bonferroni") == pytest.approx([0.03, 0.12, 0.09])

    def test_bootstrap_interval_is_reproducible_and_covers_the_mean(self) -> None:
        """Same seed, same interval; the mean difference lies inside it."""
        diffs = [-0.5, -0.5, 0.0, -1.0, -0.5, 0.0, -0.5, -1.0]
        low, high = bootstrap_interval(diffs, 0.05, 1000, "s")
        assert (low, high) == bootstrap_interval(diffs, 0.05, 1000, "s")
        assert low <= sum(diffs) / len(diffs) <= high < 0


def _days(world: World, n: int, seed: str) -> list[RunOutcomes]:
    rng = random.Random(seed)
    return [world.day(rng, d) for d in range(n)]


class TestEvaluate:
    def test_same_distribution_raises_nothing(self) -> None:
        """Ten days of the simulator's unchanged distribution: no alert on any day."""
        runs = _days(World(20, 3), 10, "quiet")
        for day in range(len(runs)):
            assert evaluate("m", runs[: day + 1], AlertSettings()) == []

    def test_drop_alerts_only_once_it_held_two_runs(self) -> None:
        """A 20-point drop from day 4 (after a four-run baseline): nothing on the first shifted run,
        an alert on the second, naming baseline and window runs, the interval and cells of the current run."""
        world = World(20, 3, remove_rate=1.0, shift_day=4)
        runs = _days(world, 6, "drop")
        assert evaluate("m", runs[:5], AlertSettings()) == []
        alerts = [a for a in evaluate("m", runs, AlertSettings()) if a.brand == BRAND]
        kinds = {a.kind for a in alerts}
        assert kinds & {"disappeared", "visibility_drop"}, alerts
        drop = next(a for a in alerts if a.kind in ("disappeared", "visibility_drop"))
        assert drop.baseline_run_ids == ["day0", "day1", "day2", "day3"] and drop.window_run_ids == ["day4", "day5"]
        assert drop.interval is not None and drop.interval.high < 0 and drop.adjusted_p is not None
        assert drop.cells and all(c.startswith(drop.model or "") for c in drop.cells)
        assert drop.persisted_runs == 2 and drop.delta is not None and drop.delta < -0.5

    def test_baseline_runs_sets_how_much_normal_the_window_is_measured_against(self) -> None:
        """`baseline_runs: 2` judges after two runs of baseline; the default four waits for four."""
        world = World(20, 3, remove_rate=1.0, shift_day=2)
        runs = _days(world, 4, "short")
        assert evaluate("m", runs, AlertSettings()) == []
        alerts = evaluate("m", runs, AlertSettings(baseline_runs=2))
        drop = next(a for a in alerts if a.brand == BRAND and a.kind in ("disappeared", "visibility_drop"))
        assert drop.baseline_run_ids == ["day0", "day1"]

    def test_one_lucky_window_run_does_not_carry_the_pooled_change(self) -> None:
        """The brand vanishes on one window run only: pooled, the change is large, but the other
        window run shows none of it on its own, so nothing alerts."""
        world = World(20, 3, remove_rate=1.0, shift_day=5)
        runs = _days(world, 6, "blip")
        quiet = _days(World(20, 3), 6, "blip")
        runs[4] = quiet[4]
        alerts = evaluate("m", runs, AlertSettings())
        assert not [a for a in alerts if a.brand == BRAND and a.kind in ("disappeared", "visibility_drop")]

    def test_an_alert_is_not_repeated_while_its_runs_are_compared(self) -> None:
        """The day after an alert, the same change (kind, brand, model) does not alert again."""
        world = World(20, 3, remove_rate=1.0, shift_day=4)
        runs = _days(world, 7, "repeat")
        first = evaluate("m", runs[:6], AlertSettings())
        again = evaluate("m", runs[:7], AlertSettings(), first)
        keys = {(a.kind, a.brand, a.model) for a in first}
        assert keys and not keys & {(a.kind, a.brand, a.model) for a in again}

    def test_low_coverage_run_is_not_judged(self) -> None:
        """A run with most cells failed raises coverage_low and nothing else."""
        runs = _days(World(20, 3), 4, "coverage")
        broken = runs[-1]
        cells = [c if i % 3 == 0 else CellOutcome(cell_id=c.cell_id, question=c.question, model=c.model, answered=False)
                 for i, c in enumerate(broken.cells)]
        runs[-1] = RunOutcomes(run_id="bad", slot="bad", brand=BRAND, competitors=broken.competitors, cells=cells)
        alerts = evaluate("m", runs, AlertSettings())
        assert [a.kind for a in alerts] == ["coverage_low"]
        assert alerts[0].after == pytest.approx(1 / 3, abs=0.02) and alerts[0].cells


class TestAlertsBlock:
    @pytest.mark.parametrize(("block", "field"), [
        ({"level": 0.7}, "alerts.level"),
        ({"persistence": 0}, "alerts.persistence"),
        ({"baseline_runs": 0}, "alerts.baseline_runs"),
        ({"webhook": "ftp://x"}, "alerts.webhook"),
        ({"webhook": "https://user:pw@hooks.example"}, "alerts.webhook"),
        ({"webhook_secret_env": "s3cr3t value"}, "alerts.webhook_secret_env"),
        ({"kinds": ["nonsense"]}, "alerts.kinds[0]"),
        ({"levle": 0.05}, "alerts"),
        ({"correction": "fdr"}, "alerts.correction"),
    ])
    def test_bad_alerts_block_names_the_field(self, block: dict[str, object], field: str) -> None:
        """Every rejection of the alerts block names its field, as submit does."""
        settings, errors = alert_settings_problems(block)
        assert settings is None and [e.field for e in errors] == [field], errors

    def test_spec_rejects_a_bad_alerts_block_and_keeps_a_good_one(self) -> None:
        """parse_spec reports alerts.* problems; an empty block means the defaults (0.05, 2 runs)."""
        catalogue = load_catalogue(None, {"BRANDLENS_SIMULATOR_URL": "http://x"})
        model = catalogue.names()[0]
        spec = {"name": "n", "schedule": {"every_s": 60},
                "request": {"brand": {"name": "A"}, "questions": ["q"], "models": [model]}}
        with pytest.raises(SpecInvalid) as caught:
            parse_spec(json.dumps({**spec, "alerts": {"level": 2}}).encode(), Settings(), catalogue)
        assert [f.field for f in caught.value.fields] == ["alerts.level"]
        parsed, _ = parse_spec(json.dumps(spec).encode(), Settings(), catalogue)
        defaults = AlertSettings()
        assert parsed.alerts == {} and (defaults.level, defaults.persistence) == (0.05, 2)


def test_simulator_config_accepts_shifts() -> None:
    """A simulator config file can carry visibility shifts (brand, model, remove_rate, start_at)."""
    config = msgspec.json.decode(b'{"shifts": [{"brand": "X", "remove_rate": 0.5, "start_at": 10}]}',
                                 type=SimulatorConfig)
    assert config.shifts[0].brand == "X" and config.shifts[0].start_at == 10
