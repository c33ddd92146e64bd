"""`brandlens monitor create|list|show|pause|resume|delete|run-now` over brandlens.monitors.*."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from services.cli.commands import connect
from shared.config import Settings

ACTIONS = ("list", "show", "pause", "resume", "delete", "run-now")


async def cmd_monitor(settings: Settings, args: Any) -> int:
    client = await connect(settings)
    try:
        if args.action == "create":
            data = sys.stdin.buffer.read() if args.target == "-" else Path(args.target).read_bytes()
            result = await client.monitor("create", data)
        elif args.action == "list":
            result = await client.monitor("list", {})
        else:
            result = await client.monitor(args.action, {"id": args.target})
    finally:
        await client.close()
    if args.json or args.action in ("show", "list"):
        # With --json the last stdout line is the answer (create: {"id": ...}).
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"{args.action}: {result.get('id', '')} {result.get('run_id', '') or ''}".rstrip())
    return 0


def add_command(sub: Any) -> None:
    mon = sub.add_parser("monitor", help="monitors: a diagnosis on a schedule (create FILE, list, show ID, ...)")
    mon.add_argument("action", choices=("create", *ACTIONS))
    mon.add_argument("target", nargs="?", default="", help="spec file (create) or monitor id")
    mon.add_argument("--json", action="store_true", help="print the answer as JSON")
    mon.set_defaults(func=cmd_monitor)
