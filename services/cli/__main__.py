"""`brandlens` (console script) and `python -m services.cli`: the one asyncio.run of the CLI."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from services.cli import commands, deploy, discovery, local, monitor, tools, trend
from shared.catalogue import CatalogueError
from shared.client import RunNotFinished, RunNotFound, ServiceError
from shared.config import Settings, SettingsError, load_settings
from shared.errors import PermissionDenied, RequestRejected, ServiceUnavailable
from shared.logging import configure_logging

Command = Callable[[Settings, Any], Coroutine[Any, Any, int]]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="brandlens", description="How AI assistants talk about your brand.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="submit a diagnosis request (JSON file or - for stdin) and follow it")
    run.add_argument("request")
    run.add_argument("--out", default="out", help="directory for report.json, report.md, report.html, cells.csv")
    run.add_argument("--format", dest="formats", action="append", choices=list(commands.REPORT_FILES),
                     help="report formats to write (default: json and md)")
    run.add_argument("--timeout", type=float, default=None, help="stop following after this many seconds")
    run.add_argument("--dry-run", action="store_true", help="print cells, expected calls and estimated cost")
    run.set_defaults(func=commands.cmd_run)

    status = sub.add_parser("status", help="a run's progress and status")
    status.add_argument("run_id")
    status.set_defaults(func=commands.cmd_status)

    report = sub.add_parser("report", help="a finished run's report")
    report.add_argument("run_id")
    report.add_argument("--format", default="json", choices=list(commands.REPORT_FILES))
    report.add_argument("--out", default=None, help="write to this file instead of stdout")
    report.set_defaults(func=commands.cmd_report)

    models = sub.add_parser("models", help="each model: is its adapter up and ready, or what is missing")
    models.set_defaults(func=commands.cmd_models)

    runs = sub.add_parser("runs", help="past runs with status, coverage and headline visibility")
    runs.add_argument("--limit", type=int, default=50)
    runs.add_argument("--json", action="store_true", help="the runs as one JSON list")
    runs.set_defaults(func=commands.cmd_runs)

    up = sub.add_parser("up", help="run the whole stack locally until Ctrl-C")
    up.add_argument("--models", default=None, help="comma-separated models to start adapters for")
    up.add_argument("--no-auth", action="store_true", help="embedded nats-server without users (local only)")
    up.set_defaults(func=commands.cmd_up)

    demo = sub.add_parser("demo", help="start the embedded stack, run the demo diagnosis, stop")
    demo.add_argument("--out", default="out/demo")
    demo.set_defaults(func=commands.cmd_demo)

    discovery.add_command(sub)
    deploy.add_command(sub)
    local.add_command(sub)
    monitor.add_command(sub)
    trend.add_command(sub)
    tools.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"brandlens: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, "console" if settings.log_format == "auto" else settings.log_format)
    func: Command = args.func
    try:
        return asyncio.run(func(settings, args))
    except KeyboardInterrupt:
        return 130
    except RequestRejected as exc:
        commands.print_field_errors(exc)
        return 2
    except PermissionDenied as exc:
        commands.err(str(exc))
        return 3
    except (ServiceUnavailable, RunNotFound, RunNotFinished, ServiceError, CatalogueError) as exc:
        commands.err(str(exc))
        return 1
    except TimeoutError as exc:
        commands.err(f"timed out: {exc}" if str(exc) else "timed out")
        return 1


if __name__ == "__main__":
    sys.exit(main())
