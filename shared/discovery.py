"""Micro-service discovery: the `$SRV.PING|INFO|STATS[.<name>[.<id>]]` requests that `nats micro
ls / info / stats` send, answered by every instance once. Used by `brandlens services` and the
compose health check, which is why it lives here and not in the CLI."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats.errors
from nats.aio.client import Client

COLLECT_S = 0.5


async def discover(nc: Client, verb: str, name: str | None = None, wait_s: float = COLLECT_S) -> list[dict[str, Any]]:
    """Every instance's answer to a $SRV request (each instance replies once)."""
    subject = f"$SRV.{verb.upper()}" + (f".{name}" if name else "")
    inbox = nc.new_inbox()
    replies: list[dict[str, Any]] = []
    sub = await nc.subscribe(inbox)
    try:
        await nc.publish(subject, b"", reply=inbox)
        await nc.flush()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while (remaining := deadline - loop.time()) > 0:
            try:
                msg = await sub.next_msg(timeout=remaining)
            except nats.errors.TimeoutError:  # no reply is left within the collection window
                break
            replies.append(json.loads(msg.data))
    finally:
        await sub.unsubscribe()
    return sorted(replies, key=lambda r: (r.get("name", ""), r.get("id", "")))
