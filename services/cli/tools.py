"""Offline and analyst commands: analyze, reanalyze, compare."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import msgspec

from services.cli.commands import DEFAULT_FORMATS, REPORT_FILES, connect, write_reports
from shared import subjects
from shared.analysis import analyse_jsonl_line
from shared.config import Settings
from shared.report import compare_reports, render_comparison
from shared.report.fmt import when
from shared.report.types import ReanalysisSummary


def add_commands(sub: Any) -> None:
    analyze = sub.add_parser("analyze", help="analyse JSONL answers on stdin, one analysis JSON per line out")
    analyze.add_argument("--explain", action="store_true",
                         help="print each verdict with the text it rests on (for reading), not JSON lines")
    analyze.set_defaults(func=cmd_analyze)

    reanalyze = sub.add_parser(
        "reanalyze", help="rebuild a finished run's report with the current analyser (stored cells are kept)"
    )
    reanalyze.add_argument("run_id")
    reanalyze.add_argument("--out", default=None, help="also write the rebuilt report files to this directory")
    reanalyze.add_argument("--format", dest="formats", action="append", choices=list(REPORT_FILES),
                           help="report formats to write with --out (default: json and md)")
    reanalyze.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the aggregator")
    reanalyze.add_argument("--json", action="store_true", help="print the summary as JSON")
    reanalyze.set_defaults(func=cmd_reanalyze)

    compare = sub.add_parser("compare", help="what changed between two runs, and whether it is beyond noise")
    compare.add_argument("run_a")
    compare.add_argument("run_b")
    compare.add_argument("--json", action="store_true", help="print the comparison as JSON")
    compare.set_defaults(func=cmd_compare)


async def cmd_analyze(_settings: Settings, args: argparse.Namespace) -> int:
    if args.explain:
        return explain_lines()
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        sys.stdout.buffer.write(analyse_jsonl_line(line) + b"\n")
    sys.stdout.flush()
    return 0


def explain_lines() -> int:
    from shared.analysis.explain import explain, explain_error
    from shared.analysis.jsonl import LineError, analyse_request, parse_jsonl_line

    number = 0
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        number += 1
        request = parse_jsonl_line(line)
        if isinstance(request, LineError):
            print(explain_error(request.field, request.reason, number))
            continue
        result = analyse_request(request)
        if isinstance(result, LineError):
            print(explain_error(result.field, result.reason, number))
        else:
            print(explain(request.answer, result, number) + "\n")
    sys.stdout.flush()
    return 0


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
        *_judge_lines(summary),
        f"  the report in {subjects.REPORTS_STORE} was replaced; stored cells are unchanged",
    ]


def _judge_lines(summary: ReanalysisSummary) -> list[str]:
    """What the re-analysis asked of the run's judge (nothing when there is no judge job to speak of)."""
    if not (summary.judge_jobs or summary.judge_pending or summary.judge_over_budget):
        return []
    line = f"  judge: {summary.judge_jobs} judge jobs sent for answers now unsure, {summary.judge_pending} pending"
    if summary.judge_over_budget:
        line += f", {summary.judge_over_budget} not sent (the run's max_cost is spent)"
    return [line + "; the report is rebuilt when they are in"]


async def cmd_reanalyze(settings: Settings, args: argparse.Namespace) -> int:
    client = await connect(settings)
    try:
        summary = await client.reanalyze(args.run_id, timeout_s=args.timeout)
        if args.json:
            sys.stdout.buffer.write(msgspec.json.encode(summary) + b"\n")
        else:
            print("\n".join(summary_lines(summary)))
        if args.out:
            paths = await write_reports(client, summary.run_id, Path(args.out), args.formats or DEFAULT_FORMATS)
            for path in paths:
                print(f"  {path}", file=sys.stderr if args.json else sys.stdout)
        return 0
    finally:
        await client.close()


async def cmd_compare(settings: Settings, args: argparse.Namespace) -> int:
    client = await connect(settings)
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
