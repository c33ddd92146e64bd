"""The `$SRV` discovery contract the NATS CLI parses (`nats micro ls/info/stats`), and service
errors as the CLI shows them (Nats-Service-Error headers plus a JSON body)."""

from __future__ import annotations

import json
import re

from nats.aio.msg import Msg

from shared import subjects
from shared.client import BrandlensClient
from shared.discovery import discover
from shared.replies import error_reply

SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")
EXPECTED = {"brandlens-dispatcher", "brandlens-aggregator", "brandlens-adapter"}


class TestDiscovery:
    async def test_ping_lists_every_service_with_id_and_semver(self, client: BrandlensClient) -> None:
        """$SRV.PING is answered by the dispatcher, the aggregator and one adapter per model."""
        pings = await discover(client.nc, "PING")
        assert EXPECTED <= {p["name"] for p in pings}
        for ping in pings:
            assert ping["type"] == "io.nats.micro.v1.ping_response"
            assert ping["id"] and SEMVER.match(ping["version"])
        adapters = [p for p in pings if p["name"] == "brandlens-adapter"]
        assert {p["metadata"]["model"] for p in adapters} >= {"sim-deepseek", "sim-qwen", "sim-doubao"}

    async def test_info_describes_endpoints_with_types(self, client: BrandlensClient) -> None:
        """$SRV.INFO.<name> lists each endpoint's subject, queue group and request/response types."""
        infos = await discover(client.nc, "INFO", "brandlens-dispatcher")
        assert infos and infos[0]["type"] == "io.nats.micro.v1.info_response"
        endpoints = {e["name"]: e for e in infos[0]["endpoints"]}
        assert endpoints["submit"]["subject"] == subjects.SUBMIT
        assert endpoints["submit"]["metadata"]["request"] == "DiagnosisRequest"
        assert endpoints["submit"]["queue_group"]
        assert infos[0]["description"]

    async def test_adapter_stats_carry_in_flight_cells_and_breaker_state(self, client: BrandlensClient) -> None:
        """$SRV.STATS of an adapter includes its in-flight cells and circuit-breaker state."""
        stats = await discover(client.nc, "STATS", "brandlens-adapter")
        assert stats and all(s["type"] == "io.nats.micro.v1.stats_response" for s in stats)
        for st in stats:
            for endpoint in st["endpoints"]:
                for key in ("num_requests", "num_errors", "processing_time", "average_processing_time"):
                    assert key in endpoint
                assert {"in_flight", "breaker", "model", "state"} <= set(endpoint["data"])


class TestServiceErrors:
    async def test_rejection_uses_service_error_headers_and_a_json_body(self, client: BrandlensClient) -> None:
        """A rejected submit carries Nats-Service-Error(-Code) headers and a JSON body naming the field."""
        msg = await client.nc.request(subjects.SUBMIT, b'{"brand": {"name": ""}, "questions": [], "models": []}',
                                      timeout=10)
        assert msg.headers is not None
        assert msg.headers["Nats-Service-Error-Code"] == "400"
        assert msg.headers["Nats-Service-Error"]
        body = json.loads(msg.data)
        assert body["code"] == 400 and body["error"] == "invalid_request"
        assert {f["field"] for f in body["fields"]} >= {"brand.name", "questions", "models"}

    async def test_unparsable_request_gets_a_structured_error_not_an_exception_repr(
        self, client: BrandlensClient
    ) -> None:
        """Garbage on an endpoint is answered with a sanitised error; no Python repr reaches the caller."""
        msg = await client.nc.request(subjects.SUBMIT, b"\xff\xfe not json", timeout=10)
        assert msg.headers and msg.headers["Nats-Service-Error-Code"] == "400"
        assert "Traceback" not in msg.data.decode("utf-8", "replace")
        assert "Error(" not in msg.headers["Nats-Service-Error"]

    async def test_errors_are_counted_in_stats(self, client: BrandlensClient) -> None:
        """Rejected requests show up as endpoint errors in $SRV.STATS (the endpoint's `data.errors`,
        since nats-py offers no public way to count errors it did not see escape), with a sanitised
        last error; the standard fields stay present for `nats micro stats`."""
        await client.nc.request(subjects.SUBMIT, b"{}", timeout=10)
        stats = await discover(client.nc, "STATS", "brandlens-dispatcher")
        submit = next(e for s in stats for e in s["endpoints"] if e["name"] == "submit")
        assert "num_errors" in submit
        assert submit["data"]["errors"] >= 1
        assert submit["data"]["last_error"].startswith("400:")


class TestReadingServiceErrors:
    async def test_an_error_reply_is_read_from_the_body_or_else_from_the_headers(self, client: BrandlensClient) -> None:
        """shared.replies.error_reply (the client's and the services' one reader): our JSON body when
        there is one, the micro error headers when the body is someone else's, None for a success."""
        subject = f"_test.replies.{id(self)}"

        async def respond(msg: Msg) -> None:
            kind = msg.data.decode()
            # Msg.respond takes no headers: reply as a micro service does, on the reply subject.
            if kind == "ours":
                body = b'{"code": 409, "error": "not_finished", "message": "still running"}'
                await client.nc.publish(msg.reply, body, headers={"Nats-Service-Error-Code": "409",
                                                                  "Nats-Service-Error": "still running"})
            elif kind == "odd":
                await client.nc.publish(msg.reply, b"", headers={"Nats-Service-Error-Code": "E42",
                                                                 "Nats-Service-Error": "odd"})
            elif kind == "foreign":
                await client.nc.publish(msg.reply, b"<html>bad gateway</html>",
                                        headers={"Nats-Service-Error-Code": "502", "Nats-Service-Error": "bad gateway"})
            else:
                await client.nc.publish(msg.reply, b'{"ok": true}')

        sub = await client.nc.subscribe(subject, cb=respond)
        try:
            ours = error_reply(await client.nc.request(subject, b"ours", timeout=5))
            foreign = error_reply(await client.nc.request(subject, b"foreign", timeout=5))
            odd = error_reply(await client.nc.request(subject, b"odd", timeout=5))
            fine = error_reply(await client.nc.request(subject, b"fine", timeout=5))
        finally:
            await sub.unsubscribe()
        assert ours is not None and (ours.code, ours.error, ours.message) == (409, "not_finished", "still running")
        assert foreign is not None and (foreign.code, foreign.error, foreign.message) == (502, "error", "bad gateway")
        assert odd is not None and (odd.code, odd.message) == (500, "odd")  # a code that is no number
        assert fine is None
