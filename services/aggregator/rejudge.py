"""Re-judging a finished run: the judge jobs a re-analysis sends.

Why a re-analysis sends any: newer rules can leave answers unsure that were sure when the run
ran, so the run's judge never read them. When the run named a judge, the re-analysis sends one
judge job for each such answer — once: an answer with a stored judgement, or with a recorded
judge job still in time (JudgeAsk), gets none, so re-analysing twice sends nothing the second
time. Each job is claimed create-only (``asked.<run>.<cell>``; an expired one by its revision)
before it is published, so two re-analyses at once cannot both send it. A publish the server
refused gives the claim back; an unconfirmed one (PubAck timeouts, retried under the same
Nats-Msg-Id) or a cancelled one keeps it, since the job may be out — if no outcome comes, the
claim expires and a later re-analysis asks again.

Within the run's ``max_cost``: before each job is sent, the run's spend (its cells' and its
judge's calls) plus the jobs out and those sent so far, priced at the judge's mean cost per stored
judgement (with none yet, the catalogue's expected cost of a judge job), must be under it — so
the spend ends within max_cost plus about one job; the rest are counted as not sent. With no price
known at all, only the spend so far is checked. Why an estimate: these jobs are not paced like a
live run's, so their cost is known only afterwards. The outcomes arrive like any judge result and
are stored by late_judgements.py, which rebuilds the report once none is pending.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import nats.errors
import nats.js.errors
from nats.js import JetStreamContext

from shared import subjects
from shared.analysis import ANALYSER_VERSION
from shared.bus import kv_keys
from shared.contracts import CellRecord, Job, RunRecord, encode
from shared.judge.jobs import judge_ask, judge_job, msg_id
from shared.judge.select import verdicts_to_judge
from shared.judge.types import JudgeAsk, JudgeRecord, judge_ask_decoder
from shared.logging import get_logger

log = get_logger("brandlens.reanalyze")

# A re-analysis's judge job's deadline: the run's own has passed. Past it (plus a margin for the
# adapter to report) a job with no outcome is no longer counted as pending.
REJUDGE_DEADLINE_S = 600.0
EXPIRED_AFTER_S = REJUDGE_DEADLINE_S + 120.0


@dataclass
class Rejudge:
    sent: int = 0
    over_budget: int = 0
    # Judge jobs out with no stored outcome: this re-analysis's and earlier ones' still in time.
    pending: int = 0


@dataclass
class Asked:
    """A recorded judge job and its KV revision (a later re-analysis re-claims an expired one by it)."""

    ask: JudgeAsk
    revision: int


async def read_asks(js: JetStreamContext, run_id: str) -> dict[str, Asked]:
    """The run's recorded judge jobs by judged cell."""
    kv = await js.key_value(subjects.JUDGEMENTS_BUCKET)
    found: dict[str, Asked] = {}
    for key in await kv_keys(js, subjects.JUDGEMENTS_BUCKET, f"{subjects.JUDGE_ASK_PREFIX}.{run_id}.>"):
        try:
            entry = await kv.get(key)
        except (nats.js.errors.KeyNotFoundError, nats.js.errors.KeyDeletedError):
            continue  # a claim given back after a failed publish
        if entry.value:
            ask = judge_ask_decoder.decode(entry.value)
            found[ask.cell_id] = Asked(ask, entry.revision or 0)
    return found


def expired(ask: JudgeAsk, now: float) -> bool:
    return now - ask.sent_at >= EXPIRED_AFTER_S


def pending_asks(asks: dict[str, Asked], judgements: dict[str, JudgeRecord], now: float) -> int:
    return sum(1 for cell_id, asked in asks.items() if cell_id not in judgements and not expired(asked.ask, now))


async def publish_job(js: JetStreamContext, job: Job, attempts: int = 3) -> None:
    """Publish a judge job, retrying a PubAck timeout under the same Nats-Msg-Id (a lost PubAck
    does not mean a lost message; the stream keeps one copy either way)."""
    for attempt in range(attempts):
        try:
            await js.publish(subjects.job_subject(job.model), encode(job), timeout=5,
                             headers={"Nats-Msg-Id": msg_id(job)})
            return
        except TimeoutError:
            if attempt == attempts - 1:
                raise


def _cost_per_job(judgements: dict[str, JudgeRecord], prior: float | None) -> float:
    """The judge's mean cost per stored judgement; without one, the catalogue's expected cost
    (``prior``); 0.0 when neither is known (then only the spend so far is checked)."""
    priced = [j.cost for j in judgements.values() if j.cost is not None]
    if priced:
        return sum(priced) / len(priced)
    return prior or 0.0


async def send_rejudge_jobs(
    js: JetStreamContext, run: RunRecord, cells: list[CellRecord], judgements: dict[str, JudgeRecord],
    prior: float | None = None,
) -> Rejudge:
    """Send a judge job for each answer the re-analysed ``cells`` leave unsure and no judge was
    asked about; ``prior``: the catalogue's expected cost of one of the judge's jobs."""
    request = run.request
    if request.judge is None:
        return Rejudge()
    asks = await read_asks(js, run.run_id)
    kv = await js.key_value(subjects.JUDGEMENTS_BUCKET)
    spend = sum(c.result.cost or 0.0 for c in cells) + sum(j.cost or 0.0 for j in judgements.values())
    per_job = _cost_per_job(judgements, prior)
    # Jobs already out (an earlier re-analysis's) will cost too: counted at the same estimate.
    out = pending_asks(asks, judgements, time.time())
    outcome = Rejudge()
    now = time.time()
    for cell in cells:
        cell_id = cell.spec.cell_id
        earlier = asks.get(cell_id)
        # An expired job is asked again: its outcome never came (same Nats-Msg-Id, so a copy
        # still in the stream is not duplicated).
        if cell_id in judgements or (earlier is not None and not expired(earlier.ask, now)):
            continue
        asked = verdicts_to_judge(request, cell)
        if not asked:
            continue
        if request.max_cost is not None and spend + (out + outcome.sent) * per_job >= request.max_cost:
            outcome.over_budget += 1
            continue
        job = judge_job(run.run_id, request, cell, asked, time.time() + REJUDGE_DEADLINE_S)
        key = subjects.judge_ask_key(run.run_id, cell_id)
        claim = encode(judge_ask(job, asked, "reanalysis", ANALYSER_VERSION))
        try:
            await (kv.create(key, claim) if earlier is None else kv.update(key, claim, last=earlier.revision))
        except nats.js.errors.KeyWrongLastSequenceError:
            continue  # claimed by a re-analysis running at the same time: it sends this one
        try:
            await publish_job(js, job)
        except TimeoutError:
            # The job may well be in the stream: keep the claim (it expires if no outcome comes).
            log.warning("rejudge_publish_unconfirmed", run_id=run.run_id, cell_id=cell_id)
        except (nats.errors.Error, nats.js.errors.Error) as exc:
            log.warning("rejudge_publish_failed", run_id=run.run_id, cell_id=cell_id, error=type(exc).__name__)
            try:
                await kv.delete(key)
            except (nats.errors.Error, nats.js.errors.Error, TimeoutError):
                log.warning("rejudge_claim_not_returned", run_id=run.run_id, cell_id=cell_id)
            continue
        # Cancelled in between (a shutdown), the claim stays too: it expires, and is asked again.
        outcome.sent += 1
    outcome.pending = outcome.sent + pending_asks(asks, judgements, time.time())
    return outcome
