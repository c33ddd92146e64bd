"""Offline and analyst commands: analyze, reanalyze, compare."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import msgspec
import nats.errors

from services.cli.commands import REPORT_FILES, local_credentials, write_reports
from shared import subjects
from shared.analysis import analyse_jsonl_line
from shared.client import BrandlensClient, RunNotFinished, RunNotFound, ServiceError
from shared.config import Settings
from shared.contracts import ErrorReply, error_decoder
from shared.errors import RequestRejected, ServiceUnavailable
from shared.report import compare_reports, render_comparison
from shared.report.fmt import when
from shared.report.types import ReanalysisSummary

_summary_decoder = msgspec.json.Decoder(ReanalysisSummary)


def add_commands(sub: Any) -> None:
    analyze = sub.add_parser("analyze", help="analyse JSONL answers on stdin, one analysis JSON per line out")
    analyze.set_defaults(func=cmd_analyze)

    reanalyze = sub.add_parser(
        "reanalyze", help="rebuild a finished run's report with the current analyser (stored cells are kept)"
    )
    reanalyze.add_argument("run_id")
    reanalyze.add_argument("--out", default=None, help="also write the rebuilt report files to this directory")
    reanalyze.add_argument("--format", dest="formats", action="append", choices=sorted(REPORT_FILES),
                           help="report formats to write with --out (default: json and md)")
    reanalyze.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the aggregator")
    reanalyze.add_argument("--json", action="store_true", help="print the summary as JSON")
    reanalyze.set_defaults(func=cmd_reanalyze)

    compare = sub.add_parser("compare", help="what changed between two runs, and whether it is beyond noise")
    compare.add_argument("run_a")
    compare.add_argument("run_b")
    compare.add_argument("--json", action="store_true", help="print the comparison as JSON")
    compare.set_defaults(func=cmd_compare)


async def _connect(settings: Settings) -> BrandlensClient:
    return await BrandlensClient.connect(settings.nats_url or "nats://127.0.0.1:4222",
                                         settings=local_credentials(settings), timeout_s=5)


async def cmd_analyze(_settings: Settings, _args: argparse.Namespace) -> int:
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        sys.stdout.buffer.write(analyse_jsonl_line(line) + b"\n")
    sys.stdout.flush()
    return 0


def _raise_error_reply(headers: dict[str, str], data: bytes) -> None:
    try:
        reply = error_decoder.decode(data)
    except msgspec.DecodeError:
        reply = ErrorReply(code=int(headers.get("Nats-Service-Error-Code") or 500), error="error",
                           message=headers.get("Nats-Service-Error", ""))
    if reply.code == 400:
        raise RequestRejected(reply.message, reply.fields)
    if reply.code == 404:
        raise RunNotFound(reply.message)
    if reply.code == 409:
        raise RunNotFinished(reply.message)
    if reply.code == 503:
        raise ServiceUnavailable(reply.message)
    raise ServiceError(reply)


async def request_reanalysis(client: BrandlensClient, run_id: str, timeout_s: float) -> ReanalysisSummary:
    """Ask the aggregator to rebuild the run's report; typed errors as the client raises them."""
    try:
        msg = await client.nc.request(subjects.REANALYZE, msgspec.json.encode({"run_id": run_id}),
                                      timeout=timeout_s)
    except nats.errors.NoRespondersError:
        raise ServiceUnavailable(f"no service answers on {subjects.REANALYZE}: is the aggregator running?") from None
    except nats.errors.TimeoutError:
        raise ServiceUnavailable(f"no answer on {subjects.REANALYZE} within {timeout_s:g}s "
                                 "(a large run may need --timeout)") from None
    if msg.headers and msg.headers.get("Nats-Service-Error-Code"):
        _raise_error_reply(msg.headers, msg.data)
    return _summary_decoder.decode(msg.data)


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def summary_lines(summary: ReanalysisSummary) -> list[str]:
    previous = ", ".join(f"{version} ×{count}" for version, count in sorted(summary.previous_versions.items()))
    return [
        f"run {summary.run_id} ({summary.status}) re-analysed with analyser {summary.analyser_version} "
        f"in {summary.elapsed_ms / 1000:.1f}s at {when(summary.generated_at)}"
        + (f" ({summary.workers} worker processes)" if summary.workers else ""),
        f"  cells: {summary.cells} stored, {summary.analysed} analysed, {summary.changed} changed "
        f"from the stored analyses (stored by: {previous or 'none'})",
        f"  main-brand visibility: {_share(summary.visibility_before)} → {_share(summary.visibility_after)}",
        f"  the report in {subjects.REPORTS_STORE} was replaced; stored cells are unchanged",
    ]


async def cmd_reanalyze(settings: Settings, args: argparse.Namespace) -> int:
    client = await _connect(settings)
    try:
        summary = await request_reanalysis(client, args.run_id, args.timeout)
        if args.json:
            sys.stdout.buffer.write(msgspec.json.encode(summary) + b"\n")
        else:
            print("\n".join(summary_lines(summary)))
        if args.out:
            paths = await write_reports(client, summary.run_id, Path(args.out), args.formats or ["json", "md"])
            for path in paths:
                print(f"  {path}", file=sys.stderr if args.json else sys.stdout)
        return 0
    finally:
        await client.close()


async def cmd_compare(settings: Settings, args: argparse.Namespace) -> int:
    client = await _connect(settings)
    try:
        # One after the other: the first missing run is the one the error names.
        report_a = await client.report(args.run_a)
        report_b = await client.report(args.run_b)
    finally:
        await client.close()
    comparison = compare_reports(report_a, report_b)
    if args.json:
        sys.stdout.buffer.write(msgspec.json.encode(comparison) + b"\n")
    else:
        sys.stdout.write(render_comparison(comparison))
    sys.stdout.flush()
    return 0
