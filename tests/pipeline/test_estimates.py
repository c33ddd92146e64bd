"""Time estimates (issue #15): rounds of a model's concurrency × its latency, per model and for
the run; observed latency wins over the catalogue's; submit rejects a plan whose p50 duration
exceeds deadline_s (400 naming deadline_s) unless allow_partial, and replies with the estimate."""

from __future__ import annotations

import tempfile
from pathlib import Path

import msgspec
import pytest

from services.cli.eta import Eta
from shared.catalogue import load_catalogue
from shared.client import BrandlensClient
from shared.contracts import CellSpec, ModelHealth
from shared.errors import RequestRejected
from shared.estimate import deadline_reason, estimate_run
from tests.conftest import wait_ready
from tests.harness import TEST_CATALOGUE, Harness

SLOW_MODEL = "sim-deepseek"


def cells(model: str, count: int) -> list[CellSpec]:
    return [CellSpec(cell_id=f"q{i}.{model}.s1", question_index=i, question="q", model=model, sample=1)
            for i in range(count)]


def catalogue_with_latency(out: Path, p50: float, p90: float) -> Path:
    """The test catalogue with SLOW_MODEL's typical latency set (the shipped one has none)."""
    lines, model = [], ""
    for line in TEST_CATALOGUE.read_text(encoding="utf-8").splitlines():
        if line.startswith("[models."):
            model = line.strip()[len("[models."):-1]
        lines.append(line)
        if line.startswith("timeout_s") and model == SLOW_MODEL:
            lines += [f"latency_p50_s = {p50}", f"latency_p90_s = {p90}"]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


class TestEstimate:
    def test_duration_is_rounds_times_latency_and_the_run_takes_its_slowest_model(self, tmp_path: Path) -> None:
        """30 cells at 6 concurrent and 1.0 s are 5 rounds = 5.0 s; the run's figure is the slowest model's."""
        catalogue = load_catalogue(catalogue_with_latency(tmp_path / "m.toml", 1.0, 1.5))
        observed = ModelHealth(model="sim-qwen", state="ready", concurrency=6, latency_p50_ms=1000,
                               latency_p90_ms=2000, latency_samples=50)
        estimate = estimate_run(cells(SLOW_MODEL, 30) + cells("sim-qwen", 30), catalogue, 900, {"sim-qwen": observed})
        by_model = {m.model: m for m in estimate.models}
        assert by_model["sim-qwen"].latency_source == "observed"
        assert (by_model["sim-qwen"].duration_p50_s, by_model["sim-qwen"].duration_p90_s) == (5.0, 10.0)
        # The catalogue's concurrency (8) and latency: ceil(30 / 8) = 4 rounds.
        assert by_model[SLOW_MODEL].latency_source == "catalogue"
        assert (by_model[SLOW_MODEL].duration_p50_s, by_model[SLOW_MODEL].duration_p90_s) == (4.0, 6.0)
        assert (estimate.duration_p50_s, estimate.duration_p90_s, estimate.fits) == (5.0, 10.0, True)
        assert estimate.implied_deadline_s == 30.0  # the floor

    def test_a_model_of_unknown_latency_leaves_the_run_unestimated(self) -> None:
        """With no observed or catalogue latency nothing is claimed (and nothing can be rejected)."""
        estimate = estimate_run(cells("sim-qwen", 10), load_catalogue(TEST_CATALOGUE), 1.0)
        assert estimate.models[0].latency_source == "unknown"
        assert (estimate.duration_p50_s, estimate.fits) == (None, None)

    def test_too_short_a_deadline_is_explained_with_the_way_out(self, tmp_path: Path) -> None:
        """2,000 cells at 4 × 30 s cannot finish in 900 s: the reason names the figures and the fix."""
        catalogue = load_catalogue(catalogue_with_latency(tmp_path / "m.toml", 30.0, 45.0))
        health = ModelHealth(model=SLOW_MODEL, state="ready", concurrency=4)
        estimate = estimate_run(cells(SLOW_MODEL, 2000), catalogue, 900, {SLOW_MODEL: health})
        assert estimate.duration_p50_s == 500 * 30.0 and estimate.fits is False
        reason = deadline_reason(estimate)
        assert "deadline_s=900" in reason and "allow_partial" in reason and "4 concurrent" in reason
        assert f"at least {estimate.implied_deadline_s:g}" in reason


