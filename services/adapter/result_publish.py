"""Getting a cell's result to the aggregator: the durable publish (retried across a NATS
restart) and, for a redelivered job, whether its result is stored already.

Separate from the service because this is the adapter's side of the exactly-once contract
(``Nats-Msg-Id`` plus the aggregator's create-only store); the service only orders it before
the ack.
"""

from __future__ import annotations

import asyncio

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext
from nats.js.kv import KeyValue

from shared import subjects
from shared.contracts import CellResult, Job, encode
from shared.logging import get_logger

log = get_logger("brandlens.adapter")


async def already_stored(cells_kv: KeyValue, judgements_kv: KeyValue, job: Job) -> bool:
    judged = subjects.judged_cell(job.cell_id)
    # A judge job's outcome is stored under its cell's key in the judgements bucket.
    bucket, cell_id = (cells_kv, job.cell_id) if judged is None else (judgements_kv, judged)
    try:
        await bucket.get(subjects.cell_key(job.run_id, cell_id))
        return True
    except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
        return False


async def publish_result(js: JetStreamContext, model: str, result: CellResult, stopping: asyncio.Event) -> None:
    payload = encode(result)
    headers = {"Nats-Msg-Id": f"{result.run_id}.{result.cell_id}"}
    # The result is the cell's only copy until the aggregator stores it: keep trying
    # (across a NATS restart) rather than lose it; the deadline bounds the run anyway.
    for attempt in range(1, 1000):
        try:
            await js.publish(subjects.result_subject(model), payload, headers=headers, timeout=5)
            return
        except (nats.errors.TimeoutError, nats.errors.ConnectionReconnectingError,
                nats.js.errors.NoStreamResponseError, nats.errors.ConnectionClosedError) as exc:
            if stopping.is_set() and attempt > 3:
                raise
            log.warning("result_publish_retry", attempt=attempt, error=type(exc).__name__)
            await asyncio.sleep(min(2.0, 0.1 * attempt))
