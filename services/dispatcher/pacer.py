"""Fair pacing: each model's queued cells are released as that model frees capacity,
round-robin across runs.

Why not publish every job at once: the jobs stream is first-in first-out per model, so a
6-cell run submitted after a 2,000-cell run would wait for all 2,000. Keeping only a little
more than the model's in-flight capacity in the stream, and choosing the next job round-robin
across the runs that still have cells, lets every run share each model's capacity (the
replaced system, and promptfoo, queue first-come-first-served). Capacity is read from the
adapters' durable consumer (in-flight acks), so more replicas automatically get more work.

The backlog lives in memory but is derivable: after a restart the dispatcher re-enqueues every
cell of a running run that has no stored result (jobs carry ``Nats-Msg-Id`` so one still in
the stream is not duplicated within the dedupe window).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable

import msgspec
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import PubAck

from shared import subjects
from shared.catalogue import Catalogue
from shared.contracts import CellResult, ErrorInfo, Job, encode
from shared.logging import get_logger

log = get_logger("brandlens.dispatcher.pacer")

RECONCILE_S = 0.1
# Jobs kept queued beyond what the model's adapters are working on: enough that an adapter
# never waits for the dispatcher, small enough that a new run's first cells go out next.
MIN_HEADROOM = 2

RunCallback = Callable[[str], Awaitable[None]]


class ModelQueue:
    def __init__(self, model: str, concurrency: int) -> None:
        self.model = model
        self.concurrency = concurrency
        self.runs: OrderedDict[str, deque[Job]] = OrderedDict()
        # Published and not yet acked, as last measured plus what we published since.
        self.in_stream = 0
        self.in_flight = 0

    @property
    def queued(self) -> int:
        return sum(len(q) for q in self.runs.values())

    def capacity(self) -> int:
        # Replicas show up as more in-flight acks than one adapter's concurrency.
        working = max(self.concurrency, self.in_flight)
        return working + max(MIN_HEADROOM, working // 4)

    def put_back(self, job: Job) -> None:
        """Return an unconfirmed job to the front of its run's queue (and the run to the front)."""
        queue = self.runs.get(job.run_id)
        if queue is None:
            queue = self.runs[job.run_id] = deque()
        queue.appendleft(job)
        self.runs.move_to_end(job.run_id, last=False)

    def next_job(self) -> Job | None:
        """Round-robin: take one job from the first run, then move that run to the back."""
        while self.runs:
            run_id, queue = next(iter(self.runs.items()))
            job = queue.popleft()
            if queue:
                self.runs.move_to_end(run_id)
            else:
                del self.runs[run_id]
            return job
        return None


