"""Reading a run's stored cells back from the cells bucket (after the run, outside any timing)."""

from __future__ import annotations

import nats.errors
from nats.aio.client import Client

from shared import subjects
from shared.contracts import CellRecord, cell_decoder


async def stored_cells(nc: Client, run_id: str, expected: int | None = None) -> list[CellRecord]:
    """The run's stored cells; with `expected`, read again (up to 3 times) while some are missing:
    a KV watch started right after the run ended has been seen to report its initial values as
    done before delivering any."""
    cells: list[CellRecord] = []
    for _ in range(3):
        cells = await _read(nc, run_id)
        if expected is None or len(cells) >= expected:
            break
    return cells


async def _read(nc: Client, run_id: str) -> list[CellRecord]:
    kv = await nc.jetstream(timeout=30).key_value(subjects.CELLS_BUCKET)
    watcher = await kv.watch(f"{run_id}.>", ignore_deletes=True)
    cells: list[CellRecord] = []
    try:
        while True:
            try:
                # nats-py's KeyWatcher methods carry no annotations; the call's types are its documented ones.
                entry = await watcher.updates(timeout=10)  # type: ignore[no-untyped-call]
            except nats.errors.TimeoutError:
                break
            if entry is None:
                break
            if entry.value:
                cells.append(cell_decoder.decode(entry.value))
    finally:
        await watcher.stop()  # type: ignore[no-untyped-call]  # nats-py: unannotated
    return cells
