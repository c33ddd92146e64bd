"""`python -m services.healthcheck brandlens-dispatcher`: exit 0 when at least one instance of
the service answers `$SRV.PING.<name>` (the same ping `nats micro ls` sends), else 1."""

from __future__ import annotations

import asyncio
import sys

from shared.bus import BusUnavailable, connect
from shared.config import load_settings
from shared.discovery import discover


async def _check(name: str, metadata_model: str | None) -> bool:
    try:
        nc = await connect(load_settings(), "brandlens-healthcheck", first_connect_timeout_s=3)
    except BusUnavailable:
        return False
    try:
        pings = await discover(nc, "PING", name, wait_s=1.0)
    finally:
        await nc.close()
    if metadata_model is not None:
        pings = [p for p in pings if (p.get("metadata") or {}).get("model") == metadata_model]
    return bool(pings)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m services.healthcheck SERVICE_NAME [MODEL]", file=sys.stderr)
        return 2
    return 0 if asyncio.run(_check(args[0], args[1] if len(args) > 1 else None)) else 1


if __name__ == "__main__":
    sys.exit(main())
