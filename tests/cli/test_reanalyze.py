"""Re-analysis: a finished run's report rebuilt from its stored answers, its cells untouched."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Protocol, cast

import msgspec
import pytest
from nats.js.kv import KeyValue

from services.aggregator.analysis_pool import worker_count
from services.aggregator.reanalyze import PARALLEL_FROM, reanalyse
from shared import subjects
from shared.analysis import ANALYSER_VERSION
from shared.bus import ensure_topology
from shared.client import BrandlensClient, RunNotFinished, RunNotFound
from shared.contracts import cell_decoder
from shared.report import Report, build_report
from tests.cli.conftest import brandlens_async
from tests.cli.seed import STALE_VERSION, seed_finished_run, seed_running_run
from tests.harness import Harness

pytestmark = pytest.mark.usefixtures("reanalyze_endpoint")

REQUEST = {
    "brand": {"name": "欧派", "aliases": ["OPPEIN"]},
    "competitors": [{"name": "索菲亚"}, {"name": "志邦"}],
    "questions": ["全屋定制品牌哪家好", "{brand}的口碑怎么样"],
    "models": ["sim-deepseek", "sim-qwen"],
    "samples": 2,
    "deadline_s": 60,
}


class KeyWatcher(Protocol):
    """The part of nats-py's KeyValue.KeyWatcher used here, typed (nats-py leaves both unannotated)."""

    async def updates(self, timeout: float = 5.0) -> KeyValue.Entry | None: ...  # noqa: ASYNC109 - nats-py's signature

    async def stop(self) -> None: ...


async def cell_revisions(client: BrandlensClient, run_id: str) -> dict[str, int]:
    """Each stored cell's KV revision (its stream sequence): a rewrite would change it."""
    kv = await client.js.key_value(subjects.CELLS_BUCKET)
    watcher = cast(KeyWatcher, await kv.watch(f"{run_id}.>", meta_only=True, ignore_deletes=True))
    revisions: dict[str, int] = {}
    try:
        while (entry := await watcher.updates(timeout=10)) is not None:
            revisions[entry.key] = entry.revision or 0
    finally:
        await watcher.stop()
    return revisions


def without_timestamps(report: Report) -> bytes:
    return msgspec.json.encode(msgspec.structs.replace(report, generated_at=0.0, reanalysed_at=None))


class TestUnchangedAnalyser:
    async def test_cli_rebuilds_an_identical_report_and_leaves_cells_alone(
        self, stack: Harness, client: BrandlensClient, tmp_path: Path
    ) -> None:
        """`brandlens reanalyze RUN` on a live run: the stored report is replaced by one equal to the
        original apart from its timestamps, and no cell's KV revision moves."""
        original = await client.run(REQUEST, timeout_s=60)
        assert original.status == "complete" and len(original.cells) == 8
        assert original.analyser_version == ANALYSER_VERSION and original.reanalysed_at is None
        before = await cell_revisions(client, original.run_id)
        started = time.time()

        result = await brandlens_async(stack, "reanalyze", original.run_id, "--out", str(tmp_path / "out"))

        assert result.returncode == 0, result.stderr
        assert f"run {original.run_id} (complete) re-analysed with analyser {ANALYSER_VERSION}" in result.stdout
        assert "8 stored, 8 analysed, 0 changed" in result.stdout
        rebuilt = await client.report(original.run_id)
        assert rebuilt.reanalysed_at is not None and rebuilt.reanalysed_at >= started
        assert rebuilt.generated_at == rebuilt.reanalysed_at
        assert without_timestamps(rebuilt) == without_timestamps(original)
        assert await cell_revisions(client, original.run_id) == before
        written = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
        assert written["reanalysed_at"] == rebuilt.reanalysed_at
        assert "re-analysed" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")

    async def test_json_summary(self, stack: Harness, client: BrandlensClient) -> None:
        """`--json` prints the ReanalysisSummary: counts, versions and the visibility before and after."""
        original = await client.run({**REQUEST, "samples": 1}, timeout_s=60)
        result = await brandlens_async(stack, "reanalyze", original.run_id, "--json")
        assert result.returncode == 0, result.stderr
        summary = json.loads(result.stdout)
        assert summary["run_id"] == original.run_id
        assert (summary["cells"], summary["analysed"], summary["changed"]) == (4, 4, 0)
        assert summary["previous_versions"] == {ANALYSER_VERSION: 4}
        assert summary["visibility_after"] == summary["visibility_before"] == original.brands[0].visibility.value


