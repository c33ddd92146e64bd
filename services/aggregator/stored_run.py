"""Reading a finished run back from the stores: its record, every stored cell, its judgements.

Separate from the re-analysis that uses them (reanalyze.py) because they are the one place that
turns a caller's run id into KV keys and subject filters, so the id check lives with them.
"""

from __future__ import annotations

import asyncio
import re

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from shared import subjects
from shared.bus import kv_keys
from shared.contracts import TERMINAL_RUN, CellRecord, RunRecord, cell_decoder, run_decoder
from shared.errors import RunNotFinished, RunNotFound, ServiceUnavailable
from shared.judge.types import JudgeRecord, judge_record_decoder

# Dispatcher run ids are "r<UTC stamp><hex>"; anything else must never reach a KV key or a
# subject filter, where "*" or ">" would read other runs' cells.
_RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
FETCH_BATCH = 1000
FETCH_TIMEOUT_S = 5.0


def _check_run_id(run_id: str) -> None:
    if not _RUN_ID.fullmatch(run_id):
        raise RunNotFound(f"no run {run_id[:80]!r}: run ids are letters, digits, '-' and '_'")


async def read_run(js: JetStreamContext, run_id: str) -> RunRecord:
    """The run's record; RunNotFound when there is none, RunNotFinished while it is running."""
    _check_run_id(run_id)
    runs = await js.key_value(subjects.RUNS_BUCKET)
    try:
        entry = await runs.get(run_id)
    except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError, nats.js.errors.InvalidKeyError):
        raise RunNotFound(f"no run {run_id!r}") from None
    if not entry.value:
        raise RunNotFound(f"no run {run_id!r}")
    record = run_decoder.decode(entry.value)
    if record.status not in TERMINAL_RUN:
        raise RunNotFinished(f"run {run_id} is still {record.status}; re-analyse it once it has finished")
    return record


async def read_cells(js: JetStreamContext, run_id: str) -> list[CellRecord]:
    """Every stored cell of the run, read straight from the KV stream.

    An ephemeral pull consumer without acks, a thousand cells per fetch; the consumer's pending
    count says up front how many to expect, so the read ends on the last cell rather than on a
    timeout. Decoding (most of the cost: ~1 s for 10,000 cells) happens in a worker thread.
    """
    _check_run_id(run_id)
    sub = await js.pull_subscribe(
        f"$KV.{subjects.CELLS_BUCKET}.{run_id}.>",
        stream=f"KV_{subjects.CELLS_BUCKET}",
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.LAST_PER_SUBJECT, ack_policy=AckPolicy.NONE, mem_storage=True,
            inactive_threshold=10.0,
        ),
    )
    raw: list[bytes] = []
    try:
        pending = (await sub.consumer_info()).num_pending or 0
        while pending > 0:
            try:
                msgs = await sub.fetch(batch=min(FETCH_BATCH, pending), timeout=FETCH_TIMEOUT_S)
            except nats.errors.TimeoutError:
                # A report over part of the cells would look complete: refuse instead.
                raise ServiceUnavailable(
                    f"reading the cells of run {run_id} stalled with {pending} still to read"
                ) from None
            for msg in msgs:
                pending = msg.metadata.num_pending
                deleted = msg.headers and msg.headers.get("KV-Operation") in ("DEL", "PURGE")
                if msg.data and not deleted:
                    raw.append(msg.data)
    finally:
        await sub.unsubscribe()
    return await asyncio.to_thread(lambda: [cell_decoder.decode(data) for data in raw])


async def read_judgements(js: JetStreamContext, run: RunRecord) -> dict[str, JudgeRecord]:
    """The run's stored judge outcomes by judged cell (few: one per answer with unsure verdicts)."""
    kv = await js.key_value(subjects.JUDGEMENTS_BUCKET)
    found: dict[str, JudgeRecord] = {}
    for key in await kv_keys(js, subjects.JUDGEMENTS_BUCKET, f"{run.run_id}.>"):
        entry = await kv.get(key)
        if entry.value:
            record = judge_record_decoder.decode(entry.value)
            found[record.cell_id] = record
    return found
