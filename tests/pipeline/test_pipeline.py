"""The diagnosis pipeline end to end: real nats-server, simulator and service processes."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from typing import Any

import msgspec
import pytest

from shared import subjects
from shared.bus import kv_keys
from shared.client import BrandlensClient
from shared.contracts import Completed, RunRecord, cell_decoder, run_decoder
from shared.errors import RequestRejected
from tests.harness import Harness

QUESTIONS = ["全屋定制品牌哪家好", "{brand}的口碑怎么样", "定制衣柜选哪个牌子靠谱"]
MODELS = ["sim-deepseek", "sim-qwen", "sim-doubao"]


def demo_request(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "brand": {"name": "欧派", "aliases": ["OPPEIN"]},
        "competitors": [{"name": "索菲亚", "aliases": ["SOGAL"]}, {"name": "志邦", "aliases": []}],
        "questions": QUESTIONS,
        "models": MODELS,
        "samples": 1,
        "deadline_s": 60,
    }
    request.update(overrides)
    return request


async def stored_cells(client: BrandlensClient, run_id: str) -> list[str]:
    return await kv_keys(client.js, subjects.CELLS_BUCKET, f"{run_id}.>")


async def stream_messages(client: BrandlensClient, stream: str) -> int:
    info = await client.js.stream_info(stream)
    return int(info.state.messages)


class TestRunEndToEnd:
    async def test_three_questions_by_three_models_yield_nine_ok_cells(
        self, client: BrandlensClient, stack: Harness
    ) -> None:
        """A 3×3 request becomes 9 cells, each stored once in KV, and the run is `complete`."""
        before = stack.sim_stats()["requests"]
        report = await client.run(demo_request(), timeout_s=60)
        assert report.status == "complete"
        assert len(report.cells) == 9
        assert {c.status for c in report.cells} == {"ok"}
        assert sorted(await stored_cells(client, report.run_id)) == sorted(
            f"{report.run_id}.{c.cell_id}" for c in report.cells
        )
        after = stack.sim_stats()["requests"]
        asked = sum(after.get(m, 0) - before.get(m, 0) for m in ("deepseek-chat", "qwen-max", "doubao-seed-1-6"))
        assert asked == 9

    async def test_report_cells_carry_answer_analysis_and_timing(self, client: BrandlensClient) -> None:
        """Each report cell has the verbatim answer, attempts, latency and per-brand mention/rank."""
        report = await client.run(demo_request(questions=["全屋定制品牌哪家好"]), timeout_s=60)
        for cell in report.cells:
            assert cell.answer and cell.attempts == 1 and cell.latency_ms is not None
            assert cell.analysis is not None
            assert set(cell.analysis.brands) == {"欧派", "索菲亚", "志邦"}
            assert any(b.mentioned for b in cell.analysis.brands.values())

    async def test_brand_placeholder_is_filled_and_competitor_placeholder_fans_out(
        self, client: BrandlensClient
    ) -> None:
        """{brand} is rendered with the main brand; {competitor} yields one cell per competitor."""
        report = await client.run(
            demo_request(questions=["{brand}的口碑怎么样", "{brand}和{competitor}哪个好"], models=["sim-qwen"]),
            timeout_s=60,
        )
        questions = sorted(c.question for c in report.cells)
        assert questions == ["欧派和志邦哪个好", "欧派和索菲亚哪个好", "欧派的口碑怎么样"]

    async def test_progress_is_monotonic_and_ends_with_completion(self, client: BrandlensClient) -> None:
        """Progress events count done/total upwards and the last event is the completion."""
        accepted = await client.submit(demo_request())
        events = [e async for e in client.events(accepted.run_id, timeout_s=60)]
        assert isinstance(events[-1], Completed) and events[-1].status == "complete"
        dones = [e.done for e in events[:-1]]
        assert dones == sorted(dones) and dones[-1] == 9

    async def test_status_is_available_by_run_id_after_completion(self, client: BrandlensClient) -> None:
        """`status` answers for a finished run from the stored record."""
        accepted = await client.submit(demo_request(models=["sim-deepseek"]))
        await client.wait(accepted.run_id, timeout_s=60)
        status = await client.status(accepted.run_id)
        assert status["status"] == "complete" and status["done"] == status["total"] == 3


class TestIdempotency:
    async def test_same_request_id_twice_yields_one_run(self, client: BrandlensClient, stack: Harness) -> None:
        """Resubmitting with a request_id returns the first run and asks no model again."""
        request = demo_request(request_id=f"idem-{uuid.uuid4()}", models=["sim-deepseek"])
        first = await client.submit(request)
        await client.wait(first.run_id, timeout_s=60)
        before = stack.sim_stats()["total"]
        second = await client.submit(request)
        assert second.run_id == first.run_id and second.duplicate
        await asyncio.sleep(0.5)
        assert stack.sim_stats()["total"] == before
        assert len(await stored_cells(client, first.run_id)) == 3


BAD_REQUESTS = [
    ("empty brand", {"brand": {"name": "  "}}, "brand.name"),
    ("no questions", {"questions": []}, "questions"),
    ("unknown model", {"models": ["gpt-99"]}, "models[0]"),
    ("unconfigured model", {"models": ["needs-key"]}, "models[0]"),
    ("unrendered placeholder", {"questions": ["介绍一下{brandName}"]}, "questions[0]"),
    ("question too long", {"questions": ["好" * 501]}, "questions[0]"),
    ("too many cells", {"questions": [f"问题{i}" for i in range(100)], "samples": 20}, "$"),
    ("samples below one", {"samples": 0}, "samples"),
    ("wrong type", {"samples": "three"}, "samples"),
    ("placeholder in brand name", {"brand": {"name": "{brand}"}}, "brand.name"),
]


class TestBadInput:
    @pytest.mark.parametrize(("case", "override", "field"), BAD_REQUESTS, ids=[c[0] for c in BAD_REQUESTS])
    async def test_rejection_names_the_field_and_publishes_nothing(
        self, client: BrandlensClient, case: str, override: dict[str, Any], field: str
    ) -> None:
        """An invalid request gets a structured error naming the field, and no job or run is created."""
        jobs_before = (await client.js.stream_info(subjects.JOBS_STREAM)).state.last_seq
        runs_before = (await client.js.stream_info(f"KV_{subjects.RUNS_BUCKET}")).state.last_seq
        with pytest.raises(RequestRejected) as caught:
            await client.submit(demo_request(**override))
        fields = {f.field: f.reason for f in caught.value.fields}
        assert field in fields, fields
        assert fields[field]
        assert (await client.js.stream_info(subjects.JOBS_STREAM)).state.last_seq == jobs_before
        assert (await client.js.stream_info(f"KV_{subjects.RUNS_BUCKET}")).state.last_seq == runs_before

    async def test_unknown_model_error_lists_the_valid_models(self, client: BrandlensClient) -> None:
        """The unknown-model rejection lists the catalogue's models."""
        with pytest.raises(RequestRejected) as caught:
            await client.submit(demo_request(models=["gpt-99"]))
        assert "sim-deepseek" in caught.value.fields[0].reason

    async def test_unconfigured_model_error_names_the_missing_env_var(self, client: BrandlensClient) -> None:
        """A model whose key is not configured is rejected naming the env var to set."""
        with pytest.raises(RequestRejected) as caught:
            await client.submit(demo_request(models=["needs-key"]))
        assert "BRANDLENS_TEST_UNSET_KEY" in caught.value.fields[0].reason

    async def test_oversized_payload_is_rejected(self, client: BrandlensClient) -> None:
        """A payload above the configured byte limit is rejected before decoding."""
        with pytest.raises(RequestRejected) as caught:
            await client.submit(msgspec.json.encode(demo_request(client="x" * 300_000)))
        assert caught.value.fields[0].field == "$"
        assert "limit" in caught.value.fields[0].reason