class TestNewAnalyser:
    async def test_stale_analyses_are_replaced_in_the_report_but_not_in_kv(self, client: BrandlensClient) -> None:
        """Cells stored by an older analyser (that saw no brand): the rebuilt report carries the current
        analyser's reading and version, the summary counts every analysed cell as changed, and the cells
        in KV still hold the old analysis."""
        record, stale_cells = await seed_finished_run(client.js, questions=3, models=2, samples=2,
                                                      stale_analyses=True)
        stored = await client.report(record.run_id)
        assert stored.analyser_version == STALE_VERSION and stored.brands[0].visibility.value == 0.0

        result = await reanalyse(client.js, record.run_id)

        report = result.report
        assert report.analyser_version == ANALYSER_VERSION
        assert (result.summary.cells, result.summary.analysed, result.summary.changed) == (12, 11, 11)
        assert result.summary.previous_versions == {STALE_VERSION: 11}
        assert result.summary.visibility_before == 0.0
        assert report.brands[0].visibility.value == result.summary.visibility_after == 1.0
        assert without_timestamps(await client.report(record.run_id)) == without_timestamps(report)
        kv = await client.js.key_value(subjects.CELLS_BUCKET)
        for cell in stale_cells:
            kept = cell_decoder.decode((await kv.get(f"{record.run_id}.{cell.spec.cell_id}")).value or b"")
            assert kept == cell

    async def test_large_run_uses_worker_processes_and_matches_in_process_analysis(
        self, client: BrandlensClient
    ) -> None:
        """A run large enough for worker processes (800 cells) is read completely, and its rebuilt
        report equals one built from the same answers analysed in this process."""
        record, cells = await seed_finished_run(client.js, questions=4, models=4, samples=50)
        assert len(cells) == 800 >= 2 * PARALLEL_FROM
        result = await reanalyse(client.js, record.run_id)
        assert result.summary.workers == (worker_count() if worker_count() >= 2 else 0)
        report = result.report
        assert report.totals.cells == report.totals.recorded == 800
        assert without_timestamps(report) == without_timestamps(build_report(record, cells))


class TestLeastPrivilege:
    async def test_aggregator_role_may_do_everything_reanalysis_needs(self, tmp_path: Path) -> None:
        """With per-role NATS users, the aggregator's user can read the run, pull its cells from the KV
        stream and replace the report (what the endpoint does inside the aggregator)."""
        harness = Harness(tmp_path, auth=True)
        harness.start_nats()
        try:
            assert harness.nats is not None
            operator = await BrandlensClient.connect(harness.nats.url, settings=harness.settings("operator"))
            aggregator = await BrandlensClient.connect(harness.nats.url, settings=harness.settings("aggregator"),
                                                       timeout_s=2)
            try:
                await ensure_topology(operator.js, harness.settings("operator"))
                record, _cells = await seed_finished_run(operator.js, questions=2, models=2, samples=1)
                result = await reanalyse(aggregator.js, record.run_id)
                assert result.summary.cells == 4
                assert (await operator.report(record.run_id)).reanalysed_at == result.report.reanalysed_at
            finally:
                await aggregator.close()
                await operator.close()
        finally:
            harness.close()


class TestRefusals:
    async def test_unknown_run_is_refused(self, stack: Harness, client: BrandlensClient) -> None:
        """An unknown run id raises RunNotFound; the CLI exits 1 naming the run."""
        with pytest.raises(RunNotFound):
            await reanalyse(client.js, "r20200101000000deadbeef")
        result = await brandlens_async(stack, "reanalyze", "r20200101000000deadbeef")
        assert result.returncode == 1
        assert "no run 'r20200101000000deadbeef'" in result.stderr

    async def test_wildcard_run_id_never_reaches_kv(self, client: BrandlensClient) -> None:
        """Ids with subject wildcards or dots are refused before any key or filter is built."""
        for run_id in ("*", ">", "a.b", "", "r x"):
            with pytest.raises(RunNotFound):
                await reanalyse(client.js, run_id)

    async def test_running_run_is_refused(self, stack: Harness, client: BrandlensClient) -> None:
        """A run that has not finished raises RunNotFinished; the CLI exits 1 saying it is running."""
        record = await seed_running_run(client.js)
        with pytest.raises(RunNotFinished):
            await reanalyse(client.js, record.run_id)
        result = await brandlens_async(stack, "reanalyze", record.run_id)
        assert result.returncode == 1
        assert "still running" in result.stderr
