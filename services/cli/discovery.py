"""`brandlens services`: what `nats micro ls / info / stats` show, for machines without the
Go `nats` CLI. It speaks the same `$SRV.PING|INFO|STATS[.<name>[.<id>]]` protocol."""

from __future__ import annotations

import json
from typing import Any

from services.cli.commands import connect
from shared.config import Settings
from shared.discovery import discover


def format_ls(pings: list[dict[str, Any]]) -> str:
    lines = [f"{'name':<24} {'version':<8} {'id':<24} metadata"]
    for p in pings:
        meta = ", ".join(f"{k}={v}" for k, v in sorted((p.get("metadata") or {}).items()))
        lines.append(f"{p.get('name', ''):<24} {p.get('version', ''):<8} {p.get('id', ''):<24} {meta}")
    return "\n".join(lines)


def format_info(infos: list[dict[str, Any]]) -> str:
    out = []
    for info in infos:
        out.append(f"{info.get('name')} {info.get('version')} ({info.get('id')}): {info.get('description', '')}")
        for key, value in sorted((info.get("metadata") or {}).items()):
            out.append(f"  {key}: {value}")
        for ep in info.get("endpoints") or []:
            meta = ep.get("metadata") or {}
            out.append(f"  endpoint {ep.get('name')}: {ep.get('subject')} (queue {ep.get('queue_group')}) "
                       f"request={meta.get('request', '?')} response={meta.get('response', '?')}")
    return "\n".join(out)


def format_stats(stats: list[dict[str, Any]]) -> str:
    out = []
    for st in stats:
        out.append(f"{st.get('name')} {st.get('id')} started {st.get('started')}")
        for ep in st.get("endpoints") or []:
            out.append(f"  {ep.get('name'):<10} requests={ep.get('num_requests')} errors={ep.get('num_errors')} "
                       f"avg={int(ep.get('average_processing_time') or 0) / 1e6:.2f}ms")
            if ep.get("data"):
                out.append(f"    {json.dumps(ep['data'], ensure_ascii=False, sort_keys=True)}")
    return "\n".join(out)


async def cmd_services(settings: Settings, args: Any) -> int:
    client = await connect(settings)
    try:
        replies = await discover(client.nc, {"ls": "PING"}.get(args.verb, args.verb), args.name)
    finally:
        await client.close()
    if not replies:
        print("no brandlens service answered $SRV requests: is the stack running?")
        return 1
    if args.json:
        print(json.dumps(replies, ensure_ascii=False, indent=2))
    else:
        print({"ls": format_ls, "info": format_info, "stats": format_stats}[args.verb](replies))
    return 0


def add_command(sub: Any) -> None:
    services = sub.add_parser("services", help="discover the running services (like `nats micro ls/info/stats`)")
    services.add_argument("verb", nargs="?", default="ls", choices=["ls", "info", "stats"])
    services.add_argument("name", nargs="?", default=None, help="e.g. brandlens-adapter")
    services.add_argument("--json", action="store_true", help="print the raw $SRV JSON")
    services.set_defaults(func=cmd_services)
