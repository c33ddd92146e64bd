"""The aggregator's analysis workers (services/aggregator/analysis_pool.py): real child processes."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from services.aggregator.analysis_pool import AnalysisPool, BrandSet, Item, worker_count
from shared.analysis import analyse
from shared.brand import Brand
from shared.config import SettingsError, load_settings
from shared.contracts import encode

REPO = Path(__file__).resolve().parents[2]
OPPEIN = Brand(name="欧派", aliases=["OPPEIN"])
RIVALS = [Brand(name="索菲亚", aliases=["SOGAL"]), Brand(name="志邦")]
ANSWERS = [
    "全屋定制推荐：\n1. **欧派**：规模大，口碑好。\n2. **索菲亚**：衣柜强。\n3. 志邦：性价比高。",
    "我更推荐索菲亚，欧派价格偏高，售后投诉较多。",
    "",
    "No brands here at all.",
]
SETS = [BrandSet(brand=OPPEIN, competitors=RIVALS, self_report=False),
        BrandSet(brand=Brand(name="志邦"), competitors=[OPPEIN], self_report=True)]
ITEMS = [Item(brand_set=i % 2, answer=a) for i, a in enumerate(ANSWERS)]


def _expected() -> list[bytes]:
    return [encode(analyse(item.answer, SETS[item.brand_set].brand, SETS[item.brand_set].competitors,
                           self_report_expected=SETS[item.brand_set].self_report)) for item in ITEMS]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class TestSameAnswersAsInProcess:
    async def test_workers_return_exactly_the_in_process_analysis_in_order(self) -> None:
        """Two worker processes analyse a mixed batch (two brand sets) byte for byte as analyse() does."""
        pool = AnalysisPool(2)
        await pool.start()
        try:
            got = await pool.analyse(SETS, ITEMS)
        finally:
            await pool.stop()
        assert [encode(a) for a in got] == _expected()
        assert pool.fallbacks == 0


class TestFailures:
    async def test_a_worker_dead_between_batches_is_replaced_before_the_next(self) -> None:
        """A worker that died while idle is restarted when the next batch comes: no fallback needed."""
        pool = AnalysisPool(1)
        await pool.start()
        try:
            first = pool._workers[0].proc
            assert first is not None
            first.kill()
            await first.wait()
            assert [encode(a) for a in await pool.analyse(SETS, ITEMS)] == _expected()
            second = pool._workers[0].proc
            assert second is not None and second.pid != first.pid and second.returncode is None
            assert pool.fallbacks == 0
        finally:
            await pool.stop()

    async def test_a_worker_killed_mid_batch_costs_nothing(self) -> None:
        """A worker killed while it analyses: the batch is analysed in-process (counted as a
        fallback), every answer comes back in order, and the next batch gets a fresh worker."""
        items = ITEMS * 2000  # seconds of work: killed well before the end
        pool = AnalysisPool(1)
        await pool.start()
        try:
            running = asyncio.create_task(pool.analyse(SETS, items))
            await asyncio.sleep(0.05)
            victim = pool._workers[0].proc
            assert victim is not None
            victim.kill()
            got = await running
            assert len(got) == len(items) and [encode(a) for a in got[:4]] == _expected()
            assert pool.fallbacks == 1
            assert [encode(a) for a in await pool.analyse(SETS, ITEMS)] == _expected()
            assert pool._workers[0].proc is not None and pool._workers[0].proc.pid != victim.pid
        finally:
            await pool.stop()

    def test_workers_exit_when_the_aggregator_is_killed(self, tmp_path: Path) -> None:
        """SIGKILL of the process that owns the pool closes the workers' stdin: they exit by themselves."""
        script = tmp_path / "owner.py"
        script.write_text(
            "import asyncio\n"
            "from services.aggregator.analysis_pool import AnalysisPool\n"
            "async def main():\n"
            "    pool = AnalysisPool(2)\n"
            "    await pool.start()\n"
            "    print(' '.join(str(w.proc.pid) for w in pool._workers), flush=True)\n"
            "    await asyncio.sleep(60)\n"
            "asyncio.run(main())\n", encoding="utf-8")
        owner = subprocess.Popen([sys.executable, str(script)], cwd=REPO, stdout=subprocess.PIPE, text=True)
        try:
            assert owner.stdout is not None
            pids = [int(p) for p in owner.stdout.readline().split()]
            assert len(pids) == 2 and all(_alive(p) for p in pids)
            os.kill(owner.pid, signal.SIGKILL)
            owner.wait(10)
            deadline = time.monotonic() + 10
            while any(_alive(p) for p in pids) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not any(_alive(p) for p in pids)
        finally:
            owner.kill()

    async def test_workers_get_no_secrets(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Provider keys and NATS credentials in the aggregator's environment do not reach a worker."""
        monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-never-in-a-worker")
        monkeypatch.setenv("BRANDLENS_NATS_PASSWORD", "pw-never-in-a-worker")
        pool = AnalysisPool(1)
        await pool.start()
        try:
            proc = pool._workers[0].proc
            assert proc is not None
            environ = await asyncio.to_thread(Path(f"/proc/{proc.pid}/environ").read_bytes)
        finally:
            await pool.stop()
        assert b"never-in-a-worker" not in environ


class TestSetting:
    def test_auto_is_one_worker_per_core_up_to_two(self) -> None:
        """-1 (the default) starts min(2, cores) workers, none on one core; 0 analyses in-process."""
        cores = len(os.sched_getaffinity(0))
        assert load_settings({}).analysis_workers == -1
        assert worker_count(-1) == (min(2, cores) if cores > 1 else 0)
        assert worker_count(0) == 0 and worker_count(3) == 3

    def test_out_of_range_is_rejected_naming_the_variable(self) -> None:
        """Values outside -1..16 stop the process with a message naming BRANDLENS_ANALYSIS_WORKERS."""
        with pytest.raises(SettingsError, match="BRANDLENS_ANALYSIS_WORKERS=-2"):
            load_settings({"BRANDLENS_ANALYSIS_WORKERS": "-2"})
        with pytest.raises(SettingsError, match="BRANDLENS_ANALYSIS_WORKERS"):
            load_settings({"BRANDLENS_ANALYSIS_WORKERS": "many"})


