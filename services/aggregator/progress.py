"""Progress: a run's counts published on its progress subject, at most every PROGRESS_INTERVAL_S."""

from __future__ import annotations

import contextlib
import time

from services.aggregator.store_once import StoreOnce
from shared import subjects
from shared.contracts import (
    Progress,
    encode,
)
from shared.logging import get_logger

log = get_logger("brandlens.aggregator")

PROGRESS_INTERVAL_S = 0.25


class ProgressPublisher(StoreOnce):
    async def _publish_progress(self, force: str | None = None) -> None:
        assert self.js is not None
        now = time.time()
        for state in list(self.active.values()):
            if not state.dirty and force != state.run_id:
                continue
            if force != state.run_id and now - state.last_progress_at < PROGRESS_INTERVAL_S:
                continue
            state.dirty = False
            state.last_progress_at = now
            event = Progress(
                run_id=state.run_id, stage="reporting" if state.finalizing else "running", done=state.done,
                total=state.total, by_status=dict(state.by_status),
                by_model={m: dict(c) for m, c in state.by_model.items()}, at=now, cost=state.spend,
                judge_jobs=len(state.judge_pending) + len(state.judgements), judged=len(state.judgements),
            )
            with contextlib.suppress(Exception):
                await self.js.publish(subjects.progress_subject(state.run_id), encode(event), timeout=5)

