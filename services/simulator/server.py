"""The simulator's aiohttp application: provider endpoints, fault injection, control API, stats."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from typing import Any

import msgspec
from aiohttp import web

from services.simulator.answers import Answer, compose_answer
from services.simulator.config import FaultSpec, SimulatorConfig, VisibilityShift
from services.simulator.control import ControlAPI
from services.simulator.draws import unit
from services.simulator.errors import Built
from services.simulator.faults import FaultRegistry
from services.simulator.judging import Judge, read_judge_prompt
from services.simulator.latency import LatencyModel, latency_hint_seconds
from services.simulator.protocols import anthropic, gemini, openai_compat, openai_responses
from services.simulator.protocols.base import BadRequest, Call, Protocol, encode_json, truncated_answer
from services.simulator.search import native as search_native
from services.simulator.stats import Stats

# Recorded status of a request whose client went away before the answer (nginx's convention).
CLIENT_CLOSED = 499
_DISCONNECTED = "simulator.disconnected"
_MAX_SAMPLE_KEYS = 200_000
SAMPLE_VARIANTS = 16
_STREAM_BATCHES = 8
_HTML_GARBAGE = (b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
                 b"</center><hr><center>nginx</center></body></html>")


class Simulator:
    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.stats = Stats(config.request_log_size)
        self.faults = FaultRegistry(config.seed)
        self.latency = LatencyModel(config)
        self._install_config_faults()
        self.shifts: list[VisibilityShift] = list(config.shifts)
        # Per-(model, question) sample counter: repeated unseeded samples vary a little, reproducibly.
        self._samples: dict[tuple[str, str], int] = {}
        self._request_ids = itertools.count(1)
        self._rid_prefix = os.urandom(4).hex()
        self._closing = asyncio.Event()
        self.judge = Judge(config.seed, config.judge_wrong_rate, config.judge_bad_quote_rate)

    def _install_config_faults(self) -> None:
        for spec in self.config.faults:
            self.faults.add(spec)

    # ------------------------------------------------------------------------------ application
    def app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 1024 * 1024)
        openai_protocol = openai_compat.OpenAICompatible()
        for path in openai_compat.PATHS:
            app.router.add_post(path, self._endpoint(openai_protocol))
        anthropic_protocol = anthropic.Anthropic()
        for path in anthropic.PATHS:
            app.router.add_post(path, self._endpoint(anthropic_protocol))
        responses_protocol = openai_responses.OpenAIResponses()
        for path in openai_responses.PATHS:
            app.router.add_post(path, self._endpoint(responses_protocol))
        gemini_protocol = gemini.Gemini()
        for path in gemini.PATHS:
            app.router.add_post(path, self._endpoint(gemini_protocol))
        search_native.add_routes(app, self._endpoint)
        ControlAPI(self).add_routes(app)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def _on_shutdown(self, _app: web.Application) -> None:
        # Hanging requests would otherwise hold graceful shutdown until its timeout.
        self._closing.set()

    def _endpoint(self, protocol: Protocol) -> Any:
        async def handler(request: web.Request) -> web.StreamResponse:
            return await self._handle(protocol, request)

        return handler

    # ------------------------------------------------------------------------------ provider requests
    def _rid(self) -> str:
        return f"{self._rid_prefix}{next(self._request_ids):012x}"

    async def _handle(self, protocol: Protocol, request: web.Request) -> web.StreamResponse:
        rid = self._rid()
        auth_kind, key = protocol.auth(request)
        raw = await request.read()
        try:
            call = protocol.parse(msgspec.json.decode(raw) if raw else None, request)
        except (msgspec.DecodeError, BadRequest) as exc:
            bad = exc if isinstance(exc, BadRequest) else BadRequest(400, None, f"Invalid JSON body: {exc}")
            model = request.match_info.get("target", "").partition(":")[0]
            # Providers authenticate before they validate the body.
            built = protocol.precheck(request, auth_kind, key, model, rid) or protocol.error(
                bad.status, bad.code, bad.message, model, rid)
            self.stats.begin(model)
            self.stats.end(model, built[0], False, auth_kind, False)
            return self._json(protocol, built, rid)
        model = call.model
        self.stats.begin(model)
        status, disconnected = 500, False
        try:
            response = await self._serve(protocol, request, call, auth_kind, key, rid)
            status = response.status
            if request.get(_DISCONNECTED):
                status, disconnected = CLIENT_CLOSED, True
            return response
        except asyncio.CancelledError:
            # aiohttp cancels the handler when the client goes away (handler_cancellation=True).
            status, disconnected = CLIENT_CLOSED, True
            raise
        finally:
            self.stats.end(model, status, call.stream, auth_kind, disconnected)

    async def _serve(self, protocol: Protocol, request: web.Request, call: Call, auth_kind: str,
                     key: str | None, rid: str) -> web.StreamResponse:
        rejected = protocol.precheck(request, auth_kind, key, call.model, rid)
        if rejected is not None:
            return self._json(protocol, rejected, rid)
        fault = self.faults.draw(call.model)
        if fault is not None:
            immediate = self._immediate_fault(protocol, fault, call, rid)
            if immediate is not None:
                return immediate
            if fault.mode == "hang":
                await self._closing.wait()
                return self._json(protocol, protocol.error(503, None, None, call.model, rid), rid)
        delay = self._latency(call)
        if fault is not None and fault.mode == "slow":
            delay += fault.delay_ms / 1000.0
        created = int(time.time())
        if fault is not None and fault.mode == "empty":
            if call.stream:
                return await self._stream(protocol, request, call, None, rid, created, "stop", delay)
            await self._sleep(delay)
            return self._json(protocol, (200, protocol.empty(call, rid, created), {}), rid)
        answer = self._answer(call)
        if fault is not None and fault.mode == "garbage":
            await self._sleep(delay)
            return self._garbage(protocol, call, fault, rid)
        if fault is not None and fault.mode == "truncate":
            cut = truncated_answer(answer, call.max_tokens, fault.variant == "thinking")
            if call.stream:
                return await self._stream(protocol, request, call, cut, rid, created, "length", delay)
            await self._sleep(delay)
            return self._json(protocol, (200, protocol.success(call, cut, rid, created, "length"), {}), rid)
        if fault is not None and fault.mode == "filter":
            filtered = protocol.filtered(call, answer, rid, fault.variant)
            if call.stream and filtered[0] == 200:
                return await self._stream(protocol, request, call, answer, rid, created, "filter", delay)
            await self._sleep(delay)
            return self._json(protocol, filtered, rid)
        if call.stream:
            return await self._stream(protocol, request, call, answer, rid, created, "stop", delay)
        await self._sleep(delay)
        return self._json(protocol, (200, protocol.success(call, answer, rid, created), {}), rid)

    def _immediate_fault(self, protocol: Protocol, fault: FaultSpec, call: Call, rid: str) -> web.Response | None:
        """Faults that answer at once, as a provider's front door does (no model latency)."""
        if fault.mode == "rate_limit":
            return self._json(protocol, protocol.rate_limited(fault, call.model, rid), rid)
        if fault.mode in ("status", "burst"):
            # Without an explicit status, a provider code decides it (insufficient_quota -> 429, ...).
            status = fault.status or (503 if fault.mode == "burst" else None)
            if fault.body is not None:
                return self._json(protocol, (status or 500, fault.body, {}), rid)
            return self._json(protocol, protocol.error(status, fault.code, fault.message, call.model, rid), rid)
        return None

    def _answer(self, call: Call) -> Answer:
        prompt = call.prompt
        ask = read_judge_prompt(prompt.judge_text) if prompt.judge_text else None
        if ask is not None:
            return self.judge.answer(call.model, ask)
        if call.seed is not None:
            variant = call.seed
        else:
            key = (call.model, prompt.question)
            sample = self._samples.get(key, 0)
            if len(self._samples) >= _MAX_SAMPLE_KEYS:
                self._samples.clear()
            self._samples[key] = sample + 1
            # A bounded cycle of variants keeps repeated samples varied yet served from the answer cache.
            variant = sample % SAMPLE_VARIANTS
        answer = compose_answer(call.model, prompt.question, prompt.main_brand, variant, prompt.wants_geo,
                                self.config.seed, self._left_out(call.model, prompt.question, variant))
        self.judge.remember(answer)
        return answer

    def _left_out(self, model: str, question: str, variant: int) -> tuple[str, ...]:
        """Brands the active visibility shifts remove from this answer (sorted: a cache key)."""
        if not self.shifts:
            return ()
        now = time.time()
        # A stable draw per (model, question, variant): reproducible, and over the variants a
        # question cycles through, the brand is left out of ~remove_rate of the answers.
        left = {shift.brand for shift in self.shifts
                if now >= shift.start_at and shift.model in ("*", model)
                and unit("shift", model, question, variant, shift.brand, self.config.seed) < shift.remove_rate}
        return tuple(sorted(left))

    def _latency(self, call: Call) -> float:
        if self.config.honour_latency_hints:
            hinted = latency_hint_seconds(call.prompt.question, call.model)
            if hinted is not None:
                return hinted
        return self.latency.seconds(call.model)

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)

    def _json(self, protocol: Protocol, built: Built, rid: str) -> web.Response:
        status, body, headers = built
        headers = {**headers, protocol.request_id_header: rid}
        return web.Response(status=status, body=encode_json(body), content_type="application/json",
                            headers=headers)

    def _garbage(self, protocol: Protocol, call: Call, fault: FaultSpec, rid: str) -> web.Response:
        headers = {protocol.request_id_header: rid}
        if fault.variant == "html":
            return web.Response(status=200, body=_HTML_GARBAGE, content_type="text/html", headers=headers)
        return web.Response(status=200, text=protocol.garbage_for(call), content_type="application/json",
                            headers=headers)

    async def _stream(self, protocol: Protocol, request: web.Request, call: Call, answer: Answer | None,
                      rid: str, created: int, finish: str, delay: float) -> web.StreamResponse:
        content_type, frames = protocol.assemble_stream(
            call, protocol.stream_events(call, answer, rid, created, finish))
        # Time to first token, then the rest spread over a few batches, like a real stream.
        await self._sleep(delay * 0.3)
        response = web.StreamResponse(status=200, headers={
            "Content-Type": content_type, "Cache-Control": "no-cache", protocol.request_id_header: rid})
        try:
            await response.prepare(request)
            if delay <= 0 or len(frames) <= 1:
                await response.write_eof(b"".join(frames))
            else:
                size = max(1, -(-len(frames) // _STREAM_BATCHES))
                batches = [frames[start:start + size] for start in range(0, len(frames), size)]
                pause = delay * 0.7 / (len(batches) - 1)
                for batch in batches[:-1]:
                    await response.write(b"".join(batch))
                    await asyncio.sleep(pause)
                # The last frames go out with the end of the body, never followed by a pause: a
                # client that has read [DONE] hangs up at once, and a completed stream must not be
                # counted as a disconnect.
                await response.write_eof(b"".join(batches[-1]))
        except ConnectionError:
            # The client went away mid-stream (aiohttp raises ClientConnectionResetError, a ConnectionError).
            request[_DISCONNECTED] = True
        return response

    def reset(self) -> None:
        """Forget requests, faults, sample counters and judge log (POST /_sim/reset)."""
        self.stats.reset()
        self.faults.clear()
        self._samples.clear()
        self.judge.reset()


async def start_simulator(host: str, port: int, config: SimulatorConfig) -> tuple[web.AppRunner, int]:
    """Start the simulator in the running loop; returns the runner (call `cleanup()` to stop) and the
    bound port (useful with port 0)."""
    simulator = Simulator(config)
    runner = web.AppRunner(simulator.app(), access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port, backlog=1024)
    await site.start()
    bound = runner.addresses[0][1]
    return runner, int(bound)
