"""Analysing stored answers on the other cores: long-lived worker processes beside the aggregator.

Analysis is three quarters of the aggregator's CPU per cell. In one process it runs on one core
at a fair share of it while the adapters, the simulator and nats-server run too, so a saturated
run ended with the aggregator storing its backlog alone on one core while the other idled
(docs/performance.md). Workers give analysis its own processes; the aggregator keeps the bus,
the KV writes and the run state.

The one worker pool of the aggregator: live runs (analyse.py) and reanalysis (reanalyze.py)
both analyse on it, with one protocol, one environment policy and one core-count rule.

A worker is ``python -m services.aggregator.analysis_pool``: length-prefixed msgpack frames on
stdin (a batch of answers with the brand sets they are about) and stdout (their analyses, in
order). A plain child process rather than multiprocessing: spawn re-imports the parent's main
module and fork copies a running event loop's locks, and neither is safe in a service process;
a child started with ``sys.executable -m`` works the same on Linux, macOS and Windows.
Nothing is lost when a worker fails: the batch is analysed in-process and the worker restarted
for the next one. A worker exits when its stdin closes, so it never outlives the aggregator.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import msgspec

from shared.analysis import analyse
from shared.analysis.types import AnswerAnalysis
from shared.brand import Brand
from shared.contracts import Source, Span
from shared.logging import get_logger

log = get_logger("brandlens.aggregator.analysis")

REPO = Path(__file__).resolve().parents[2]
_FRAME = struct.Struct(">I")
# A batch is at most a fetch of results (256 answers): analysed in ~0.1 s. Far longer means the
# worker is stuck; its batch is analysed in-process instead.
BATCH_TIMEOUT_S = 30.0
# Only what Python needs to start: no keys or NATS credentials reach the workers.
_ENV_KEPT = ("PATH", "PYTHONPATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR")


class BrandSet(msgspec.Struct, array_like=True):
    brand: Brand
    competitors: list[Brand]
    self_report: bool


class Item(msgspec.Struct, array_like=True):
    brand_set: int  # index into Batch.brand_sets
    answer: str
    # A search-grounded answer's citations, attributed to the brands (CellResult.sources/spans).
    sources: list[Source] = []
    spans: list[Span] = []


class Batch(msgspec.Struct, array_like=True):
    brand_sets: list[BrandSet]
    items: list[Item]


_batch_encoder = msgspec.msgpack.Encoder()
_batch_decoder = msgspec.msgpack.Decoder(Batch)
_analyses_decoder = msgspec.msgpack.Decoder(list[AnswerAnalysis])


def analyse_batch(batch: Batch) -> list[AnswerAnalysis]:
    out = []
    for item in batch.items:
        bs = batch.brand_sets[item.brand_set]
        out.append(analyse(item.answer, bs.brand, bs.competitors, self_report_expected=bs.self_report,
                           sources=item.sources, spans=item.spans))
    return out


# Auto sizing's cap: the aggregator's own process needs a core too (docs/performance.md).
MAX_AUTO_WORKERS = 2


def usable_cores() -> int:
    """The cores this process may run on (affinity on Linux); the machine's count elsewhere."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_count(setting: int = -1) -> int:
    """Workers to start: the setting, or with -1 (auto) one per core, at most 2, none on one core."""
    if setting >= 0:
        return setting
    cores = usable_cores()
    return min(MAX_AUTO_WORKERS, cores) if cores > 1 else 0


class _Worker:
    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.lock = asyncio.Lock()

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k in _ENV_KEPT}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", __name__, cwd=REPO, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )

    async def run(self, payload: bytes) -> list[AnswerAnalysis]:
        async with self.lock:
            if self.proc is None or self.proc.returncode is not None:
                await self.start()
            assert self.proc is not None and self.proc.stdin is not None and self.proc.stdout is not None
            try:
                self.proc.stdin.write(_FRAME.pack(len(payload)) + payload)
                await self.proc.stdin.drain()
                async with asyncio.timeout(BATCH_TIMEOUT_S):
                    size = _FRAME.unpack(await self.proc.stdout.readexactly(_FRAME.size))[0]
                    return _analyses_decoder.decode(await self.proc.stdout.readexactly(size))
            except BaseException:
                # Whatever happened mid-frame, this worker's stream is no longer in step.
                await self.stop()
                raise

    async def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.returncode is not None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the worker's signal to exit
        try:
            await asyncio.wait_for(proc.wait(), 2.0)
        except TimeoutError:
            proc.kill()
            await proc.wait()


class AnalysisPool:
    """Analyses batches on ``workers`` worker processes; in-process with 0 or after a failure."""

    def __init__(self, workers: int) -> None:
        self._workers = [_Worker() for _ in range(workers)]
        self.fallbacks = 0

    @property
    def size(self) -> int:
        return len(self._workers)

    async def start(self) -> None:
        for worker in self._workers:
            try:
                await worker.start()
            except OSError as exc:  # no process can be started here: analyse in-process
                log.warning("analysis_worker_unavailable", error=type(exc).__name__)

    async def stop(self) -> None:
        for worker in self._workers:
            with contextlib.suppress(Exception):
                await worker.stop()

    async def analyse(self, brand_sets: Sequence[BrandSet], items: Sequence[Item]) -> list[AnswerAnalysis]:
        """Every item's analysis, in order."""
        if not items:
            return []
        batch = Batch(brand_sets=list(brand_sets), items=list(items))
        if not self._workers:
            return analyse_batch(batch)
        size = -(-len(items) // len(self._workers))
        parts = [Batch(brand_sets=batch.brand_sets, items=batch.items[i:i + size])
                 for i in range(0, len(items), size)]
        try:
            done = await asyncio.gather(*(
                worker.run(_batch_encoder.encode(part)) for worker, part in zip(self._workers, parts, strict=False)
            ))
        except Exception as exc:  # noqa: BLE001 - whatever broke a worker, the batch is analysed here
            self.fallbacks += 1
            log.warning("analysis_worker_failed", error=type(exc).__name__)
            return analyse_batch(batch)
        return [analysis for part in done for analysis in part]


def worker_main(stdin: BinaryIO, stdout: BinaryIO) -> int:
    """The worker side: one batch frame in, one frame of analyses out, until stdin closes."""
    encoder = msgspec.msgpack.Encoder()
    while True:
        header = stdin.read(_FRAME.size)
        if len(header) < _FRAME.size:
            return 0
        (size,) = _FRAME.unpack(header)
        body = encoder.encode(analyse_batch(_batch_decoder.decode(stdin.read(size))))
        stdout.write(_FRAME.pack(len(body)) + body)
        stdout.flush()


if __name__ == "__main__":
    from shared.runtime import tune_gc

    tune_gc()
    sys.exit(worker_main(sys.stdin.buffer, sys.stdout.buffer))
