"""The `brandlens` subcommands. Each returns a process exit code; errors print one clear line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec

from services.cli.local import local_settings, recorded_url
from services.cli.progress import ProgressBar
from services.cli.stack import Stack
from shared.catalogue import TYPICAL_INPUT_TOKENS, TYPICAL_OUTPUT_TOKENS, load_catalogue
from shared.client import BrandlensClient
from shared.config import Settings
from shared.contracts import Completed, DiagnosisRequest, FieldError, ModelHealth, encode
from shared.errors import BrandlensError, RequestRejected
from shared.estimate import MIN_OBSERVED_CALLS, deadline_reason, estimate_run, judge_estimate
from shared.report.formats import render
from shared.validation import RequestInvalid, decode_request, validate_request

REPORT_FILES = {"json": "report.json", "md": "report.md", "html": "report.html", "csv": "cells.csv",
                "answers": "answers.jsonl"}
# What `run` and `reanalyze --out` write when no --format is given.
DEFAULT_FORMATS = ["json", "md"]


def err(text: str) -> None:
    print(f"brandlens: {text}", file=sys.stderr, flush=True)


def print_field_errors(exc: RequestRejected | RequestInvalid) -> None:
    err("the request was rejected:")
    for field in exc.fields:
        print(f"  {field.field}: {field.reason}", file=sys.stderr)


async def connect(settings: Settings) -> BrandlensClient:
    """A client of the configured stack: NATS_URL, else the URL `brandlens up` recorded in
    BRANDLENS_HOME, else the default port (services/cli/local.py)."""
    resolved = local_settings(settings)
    return await BrandlensClient.connect(resolved.nats_url, settings=resolved, timeout_s=5)


async def write_reports(client: BrandlensClient, run_id: str, out: Path, formats: list[str]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    report = await client.report(run_id)
    written = []
    for fmt in formats:
        path = out / REPORT_FILES[fmt]
        path.write_bytes(render(report, fmt))
        written.append(path)
    return written


async def submit_and_follow(client: BrandlensClient, payload: bytes, out: Path, formats: list[str],
                            timeout_s: float | None = None) -> tuple[int, str | None]:
    """Submit, show live progress, write the report files; returns (exit code, run id)."""
    started_at = time.monotonic()
    try:
        accepted = await client.submit(payload)
    except RequestRejected as exc:
        print_field_errors(exc)
        return 2, None
    note = " (already submitted: same request_id)" if accepted.duplicate else ""
    print(f"run {accepted.run_id}: {accepted.cells} cells{note}", file=sys.stderr)
    estimate = accepted.estimate
    expected_s = estimate.duration_p50_s if estimate else None
    if estimate is not None and expected_s is not None:
        print(f"expected duration: {_duration(expected_s)} (p90 {_duration(estimate.duration_p90_s)})",
              file=sys.stderr)
    per_model = {m.model: (m.cells, m.duration_p50_s) for m in estimate.models} if estimate else {}
    bar = ProgressBar(accepted.cells, expected_s=expected_s, started_at=started_at, per_model=per_model)
    completed: Completed | None = None
    async with asyncio.timeout(timeout_s):
        async for event in client.events(accepted.run_id):
            bar.update(event)
            if isinstance(event, Completed):
                completed = event
    assert completed is not None
    paths = await write_reports(client, accepted.run_id, out, formats)
    print(f"run {accepted.run_id} {completed.status}" + (f" ({completed.reason})" if completed.reason else ""))
    for path in paths:
        print(f"  {path}")
    return (0 if completed.status in {"complete", "partial"} else 1), accepted.run_id


async def cmd_run(settings: Settings, args: Any) -> int:
    try:
        payload = Path(args.request).read_bytes() if args.request != "-" else sys.stdin.buffer.read()
    except OSError as exc:
        err(f"cannot read {args.request}: {exc.strerror}")
        return 2
    if args.dry_run:
        return dry_run(settings, payload, await observed_health(settings))
    client = await connect(settings)
    try:
        code, _run_id = await submit_and_follow(client, payload, Path(args.out), args.formats or DEFAULT_FORMATS,
                                                 args.timeout)
        return code
    finally:
        await client.close()


async def observed_health(settings: Settings) -> dict[str, ModelHealth]:
    """Each model's recently observed latency and concurrency from a running stack, if one answers
    within a second or two; {} without one (the dry run then estimates with the catalogue's).
    Only asked when a stack is configured (NATS_URL) or a running `brandlens up` recorded its URL."""
    if not settings.nats_url and recorded_url(settings.home) is None:
        return {}
    resolved = local_settings(settings)
    try:
        client = await BrandlensClient.connect(resolved.nats_url, settings=resolved, timeout_s=1.5)
    except BrandlensError:
        return {}
    try:
        listing = await client.models()
    except BrandlensError:
        return {}
    finally:
        await client.close()
    return {m["model"]: ModelHealth(model=m["model"], state="ready", concurrency=int(m.get("concurrency") or 0),
                                    latency_p50_ms=m["latency_p50_s"] * 1000, latency_p90_ms=m["latency_p90_s"] * 1000,
                                    latency_samples=MIN_OBSERVED_CALLS)
            for m in listing if m.get("latency_source") == "observed"}


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    return f"{seconds:,.1f} s" if seconds < 120 else f"{seconds / 60:,.1f} min"


def dry_run(settings: Settings, payload: bytes, health: dict[str, ModelHealth] | None = None) -> int:
    """Cells, expected calls, estimated cost and duration, without sending anything."""
    catalogue = load_catalogue(settings.models_path)
    try:
        req = decode_request(payload, settings)
        cells = validate_request(req, settings, catalogue)
    except RequestInvalid as exc:
        print_field_errors(exc)
        return 2
    estimate = estimate_run(cells, catalogue, req.deadline_s, health)
    print(f"{len(cells)} cells; expected calls: {len(cells)} (more only for retried transient errors)")
    totals: dict[str, float] = {}
    for m in sorted(estimate.models, key=lambda e: e.model):
        spec = catalogue.models[m.model]
        per_cell = spec.estimated_cell_cost(req.search)
        if spec.price is None or per_cell is None:
            cost_text = "cost: unknown (no price in the catalogue)"
        else:
            cost = m.cells * per_cell
            totals[spec.price.currency] = totals.get(spec.price.currency, 0.0) + cost
            reasoning = (f" (incl. ~{spec.reasoning_estimate} reasoning tokens per cell)"
                         if spec.reasoning_estimate else "")
            searches = (f" (incl. ~{spec.expected_searches} web search(es) per cell at "
                        f"{spec.price.per_search:g} each)" if req.search and spec.price.per_search else "")
            cost_text = f"≈ {cost:.4f} {spec.price.currency}{reasoning}{searches}"
        if m.duration_p50_s is None:
            time_text = "time: unknown (no observed or catalogue latency)"
        else:
            time_text = (f"time ≈ {_duration(m.duration_p50_s)} (p90 {_duration(m.duration_p90_s)}: "
                         f"{m.concurrency} at a time, {m.latency_p50_s:g}/{m.latency_p90_s:g} s per answer, "
                         f"{m.latency_source})")
        print(f"  {m.model:<16} {m.cells:>5} cells  {cost_text}  {time_text}")
    for currency, total in totals.items():
        print(f"estimated cost: {total:.4f} {currency} (assuming ~{TYPICAL_INPUT_TOKENS} input and "
              f"~{TYPICAL_OUTPUT_TOKENS} output tokens per cell, plus each model's expected reasoning)")
    if estimate.duration_p50_s is None:
        print(f"expected duration: unknown; deadline_s: {req.deadline_s:g}")
    else:
        print(f"expected duration: {_duration(estimate.duration_p50_s)} (p90 {_duration(estimate.duration_p90_s)}); "
              f"implied deadline_s: {estimate.implied_deadline_s:g}; requested deadline_s: {req.deadline_s:g}")
    if req.judge is not None:
        print("\n".join(judge_estimate(catalogue, req.judge, len(cells), totals)))
    if req.max_cost is not None:
        print(f"max_cost: {req.max_cost}" + (" (the judge's calls count against it)" if req.judge else ""))
    if estimate.fits is False:
        if not req.allow_partial:
            # What submit would answer: the same field and reason.
            print_field_errors(RequestInvalid([FieldError(field="deadline_s", reason=deadline_reason(estimate))]))
            return 2
        print("allow_partial: the run will end at its deadline with the cells done by then")
    return 0


async def cmd_status(settings: Settings, args: Any) -> int:
    client = await connect(settings)
    try:
        print(json.dumps(await client.status(args.run_id), ensure_ascii=False, indent=2))
        return 0
    finally:
        await client.close()


async def cmd_report(settings: Settings, args: Any) -> int:
    client = await connect(settings)
    try:
        report = await client.report(args.run_id)
    finally:
        await client.close()
    body = render(report, args.format)
    if args.out:
        Path(args.out).write_bytes(body)
        print(args.out)
    else:
        sys.stdout.buffer.write(body)
    return 0


async def cmd_models(settings: Settings, _args: Any) -> int:
    client = await connect(settings)
    try:
        listing = await client.models()
    finally:
        await client.close()
    print(f"{'model':<18} {'ready':<6} {'state':<15} {'breaker':<10} reason")
    for m in listing:
        print(f"{m['model']:<18} {'yes' if m['ready'] else 'no':<6} {m['state']:<15} {m['breaker'] or '-'!s:<10} "
              f"{m['reason'] or ''}")
    return 0 if any(m["ready"] for m in listing) else 1


async def cmd_runs(settings: Settings, args: Any) -> int:
    client = await connect(settings)
    try:
        runs = await client.runs(limit=args.limit)
    finally:
        await client.close()
    if getattr(args, "json", False):
        print(json.dumps(runs, ensure_ascii=False))
        return 0
    print(f"{'run':<28} {'status':<9} {'brand':<12} {'cells':>5} {'coverage':>8} {'visibility':>10}  models")
    for r in runs:
        cov = "-" if r["coverage"] is None else f"{r['coverage']:.0%}"
        vis = "-" if r["visibility"] is None else f"{r['visibility']:.0%}"
        print(f"{r['run_id']:<28} {r['status']:<9} {r['brand'][:12]:<12} {r['total']:>5} {cov:>8} {vis:>10}  "
              f"{','.join(r['models'])}")
    return 0


async def _serve_until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def cmd_up(settings: Settings, args: Any) -> int:
    catalogue = load_catalogue(settings.models_path)
    models = None
    if args.models:
        names = [n.strip() for n in args.models.split(",") if n.strip()]
        unknown = [n for n in names if catalogue.get(n) is None]
        if unknown:
            err(f"unknown model(s) {', '.join(unknown)}; valid: {', '.join(catalogue.names())}")
            return 2
        models = [catalogue.models[n] for n in names]
    stack = Stack(settings, catalogue, models=models, auth=not args.no_auth)
    try:
        await stack.start()
        print(f"brandlens is up. NATS_URL={stack.nats_url}  (Ctrl-C stops everything)", flush=True)
        await _serve_until_signal()
    finally:
        print("stopping…", file=sys.stderr, flush=True)
        await stack.stop()
    return 0


async def cmd_demo(settings: Settings, args: Any) -> int:
    catalogue = load_catalogue(settings.models_path)
    payload = resources.files("services.cli").joinpath("demo_request.json").read_bytes()
    request = msgspec.json.decode(payload, type=DiagnosisRequest)
    models = [catalogue.models[m] for m in request.models]
    stack = Stack(settings, catalogue, models=models, quiet=False)
    try:
        await stack.start()
        client = await BrandlensClient.connect(stack.nats_url, settings=stack.client_settings(), timeout_s=5)
        try:
            code, run_id = await submit_and_follow(
                client, encode(request), Path(args.out), list(REPORT_FILES), timeout_s=180
            )
            if code == 0 and run_id:
                print()
                print(render(await client.report(run_id), "summary").decode())
                print(f"\nOpen {Path(args.out) / 'report.html'} in a browser for the charts.")
            return code
        finally:
            await client.close()
    finally:
        with contextlib.suppress(Exception):
            await stack.stop()
