"""NKey/JWT `.creds` as the alternative to passwords: a service with NATS_CREDS connects to a
server in operator mode and is held to the permissions in its user JWT.

The operator, accounts and user are made by the official NATS JavaScript packages
(@nats-io/jwt, @nats-io/nkeys — what `nsc` does); the server is the real nats-server; the
service side is shared.bus.connect with NATS_CREDS, as every brandlens service connects.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from shared.bus import connect
from shared.config import load_settings
from shared.denials import Denials
from shared.embedded import NatsServer
from shared.errors import PermissionDenied
from tests.harness import REPO

HERE = REPO / "tests" / "outside"
NODE = shutil.which("node")
PERMISSIONS = {"pub": {"allow": ["creds.ok", "_INBOX.>"]}, "sub": {"allow": ["creds.ok", "_INBOX.>"]}}

pytestmark = pytest.mark.skipif(
    NODE is None and os.environ.get("BRANDLENS_REQUIRE_NODE") != "1",
    reason="node not installed (the official NATS JS packages run on it)")


class TestCredsFile:
    @pytest.mark.slow  # over 3 s: kept out of make test-fast, run by make test
    async def test_a_service_with_nats_creds_connects_and_keeps_to_its_jwt_permissions(self, tmp_path: Path) -> None:
        """NATS_CREDS=user.creds: allowed subjects round-trip; a subject outside the JWT's
        permissions is refused as PermissionDenied; without the creds the server refuses."""
        assert NODE is not None
        if not (HERE / "node_modules" / "@nats-io" / "jwt").exists():
            pytest.fail("the NATS JavaScript packages are missing: run `make install`")
        made = await asyncio.to_thread(subprocess.run, [NODE, "creds.mjs", str(tmp_path)], cwd=HERE,
                                       env={**os.environ, "PERMISSIONS": json.dumps(PERMISSIONS)},
                                       capture_output=True, text=True, timeout=60, check=False)
        assert made.returncode == 0, made.stderr
        server = NatsServer(tmp_path / "nats", auth_conf=(tmp_path / "server.conf").read_text(encoding="utf-8"))
        await asyncio.to_thread(server.start)
        try:
            denials = Denials("client")
            settings = load_settings({"NATS_CREDS": str(tmp_path / "user.creds")})
            nc = await connect(settings, "creds-test", url=server.url, first_connect_timeout_s=5,
                               on_error=denials.on_error)
            try:
                sub = await nc.subscribe("creds.ok")
                await nc.publish("creds.ok", b"signed in with a .creds file")
                assert (await sub.next_msg(timeout=2)).data == b"signed in with a .creds file"

                async def forbidden() -> None:
                    await nc.publish("brandlens.runs.submit", b"{}")
                    await nc.flush()
                    await asyncio.sleep(5)

                with pytest.raises(PermissionDenied, match=r"brandlens\.runs\.submit"):
                    await denials.guard(forbidden())
            finally:
                await nc.close()
            from shared.bus import BusUnavailable

            with pytest.raises(BusUnavailable):
                await connect(load_settings({}), "no-creds", url=server.url, first_connect_timeout_s=3)
        finally:
            server.stop()
