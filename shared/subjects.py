"""Every NATS subject, stream, consumer and bucket name in one place.

Why one module: operators type these names into the NATS CLI, tests count messages on them
and permissions are granted per subject, so a name must never be spelled twice. Only
dispatcher-generated ids (run ids, cell ids) and catalogue model names (checked against a
safe alphabet) ever become subject tokens or KV keys — never user-provided text.
"""

from __future__ import annotations

PREFIX = "brandlens"

# Request/reply endpoints (nats.micro services; JSON bodies).
SUBMIT = f"{PREFIX}.runs.submit"
STATUS = f"{PREFIX}.runs.status"
REPORT = f"{PREFIX}.runs.report"
MODELS = f"{PREFIX}.models.list"
RUNS_LIST = f"{PREFIX}.runs.list"
REANALYZE = f"{PREFIX}.runs.reanalyze"

# JetStream: jobs (work queue, one subject per model) and results.
JOBS_STREAM = "BRANDLENS_JOBS"
RESULTS_STREAM = "BRANDLENS_RESULTS"
EVENTS_STREAM = "BRANDLENS_EVENTS"
# MaxDeliver advisories are core NATS messages; capturing them in a stream means a
# poison job is recorded even when the aggregator is down at the moment it gives up.
ADVISORIES_STREAM = "BRANDLENS_ADVISORIES"

AGGREGATOR_RESULTS_CONSUMER = "aggregator-results"
AGGREGATOR_ADVISORIES_CONSUMER = "aggregator-advisories"

# KV buckets and object store.
RUNS_BUCKET = "brandlens_runs"
CELLS_BUCKET = "brandlens_cells"
REQUESTS_BUCKET = "brandlens_requests"
HEALTH_BUCKET = "brandlens_health"
REPORTS_STORE = "brandlens_reports"
# A judge's verdicts per cell (issue #12), key = <run id>.<cell id> like the cell they judge.
JUDGEMENTS_BUCKET = "brandlens_judgements"


def job_subject(model: str) -> str:
    return f"{PREFIX}.jobs.{model}"


JOBS_WILDCARD = f"{PREFIX}.jobs.>"


def result_subject(model: str) -> str:
    return f"{PREFIX}.results.{model}"


RESULTS_WILDCARD = f"{PREFIX}.results.>"


def progress_subject(run_id: str) -> str:
    return f"{PREFIX}.events.{run_id}.progress"


def completed_subject(run_id: str) -> str:
    return f"{PREFIX}.events.{run_id}.completed"


def run_events(run_id: str) -> str:
    return f"{PREFIX}.events.{run_id}.>"


EVENTS_WILDCARD = f"{PREFIX}.events.>"


def health_subject(model: str) -> str:
    return f"{PREFIX}.health.{model}"




def adapter_consumer(model: str) -> str:
    return f"adapter-{model}"


def max_deliveries_advisory(stream: str = JOBS_STREAM) -> str:
    return f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{stream}.>"


def cell_key(run_id: str, cell_id: str) -> str:
    return f"{run_id}.{cell_id}"


# A judge job's cell id is its cell's id plus this suffix, so its Nats-Msg-Id (and its result's)
# is "<run>.<cell>:judge": deduplicated like the cell's own job, and never a valid KV key or
# planned cell id (":" is outside both alphabets), so it cannot be mistaken for a cell.
JUDGE_SUFFIX = ":judge"


def judge_cell_id(cell_id: str) -> str:
    return cell_id + JUDGE_SUFFIX


# Beside the judgements, the same bucket records each judge job that was published (JudgeAsk),
# under this prefix: "<run>.>" lists a run's judgements only, "asked.<run>.>" its judge jobs.
JUDGE_ASK_PREFIX = "asked"


def judge_ask_key(run_id: str, cell_id: str) -> str:
    return f"{JUDGE_ASK_PREFIX}.{run_id}.{cell_id}"


def judged_cell(cell_id: str) -> str | None:
    """The cell a judge job's cell id refers to; None for an ordinary cell id."""
    return cell_id[: -len(JUDGE_SUFFIX)] if cell_id.endswith(JUDGE_SUFFIX) else None


# Monitors (issue 17): request/reply endpoints, the schedule stream and the KV buckets.
MONITORS_PREFIX = f"{PREFIX}.monitors"
MONITORS_CREATE = f"{MONITORS_PREFIX}.create"
MONITORS_LIST = f"{MONITORS_PREFIX}.list"
MONITORS_SHOW = f"{MONITORS_PREFIX}.show"
MONITORS_PAUSE = f"{MONITORS_PREFIX}.pause"
MONITORS_RESUME = f"{MONITORS_PREFIX}.resume"
MONITORS_DELETE = f"{MONITORS_PREFIX}.delete"
MONITORS_RUN_NOW = f"{MONITORS_PREFIX}.run-now"
MONITORS_TREND = f"{MONITORS_PREFIX}.trend"
MONITORS_WILDCARD = f"{MONITORS_PREFIX}.>"
# One stream holds the ADR-51 definitions (one subject per monitor) and what they fire.
SCHEDULES_STREAM = "BRANDLENS_SCHEDULES"
SCHEDULES_CONSUMER = "monitors-fired"
MONITORS_BUCKET = "brandlens_monitors"
MONITOR_RUNS_BUCKET = "brandlens_monitor_runs"


def schedule_subject(monitor_id: str) -> str:
    return f"{PREFIX}.schedules.{monitor_id}"


def fired_subject(monitor_id: str) -> str:
    return f"{PREFIX}.fired.{monitor_id}"


SCHEDULES_WILDCARD = f"{PREFIX}.schedules.>"
FIRED_WILDCARD = f"{PREFIX}.fired.>"

# Monitor alerts (issue 17): one subject per monitor, kept in a stream so a late consumer misses none.
ALERTS_STREAM = "BRANDLENS_ALERTS"
ALERTS_WILDCARD = f"{PREFIX}.alerts.>"
# The monitors service reads run completions to judge each monitor run once it ended.
MONITORS_COMPLETED_CONSUMER = "monitors-completed"
COMPLETED_WILDCARD = f"{PREFIX}.events.*.completed"


def alerts_subject(monitor_id: str) -> str:
    return f"{PREFIX}.alerts.{monitor_id}"
