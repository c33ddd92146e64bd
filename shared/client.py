"""The Python client for other services: submit a diagnosis, follow it, fetch its report.

It never creates an event loop: every method is a coroutine for the caller's running loop.

    async with await BrandlensClient.connect("nats://127.0.0.1:4222") as client:
        accepted = await client.submit({"brand": {"name": "欧派"}, "questions": ["全屋定制品牌哪家好"],
                                        "models": ["sim-deepseek"]})
        async for event in client.events(accepted.run_id):
            print(event)
        report = await client.report(accepted.run_id)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

import msgspec
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy

from shared import subjects
from shared.bus import BusUnavailable, connect
from shared.config import Settings, load_settings
from shared.contracts import (
    Completed,
    DiagnosisRequest,
    ErrorReply,
    Progress,
    RunEvent,
    SubmitAccepted,
    accepted_decoder,
    encode,
    event_decoder,
)
from shared.denials import Denials
from shared.errors import BrandlensError, RequestRejected, ServiceUnavailable
from shared.errors import PermissionDenied as PermissionDenied  # re-exported: callers catch it from here

# Re-exported: callers catch them from here.
from shared.errors import RunNotFinished as RunNotFinished
from shared.errors import RunNotFound as RunNotFound
from shared.replies import error_reply
from shared.report.types import ReanalysisSummary, Report


class ServiceError(BrandlensError):
    """A service answered with an error other than the typed ones above."""

    def __init__(self, reply: ErrorReply) -> None:
        self.reply = reply
        super().__init__(f"{reply.error} ({reply.code}): {reply.message}")


_report_decoder = msgspec.json.Decoder(Report)
_summary_decoder = msgspec.json.Decoder(ReanalysisSummary)


def _raise_for(reply: ErrorReply) -> None:
    if reply.code == 400 and reply.error == "invalid_request" and reply.fields:
        raise RequestRejected(reply.message, reply.fields)
    if reply.code == 404:
        raise RunNotFound(reply.message)
    if reply.code == 409:
        raise RunNotFinished(reply.message)
    if reply.code == 503:
        raise ServiceUnavailable(reply.message)
    raise ServiceError(reply)


class BrandlensClient:
    def __init__(
        self, nc: Client, *, timeout_s: float = 10.0, owns_connection: bool = True, denials: Denials | None = None,
    ) -> None:
        self.nc = nc
        # Refusals by the server's permissions become PermissionDenied instead of a timeout.
        self.denials = denials or Denials(None)
        self.js = nc.jetstream(timeout=timeout_s)
        self.timeout_s = timeout_s
        self._owns = owns_connection

    @classmethod
    async def connect(
        cls, url: str | None = None, *, settings: Settings | None = None, name: str = "brandlens-client",
        timeout_s: float = 10.0,
    ) -> BrandlensClient:
        settings = settings or load_settings()
        denials = Denials(settings.nats_user)
        try:
            nc = await connect(settings, name, url=url, first_connect_timeout_s=timeout_s, on_error=denials.on_error)
        except BusUnavailable as exc:
            raise ServiceUnavailable(str(exc)) from None
        return cls(nc, timeout_s=timeout_s, denials=denials)

    async def __aenter__(self) -> BrandlensClient:
        return self

    async def __aexit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns and not self.nc.is_closed:
            await self.nc.close()

    async def _request(self, subject: str, payload: bytes, timeout_s: float | None = None) -> bytes:
        wait_s = timeout_s or self.timeout_s
        try:
            msg: Msg = await self.denials.guard(self.nc.request(subject, payload, timeout=wait_s))
        except nats.errors.NoRespondersError:
            raise ServiceUnavailable(f"no service answers on {subject}: is the stack running?") from None
        except nats.errors.TimeoutError:
            raise ServiceUnavailable(f"no answer on {subject} within {wait_s:g}s") from None
        reply = error_reply(msg)
        if reply is not None:
            _raise_for(reply)
        return msg.data

    # --- runs -----------------------------------------------------------------------------

    async def submit(self, request: DiagnosisRequest | dict[str, Any] | bytes) -> SubmitAccepted:
        """Start a run; resubmitting with the same request_id returns the same run."""
        if isinstance(request, bytes):
            payload = request
        elif isinstance(request, DiagnosisRequest):
            payload = encode(request)
        else:
            payload = msgspec.json.encode(request)
        return accepted_decoder.decode(await self._request(subjects.SUBMIT, payload, timeout_s=60))

    async def status(self, run_id: str) -> dict[str, Any]:
        data = await self._request(subjects.STATUS, msgspec.json.encode({"run_id": run_id}))
        result: dict[str, Any] = msgspec.json.decode(data)
        return result

    async def events(self, run_id: str, *, timeout_s: float | None = None) -> AsyncIterator[RunEvent]:
        """Every progress event of the run (from its start), ending with the Completed event."""
        sub = await self.denials.guard(self.js.subscribe(
            subjects.run_events(run_id), ordered_consumer=True, deliver_policy=DeliverPolicy.ALL,
            stream=subjects.EVENTS_STREAM,
        ))
        # The longest silence between two events before giving up (the default outlasts any tick).
        idle_s = timeout_s or 3600.0
        last_done = -1
        try:
            while True:
                try:
                    msg = await self.denials.guard(sub.next_msg(timeout=idle_s))
                except nats.errors.TimeoutError:
                    raise TimeoutError(f"no event for run {run_id} within {idle_s:g}s") from None
                try:
                    event = event_decoder.decode(msg.data)
                except msgspec.DecodeError:
                    continue
                if isinstance(event, Progress):
                    # Monotonic for the caller even if a stale tick arrives after a newer one.
                    if event.done < last_done:
                        continue
                    last_done = event.done
                yield event
                if isinstance(event, Completed):
                    return
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def wait(self, run_id: str, *, timeout_s: float | None = None) -> Completed:
        async with asyncio.timeout(timeout_s):
            async for event in self.events(run_id):
                if isinstance(event, Completed):
                    return event
        raise RuntimeError("event stream ended without completion")  # pragma: no cover - events() returns on it

    async def report_bytes(self, run_id: str) -> bytes:
        """The stored report JSON, read from the object store (no size limit)."""
        store = await self.denials.guard(self.js.object_store(subjects.REPORTS_STORE))
        try:
            result = await self.denials.guard(store.get(run_id))
        except nats.js.errors.ObjectNotFoundError:
            status = await self.status(run_id)  # raises RunNotFound for unknown runs
            raise RunNotFinished(f"run {run_id} is {status.get('status')}; no report yet") from None
        return result.data or b""

    async def report(self, run_id: str) -> Report:
        return _report_decoder.decode(await self.report_bytes(run_id))

    async def reanalyze(self, run_id: str, *, timeout_s: float = 60.0) -> ReanalysisSummary:
        """Rebuild a finished run's report with the current analyser; stored cells are kept.

        The reply is a summary, not the report (a large report exceeds the payload limit):
        ``report()`` reads the rebuilt one.
        """
        data = await self._request(subjects.REANALYZE, msgspec.json.encode({"run_id": run_id}), timeout_s=timeout_s)
        return _summary_decoder.decode(data)

    async def run(self, request: DiagnosisRequest | dict[str, Any], *, timeout_s: float | None = None) -> Report:
        """Submit, wait for completion and return the report."""
        accepted = await self.submit(request)
        await self.wait(accepted.run_id, timeout_s=timeout_s)
        return await self.report(accepted.run_id)

    async def models(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = msgspec.json.decode(await self._request(subjects.MODELS, b""))
        return result

    async def monitor(self, action: str, body: dict[str, Any] | bytes) -> Any:
        """One `brandlens.monitors.<action>` call (create takes the spec bytes, others {"id"})."""
        payload = body if isinstance(body, bytes) else msgspec.json.encode(body)
        return msgspec.json.decode(await self._request(f"{subjects.MONITORS_PREFIX}.{action}", payload, timeout_s=60))

    async def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        data = await self._request(subjects.RUNS_LIST, msgspec.json.encode({"limit": limit}))
        result: list[dict[str, Any]] = msgspec.json.decode(data)
        return result