def request(deadline_s: float, **extra: object) -> dict[str, object]:
    return {"brand": {"name": "欧派"}, "questions": [f"全屋定制品牌哪家好 {i}" for i in range(4)],
            "models": [SLOW_MODEL], "samples": 20, "deadline_s": deadline_s, **extra}


@pytest.fixture(scope="module")
async def slow_stack() -> object:
    root = Path(tempfile.mkdtemp(prefix="brandlens-estimate-"))
    harness = Harness(root, catalogue=catalogue_with_latency(root / "models.toml", 30.0, 45.0))
    try:
        harness.start_stack([SLOW_MODEL])
        await wait_ready(harness, [SLOW_MODEL])
        yield harness
    finally:
        harness.close()


class TestSubmit:
    async def test_a_plan_longer_than_its_deadline_is_rejected_naming_deadline_s(self, slow_stack: Harness) -> None:
        """80 cells over 8 slots at the catalogue's 30 s is 300 s: deadline_s 60 gets a 400 on deadline_s,
        and no run is started."""
        assert slow_stack.nats is not None
        client = await BrandlensClient.connect(slow_stack.nats.url, settings=slow_stack.settings())
        try:
            with pytest.raises(RequestRejected) as caught:
                await client.submit(request(60))
            assert [f.field for f in caught.value.fields] == ["deadline_s"]
            assert "300 s" in caught.value.fields[0].reason
            assert await client.runs() == []
        finally:
            await client.close()

    async def test_allow_partial_accepts_it_and_the_reply_carries_the_estimate(self, slow_stack: Harness) -> None:
        """With allow_partial the same plan is accepted; the reply states its per-model and run duration."""
        assert slow_stack.nats is not None
        client = await BrandlensClient.connect(slow_stack.nats.url, settings=slow_stack.settings())
        try:
            accepted = await client.submit(request(2, allow_partial=True))
            assert accepted.estimate is not None
            assert (accepted.estimate.duration_p50_s, accepted.estimate.fits) == (300.0, False)
            assert accepted.estimate.implied_deadline_s == 570.0  # 10 rounds × 45 s × 1.25, rounded up
            assert msgspec.to_builtins(accepted.estimate)["models"][0]["latency_source"] == "catalogue"
            # The simulator answers in milliseconds, not the catalogue's 30 s: the run ends normally.
            record = await client.wait(accepted.run_id, timeout_s=30)
            assert record.status in {"complete", "partial"}
        finally:
            await client.close()


class TestEta:
    def test_starts_at_the_estimate_and_ends_at_the_pace(self) -> None:
        """Nothing done: the estimate's remaining time; all done: zero; in between a blend of the two."""
        eta = Eta(100, 10.0, started_at=0.0)
        assert eta.remaining_s(0, now=2.0) == 8.0
        assert eta.remaining_s(100, now=9.0) == 0.0
        # Half done after 4 s: the estimate says 6 s left, the pace 4 s; each weighs a half.
        assert eta.remaining_s(50, now=4.0) == 5.0

    def test_the_slowest_model_sets_the_run_eta(self) -> None:
        """A fast model nearly done does not make the run look nearly done: the slow model's share counts."""
        eta = Eta(20, 10.0, 0.0, per_model={"fast": (10, 2.0), "slow": (10, 10.0)})
        remaining = eta.remaining_s(11, 2.0, {"fast": {"ok": 10}, "slow": {"ok": 1}})
        assert remaining is not None and remaining > 7.0
        assert Eta(20, None, 0.0).remaining_s(0, 1.0) is None