class Pacer:
    def __init__(
        self,
        nc: Client,
        js: JetStreamContext,
        catalogue: Catalogue,
        on_run_released: RunCallback,
    ) -> None:
        self.nc = nc
        self.js = js
        self.catalogue = catalogue
        self.on_run_released = on_run_released
        self.queues: dict[str, ModelQueue] = {}
        # max_cost runs: spend and finished cells from progress events, cells released here,
        # and a per-cell cost prior (catalogue price × typical tokens) until real costs arrive.
        self.spent: dict[str, float] = {}
        self.finished: dict[str, int] = {}
        self.released_by_run: dict[str, int] = {}
        self.cost_prior: dict[str, float] = {}
        self.budgets: dict[str, float] = {}
        # Models that still hold queued cells of each run.
        self._pending_models: dict[str, set[str]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._subs: list[object] = []
        self.released = 0
        self.over_budget = 0

    async def start(self) -> None:
        # Every ack of a job frees a slot: wake up at once instead of at the next poll.
        self._subs.append(await self.nc.subscribe(f"$JS.ACK.{subjects.JOBS_STREAM}.>", cb=self._on_ack))
        self._subs.append(await self.nc.subscribe(subjects.EVENTS_WILDCARD, cb=self._on_event))
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        for sub in self._subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()  # type: ignore[attr-defined]
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _queue(self, model: str) -> ModelQueue:
        queue = self.queues.get(model)
        if queue is None:
            spec = self.catalogue.get(model)
            queue = self.queues[model] = ModelQueue(model, spec.concurrency if spec else 8)
        return queue

    def enqueue(self, run_id: str, jobs: list[Job], max_cost: float | None = None) -> None:
        by_model: dict[str, deque[Job]] = {}
        for job in jobs:
            by_model.setdefault(job.model, deque()).append(job)
        for model, queue in by_model.items():
            self._queue(model).runs[run_id] = queue
        self._pending_models[run_id] = set(by_model)
        if max_cost is not None:
            self.budgets[run_id] = max_cost
            search = any(job.search for job in jobs)
            priors = [spec.estimated_cell_cost(search) for spec in map(self.catalogue.get, by_model)
                      if spec is not None]
            self.cost_prior[run_id] = max((p for p in priors if p is not None), default=0.0)
        if not jobs:
            self._pending_models.pop(run_id, None)
        self._wake.set()

    def holds(self, run_id: str) -> bool:
        """True while some of the run's cells are still waiting here to be released."""
        return run_id in self._pending_models

    @property
    def backlog(self) -> int:
        return sum(q.queued for q in self.queues.values())

    async def _on_ack(self, msg: Msg) -> None:
        # $JS.ACK.<stream>.<consumer>.… ; in-progress acks (+WPI) free nothing.
        if msg.data.startswith(b"+WPI"):
            return
        parts = msg.subject.split(".")
        if len(parts) > 3 and parts[3].startswith("adapter-"):
            queue = self.queues.get(parts[3][len("adapter-"):])
            if queue is not None and queue.in_stream > 0:
                queue.in_stream -= 1
                self._wake.set()

    async def _on_event(self, msg: Msg) -> None:
        if not msg.subject.endswith(".progress"):
            return
        run_id = msg.subject.split(".")[2]
        if run_id not in self.budgets:
            return
        try:
            event = msgspec.json.decode(msg.data)
            cost, done = event.get("cost"), event.get("done")
            # Cells held back by the budget never went out: they are not finished calls.
            if isinstance(done, int):
                done -= int((event.get("by_status") or {}).get("budget_exceeded", 0))
        except Exception:  # noqa: BLE001 - a malformed event says nothing about spend
            return
        if isinstance(cost, int | float):
            self.spent[run_id] = float(cost)
        if isinstance(done, int):
            self.finished[run_id] = max(done, self.finished.get(run_id, 0))
        self._wake.set()

    async def _reconcile(self, queue: ModelQueue) -> None:
        try:
            info = await self.js.consumer_info(subjects.JOBS_STREAM, subjects.adapter_consumer(queue.model))
            queue.in_flight = int(info.num_ack_pending or 0)
            queue.in_stream = int(info.num_pending or 0) + queue.in_flight
        except nats.js.errors.NotFoundError:
            # No adapter has ever bound: count what sits in the stream for this model.
            info_s = await self.js.stream_info(subjects.JOBS_STREAM, subjects_filter=subjects.job_subject(queue.model))
            queue.in_stream = int((info_s.state.subjects or {}).get(subjects.job_subject(queue.model), 0))

    async def _loop(self) -> None:
        last_reconcile = 0.0
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RECONCILE_S):
                    await self._wake.wait()
            self._wake.clear()
            try:
                now = time.monotonic()
                busy = [q for q in self.queues.values() if q.runs]
                if now - last_reconcile >= RECONCILE_S:
                    last_reconcile = now
                    await asyncio.gather(*(self._reconcile(q) for q in busy))
                for queue in busy:
                    await self._release(queue)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - e.g. NATS reconnecting; the next round retries
                log.warning("pacer_round_failed", error=type(exc).__name__)
                await asyncio.sleep(0.2)

    async def _release(self, queue: ModelQueue) -> None:
        room = queue.capacity() - queue.in_stream
        sent: list[tuple[Job, asyncio.Future[PubAck]]] = []
        unsent: list[Job] = []
        while room > 0:
            job = queue.next_job()
            if job is None:
                break
            if job.deadline_at <= time.time():
                continue  # the aggregator records it as deadline_exceeded
            try:
                if self._over_budget(job.run_id):
                    await self._publish_budget_result(job)
                    continue
                ack = await self.js.publish_async(
                    subjects.job_subject(job.model), encode(job),
                    headers={"Nats-Msg-Id": f"{job.run_id}.{job.cell_id}"},
                )
            except Exception as exc:  # noqa: BLE001 - e.g. NATS down: the job goes back, the round ends
                log.warning("release_failed", error=type(exc).__name__)
                unsent.append(job)
                break
            sent.append((job, ack))
            queue.in_stream += 1
            room -= 1
            # Counted at once: the next job's budget check in this same round must see it in flight.
            if job.run_id in self.budgets:
                self.released_by_run[job.run_id] = self.released_by_run.get(job.run_id, 0) + 1
        outcomes = await asyncio.gather(*(ack for _job, ack in sent), return_exceptions=True)
        for (job, _ack), outcome in zip(sent, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                # Not confirmed: it may or may not be in the stream. Release it again later; if it
                # did land, the stream drops the copy by its Nats-Msg-Id.
                unsent.append(job)
                queue.in_stream -= 1
                if job.run_id in self.released_by_run:
                    self.released_by_run[job.run_id] -= 1
            else:
                self.released += 1
        for job in reversed(unsent):
            queue.put_back(job)
        await self._note_released_runs(queue)

    async def _note_released_runs(self, queue: ModelQueue) -> None:
        """Runs with nothing left queued for any model move to stage `dispatched`."""
        for run_id in [r for r in self._pending_models if r not in queue.runs]:
            models = self._pending_models[run_id]
            models.discard(queue.model)
            if models:
                continue
            del self._pending_models[run_id]
            for table in (self.budgets, self.spent, self.finished, self.released_by_run, self.cost_prior):
                table.pop(run_id, None)
            await self.on_run_released(run_id)

    def _over_budget(self, run_id: str) -> bool:
        """Would one more cell take the run's projected spend past its budget?

        Projected = spent + (cells in flight + this one) × cost per cell (observed so far, else
        the catalogue prior), so cells already queued or answering count before they report —
        stopping only at `spent >= budget` overshot by a model's whole in-flight capacity.
        """
        budget = self.budgets.get(run_id)
        if budget is None:
            return False
        spent = self.spent.get(run_id, 0.0)
        finished = self.finished.get(run_id, 0)
        per_cell = spent / finished if spent > 0 and finished > 0 else self.cost_prior.get(run_id, 0.0)
        in_flight = max(0, self.released_by_run.get(run_id, 0) - finished)
        return spent + (in_flight + 1) * per_cell > budget

    async def _publish_budget_result(self, job: Job) -> None:
        """A cell never sent because the run reached max_cost still gets its one result."""
        self.over_budget += 1
        result = CellResult(
            run_id=job.run_id, cell_id=job.cell_id, model=job.model, status="budget_exceeded", attempts=0,
            error=ErrorInfo(error_class="budget_exceeded",
                            message=f"not asked: the run reached its max_cost of {self.budgets.get(job.run_id)}"),
            finished_at=time.time(),
        )
        await self.js.publish(subjects.result_subject(job.model), encode(result),
                              headers={"Nats-Msg-Id": f"{job.run_id}.{job.cell_id}"})
