"""One search diagnosis on a real stack (nats-server, simulator, one adapter per model, dispatcher,
aggregator): what the Chinese and the Western end-to-end search tests share.

The run asks every model of the catalogue with `"search": true`; each report cell's record is then
read back from KV, so the tests check what the aggregator stored, not what the client returned.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from shared import subjects
from shared.client import BrandlensClient
from shared.contracts import CellRecord, cell_decoder
from shared.report.types import Report
from tests.conftest import wait_ready
from tests.harness import Harness

QUESTIONS = ["全屋定制品牌哪家好", "定制衣柜选哪个牌子靠谱"]


@dataclass
class StoredSearchRun:
    harness: Harness
    report: Report
    cells: dict[str, list[CellRecord]]


@asynccontextmanager
async def stored_search_run(catalogue: Path, models: list[str], prefix: str) -> AsyncIterator[StoredSearchRun]:
    """Run the search diagnosis; yield its report and stored cells by model; stop the stack after."""
    harness = Harness(Path(tempfile.mkdtemp(prefix=prefix)), catalogue=catalogue)
    try:
        harness.start_stack(models)
        await wait_ready(harness, models)
        assert harness.nats is not None
        async with await BrandlensClient.connect(harness.nats.url, settings=harness.settings()) as client:
            report = await client.run({
                "brand": {"name": "欧派"}, "competitors": [{"name": "索菲亚"}],
                "questions": QUESTIONS, "models": models, "samples": 1, "deadline_s": 60, "search": True,
            }, timeout_s=60)
            kv = await client.js.key_value(subjects.CELLS_BUCKET)
            cells: dict[str, list[CellRecord]] = {model: [] for model in models}
            for view in report.cells:
                stored = (await kv.get(f"{report.run_id}.{view.cell_id}")).value
                assert stored is not None
                record = cell_decoder.decode(stored)
                cells[record.result.model].append(record)
        yield StoredSearchRun(harness, report, cells)
    finally:
        harness.close()