class TestProviderAuthFailure:
    async def test_wrong_key_ends_cells_as_auth_error_quickly(self, client: BrandlensClient, stack: Harness) -> None:
        """A 401 ends every cell of the model as auth_error at once, never retried."""
        before = stack.sim_stats()["by_status"].get("deepseek-chat", {}).get("401", 0)
        started = time.monotonic()
        report = await client.run(demo_request(models=["badkey"]), timeout_s=30)
        assert time.monotonic() - started < 10
        assert report.status == "failed"
        assert {c.status for c in report.cells} == {"auth_error"}
        unauthorised = stack.sim_stats()["by_status"].get("deepseek-chat", {}).get("401", 0) - before
        assert unauthorised <= 1

    async def test_latched_model_is_rejected_at_submit_with_the_reason(self, client: BrandlensClient) -> None:
        """Once a model's key was refused, new requests for it are rejected naming the model and why."""
        with contextlib.suppress(RequestRejected):  # already latched by an earlier test
            await client.run(demo_request(models=["badkey"]), timeout_s=30)
        await asyncio.sleep(0.2)
        with pytest.raises(RequestRejected) as caught:
            await client.submit(demo_request(models=["badkey"]))
        field = caught.value.fields[0]
        assert field.field == "models[0]" and "misconfigured" in field.reason and "auth_error" in field.reason


class TestCompletionOrder:
    async def test_report_and_record_are_stored_before_completion_is_announced(
        self, client: BrandlensClient
    ) -> None:
        """When the completion event arrives, the report and the terminal run record already exist."""
        seen: list[tuple[bool, str]] = []
        done = asyncio.Event()
        store = await client.js.object_store(subjects.REPORTS_STORE)
        runs = await client.js.key_value(subjects.RUNS_BUCKET)

        async def on_completed(msg: Any) -> None:
            run_id = msg.subject.split(".")[2]
            report = await store.get(run_id)
            stored = (await runs.get(run_id)).value
            assert stored is not None
            record: RunRecord = run_decoder.decode(stored)
            seen.append((bool(report.data), record.status))
            done.set()

        sub = await client.nc.subscribe("brandlens.events.*.completed", cb=on_completed)
        try:
            accepted = await client.submit(demo_request(models=["sim-qwen"]))
            await asyncio.wait_for(done.wait(), 60)
        finally:
            await sub.unsubscribe()
        assert seen and seen[0] == (True, "complete"), seen
        assert accepted.cells == 3

    async def test_every_stored_cell_decodes_as_a_cell_record(self, client: BrandlensClient) -> None:
        """Stored KV values are typed CellRecords with the raw answer verbatim."""
        report = await client.run(demo_request(models=["sim-doubao"]), timeout_s=60)
        kv = await client.js.key_value(subjects.CELLS_BUCKET)
        for cell in report.cells:
            stored = (await kv.get(f"{report.run_id}.{cell.cell_id}")).value
            assert stored is not None
            record = cell_decoder.decode(stored)
            assert record.result.answer == cell.answer
