"""`brandlens monitor create FILE | list | show ID | pause ID | resume ID | delete ID | run-now ID`.

Each verb is one request on ``brandlens.monitors.<verb>`` (the monitors service validates and
acts; this module only reads the spec file and renders the answer). With ``--json`` the answer is
printed as one line of JSON, last on stdout, so scripts read ``json.loads(lines[-1])`` — for create
that object carries the new ``id``. Without it the output is for people. A rejected spec exits 2
and lists each bad field (``schedule.cron: ...``); an unknown monitor exits 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from services.cli.commands import connect, err
from shared.config import Settings
from shared.errors import RequestRejected

# Verbs that name a monitor, with their one-line help.
BY_ID = {
    "show": "a monitor, its runs (slot, run, status) and its alerts",
    "pause": "stop firing (the schedule is removed from nats-server; history kept)",
    "resume": "fire again from the next slot",
    "delete": "remove the monitor, its schedule and its history (runs stay until their retention)",
    "run-now": "one run now, outside the schedule (it takes no slot's place)",
}


def schedule_text(schedule: dict[str, Any]) -> str:
    if schedule.get("every_s") is not None:
        return f"every {schedule['every_s']} s"
    return f"cron {schedule.get('cron')} ({schedule.get('timezone', 'UTC')})"


def read_spec(target: str) -> bytes | None:
    """The spec's bytes (a file, or - for stdin), or None after saying why it cannot be used."""
    if not target:
        err("monitor create needs a spec file (or - for stdin)")
        return None
    try:
        data = sys.stdin.buffer.read() if target == "-" else Path(target).read_bytes()
    except OSError as exc:
        err(f"cannot read {target}: {exc.strerror or exc}")
        return None
    try:
        json.loads(data)
    except ValueError as exc:
        # Checked here only to point at the line: the service validates every field.
        err(f"{target} is not valid JSON: {exc}")
        return None
    return data


def print_monitor(view: dict[str, Any]) -> None:
    state = "paused" if view.get("paused") else "active"
    print(f"monitor {view['id']}  {view.get('name', '')!r}  {schedule_text(view.get('schedule') or {})}  {state}")
    if view.get("last_slot"):
        print(f"last slot: {view['last_slot']}")
    runs = view.get("runs")
    if runs is not None:
        print(f"\nruns ({len(runs)}):" if runs else "\nruns: none yet")
        for run in runs:
            print(f"  {run['slot']:<22} {run['status']:<10} {run.get('run_id') or '-':<30} "
                  f"{run.get('trigger', '')}")
    alerts = view.get("alerts")
    if alerts is not None:
        print(f"\nalerts ({len(alerts)}):" if alerts else "\nalerts: none")
        for alert in alerts:
            where = " ".join(str(alert[k]) for k in ("brand", "model") if alert.get(k))
            print(f"  {alert.get('slot', ''):<22} {alert['kind']:<20} {where}  {alert.get('message', '')}")


def print_list(views: list[dict[str, Any]]) -> None:
    if not views:
        print("no monitors (create one: brandlens monitor create spec.json)")
        return
    print(f"{'id':<14} {'state':<7} {'schedule':<34} {'last slot':<18} name")
    for view in views:
        state = "paused" if view.get("paused") else "active"
        print(f"{view['id']:<14} {state:<7} {schedule_text(view.get('schedule') or {}):<34} "
              f"{view.get('last_slot') or '-':<18} {view.get('name', '')}")


def print_human(action: str, result: Any) -> None:
    if action == "list":
        print_list(result)
    elif action == "show":
        print_monitor(result)
    elif action == "create":
        print(f"created monitor {result['id']} ({schedule_text(result.get('schedule') or {})})")
        print(f"  see its runs: brandlens monitor show {result['id']}")
    elif action in ("pause", "resume"):
        print(f"monitor {result['id']} is {'paused' if result.get('paused') else 'active'}")
    elif action == "delete":
        print(f"deleted monitor {result['id']}")
    elif action == "run-now":
        print(f"started run {result.get('run_id') or '-'} ({result.get('status')}) at {result.get('slot')}")
        if result.get("run_id"):
            print(f"  follow it: brandlens status {result['run_id']}")


async def cmd_monitor(settings: Settings, args: Any) -> int:
    action: str = args.action
    if action == "create":
        payload = read_spec(args.file)
        if payload is None:
            return 2
        body: dict[str, Any] | bytes = payload
    elif action == "list":
        body = {}
    else:
        body = {"id": args.id}
    client = await connect(settings)
    try:
        result = await client.monitor(action, body)
    except RequestRejected as exc:
        if action != "create":
            raise
        err("the monitor spec was rejected:")
        for field in exc.fields:
            print(f"  {field.field}: {field.reason}", file=sys.stderr)
        return 2
    finally:
        await client.close()
    if args.json:
        # One line, last on stdout: create → {"id": ..., ...}; show → {"id","name","schedule",
        # "paused","runs","alerts",...}; list → [...]; run-now → {"run_id","slot","status",...}.
        print(json.dumps(result, ensure_ascii=False))
    else:
        print_human(action, result)
    return 0


def add_command(sub: Any) -> None:
    mon = sub.add_parser("monitor", help="monitors: a diagnosis on a schedule (create FILE, list, show ID, ...)",
                         description="Monitors: the same diagnosis on a schedule nats-server fires "
                                     "(docs/monitors.md).")
    verbs = mon.add_subparsers(dest="action", required=True, metavar="VERB")
    create = verbs.add_parser("create", help="create a monitor from a spec file (JSON; - for stdin)")
    create.add_argument("file", help='{"name", "request", "schedule": {"cron", "timezone"} | {"every_s"}, "alerts"?}')
    listing = verbs.add_parser("list", help="every monitor with its schedule and state")
    parsers = [create, listing]
    for verb, text in BY_ID.items():
        parser = verbs.add_parser(verb, help=text)
        parser.add_argument("id", help="monitor id (from `brandlens monitor list`)")
        parsers.append(parser)
    for parser in parsers:
        parser.add_argument("--json", action="store_true", help="print the answer as one line of JSON")
        parser.set_defaults(func=cmd_monitor)

