"""`brandlens trend MONITOR [--json] [--format html|md|csv] [--out FILE] [--by day|slot]`.

Asks brandlens.monitors.trend (the monitors service builds the trend from the stored reports)
and renders it here, like `brandlens report`: the service answers JSON, formats are the CLI's.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import msgspec

from services.cli.commands import connect
from shared.config import Settings
from shared.monitoring.trend_types import Trend
from shared.report.trend_formats import render_trend

FORMATS = ("md", "html", "csv")


async def cmd_trend(settings: Settings, args: Any) -> int:
    client = await connect(settings)
    body: dict[str, Any] = {"id": args.monitor}
    if args.by:
        body["period"] = args.by
    try:
        answer = await client.monitor("trend", body)
    finally:
        await client.close()
    trend = msgspec.convert(answer, Trend)
    if args.json:
        # One line of JSON, last on stdout (scripts read it like `monitor show --json`).
        data = render_trend(trend, "json") + b"\n"
    else:
        data = render_trend(trend, args.format)
    if args.out:
        Path(args.out).write_bytes(data)
        print(args.out)
    else:
        sys.stdout.buffer.write(data)
    return 0


def add_command(sub: Any) -> None:
    trend = sub.add_parser("trend", help="a monitor's history: per brand × model × day, with intervals and slopes")
    trend.add_argument("monitor", help="monitor id (from `brandlens monitor list`)")
    trend.add_argument("--json", action="store_true", help="the trend as JSON (overrides --format)")
    trend.add_argument("--format", default="md", choices=FORMATS, help="md (default), html or csv")
    trend.add_argument("--out", default=None, help="write to this file instead of stdout")
    trend.add_argument("--by", default=None, choices=("day", "slot"),
                       help="one point per day (cron default) or per slot (default for every_s < 1 day)")
    trend.set_defaults(func=cmd_trend)
